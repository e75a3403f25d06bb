// 3. Stats: QueueService.getAllQueueStats (one round trip) vs six plain getJobCounts in sequence.
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { num, type Row } from './report.ts';
import { benchPrefix, connect, disconnect, elapsed, median, percentile, removeKeys, sidesFor, type BenchContext, type Scenario, type Side } from './shared.ts';

const STATS_CALLS = 1_000;

async function run(ctx: BenchContext): Promise<Row[]> {
  ctx.log(`\n3. Stats: getAllQueueStats (one call, six queues) vs six plain getJobCounts in sequence, ${num(STATS_CALLS)} calls`);
  const prefix = benchPrefix('stats');
  const connection = await connect(ctx.redisUrl, 'bench-stats');
  const service = new QueueService({ connection, prefix });
  const plainQueues = QUEUE_NAMES.map((name) => new Queue(name, { connection, prefix }));
  const types = ['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed'] as const;
  try {
    // Some jobs in every queue (counts are O(1) in Redis, so how many hardly matters).
    for (const q of plainQueues) {
      await q.addBulk(Array.from({ length: 1_000 }, (_, i) => ({ name: 'seed', data: { i }, opts: i % 10 === 0 ? { delay: 3_600_000 } : {} })));
    }
    const runs = {
      plain: async () => {
        for (const q of plainQueues) await q.getJobCounts(...types);
      },
      ours: async () => {
        await service.getAllQueueStats();
      },
    };
    const measure = async (side: Side, calls: number) => {
      const lat: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t0 = performance.now();
        await runs[side]();
        lat.push(elapsed(t0));
      }
      return lat;
    };
    await measure('plain', 200);
    await measure('ours', 200);
    const med: Record<Side, number[]> = { plain: [], ours: [] };
    const p99: Record<Side, number[]> = { plain: [], ours: [] };
    for (let r = 0; r < ctx.rounds; r++) {
      const parts: string[] = [];
      for (const side of sidesFor(r)) {
        const lat = await measure(side, STATS_CALLS);
        med[side].push(median(lat));
        p99[side].push(percentile(lat, 99));
        parts.push(`${side} median ${num(median(lat), 3)} ms, p99 ${num(percentile(lat, 99), 3)} ms`);
      }
      ctx.log(`   round ${r + 1}: ${parts.join(' | ')}`);
    }
    return [
      { scenario: 'Stats of 6 queues, median', unit: 'ms', plain: median(med.plain), ours: median(med.ours), better: 'lower', target: 1, digits: 3 },
      { scenario: 'Stats of 6 queues, p99', unit: 'ms', plain: median(p99.plain), ours: median(p99.ours), better: 'lower', digits: 3 },
    ];
  } finally {
    await Promise.all(plainQueues.map((q) => q.close()));
    await service.close();
    await removeKeys(connection, prefix);
    await disconnect(connection);
  }
}

export const stats: Scenario = { key: 'stats', title: 'Stats', run };
