// 2. Enqueue: queue.add vs QueueService.addJob one at a time, addBulk vs addJobs in bulk (with a PING probe).
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { QueueService } from '../../server/queue/queue-service.ts';
import { BenchChild } from './child-process.ts';
import { num, type Row } from './report.ts';
import {
  ALERTS,
  ALERT_JOB_NAME,
  alertPayload,
  benchPrefix,
  connect,
  disconnect,
  elapsed,
  expectKind,
  median,
  policyJobOptions,
  pool,
  removeKeys,
  sidesFor,
  type BenchContext,
  type Scenario,
  type Side,
} from './shared.ts';

const ENQUEUE_IN_FLIGHT = 100;

interface EnqueueResult {
  perSec: number;
  /** Slowest PING another connection saw while the bulk add ran (bulk only). */
  stallMs?: number;
}

async function enqueueRun(ctx: BenchContext, side: Side, mode: 'single' | 'bulk', n: number): Promise<EnqueueResult> {
  const prefix = benchPrefix(`enqueue-${mode}-${side}`);
  const connection = await connect(ctx.redisUrl, `bench-enqueue-${side}`);
  // The plain queue has the options QueueService gives 'alerts', so both store the same jobs.
  const plain = side === 'plain' ? new Queue(ALERTS, { connection, prefix, defaultJobOptions: policyJobOptions(ALERTS) }) : undefined;
  const service = side === 'ours' ? new QueueService({ connection, prefix }) : undefined;
  try {
    await (plain ?? service!.queue(ALERTS)).waitUntilReady();
    const payloads = Array.from({ length: n }, (_, i) => alertPayload(i));
    if (mode === 'single') {
      const t0 = performance.now();
      if (plain) await pool(n, ENQUEUE_IN_FLIGHT, (i) => plain.add(ALERT_JOB_NAME, payloads[i]));
      else await pool(n, ENQUEUE_IN_FLIGHT, (i) => service!.addJob(ALERTS, payloads[i]));
      return { perSec: (n / elapsed(t0)) * 1000 };
    }
    const probe = new BenchChild({ role: 'probe', url: ctx.redisUrl, prefix });
    expectKind(await probe.next(), 'listening');
    const t0 = performance.now();
    if (plain) {
      await plain.addBulk(payloads.map((data) => ({ name: ALERT_JOB_NAME, data })));
    } else {
      await service!.addJobs(
        ALERTS,
        payloads.map((data) => ({ data })),
      );
    }
    const ms = elapsed(t0);
    await probe.stop();
    const stall = expectKind(await probe.next(), 'probe');
    return { perSec: (n / ms) * 1000, stallMs: stall.maxMs };
  } finally {
    await plain?.close();
    await service?.close();
    await removeKeys(connection, prefix);
    await disconnect(connection);
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.n;
  ctx.log(`\n2. Enqueue: ${num(n)} valid alert jobs; one at a time with ${ENQUEUE_IN_FLIGHT} in flight, then in bulk`);
  // Warm the JIT of both paths first, so round 1 does not favour whichever side runs second.
  for (const side of ['plain', 'ours'] as const) {
    await enqueueRun(ctx, side, 'single', Math.min(2_000, n));
    await enqueueRun(ctx, side, 'bulk', Math.min(2_000, n));
  }
  const single: Record<Side, number[]> = { plain: [], ours: [] };
  const bulk: Record<Side, number[]> = { plain: [], ours: [] };
  const stall: Record<Side, number[]> = { plain: [], ours: [] };
  for (let r = 0; r < ctx.rounds; r++) {
    const parts: string[] = [];
    for (const side of sidesFor(r)) {
      const s = await enqueueRun(ctx, side, 'single', n);
      single[side].push(s.perSec);
      parts.push(`${side} add ${num(s.perSec)}/s`);
    }
    for (const side of sidesFor(r + 1)) {
      const b = await enqueueRun(ctx, side, 'bulk', n);
      bulk[side].push(b.perSec);
      stall[side].push(b.stallMs ?? Number.NaN);
      parts.push(`${side} bulk ${num(b.perSec)}/s (max PING ${num(b.stallMs ?? Number.NaN, 1)} ms)`);
    }
    ctx.log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  return [
    { scenario: 'Enqueue, 1 at a time (add vs addJob)', unit: 'jobs/s', plain: median(single.plain), ours: median(single.ours), better: 'higher', target: 0.9 },
    { scenario: 'Enqueue, bulk (addBulk vs addJobs)', unit: 'jobs/s', plain: median(bulk.plain), ours: median(bulk.ours), better: 'higher' },
    { scenario: 'Redis stall during bulk add, max PING', unit: 'ms', plain: median(stall.plain), ours: median(stall.ours), better: 'lower', digits: 1 },
  ];
}

export const enqueue: Scenario = { key: 'enqueue', title: 'Enqueue', run };
