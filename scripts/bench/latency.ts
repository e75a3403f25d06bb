// 5. Latency: one job at a time with a short think time, add → completed, each side in a child process of its own.
import { BenchChild } from './child-process.ts';
import { num, type Row } from './report.ts';
import { benchPrefix, expectKind, intEnv, percentile, removeKeys, sidesFor, type BenchContext, type Scenario, type Side } from './shared.ts';

export const LATENCY_JOBS = intEnv('BENCH_LATENCY_JOBS', 2_000);
const THINK_MS = 2;
/** Jobs per turn; the sides take turns so that load from elsewhere on the machine hits both alike. */
const TURN = 250;
const WARM = 200;
/** The alerts queue's own concurrency (shared/queues.ts), on both sides. */
const CONCURRENCY = 5;

async function run(ctx: BenchContext): Promise<Row[]> {
  ctx.log(
    `\n5. Latency: ${num(LATENCY_JOBS)} jobs one at a time per side, ${THINK_MS} ms think time, add → 'completed' seen in the producer's process;\n` +
      `   queue.add + Worker vs QueueService.addJob + createWorkerRuntime (concurrency ${CONCURRENCY}), turns of ${TURN} jobs`,
  );
  const prefixes: Record<Side, string> = { plain: benchPrefix('latency-plain'), ours: benchPrefix('latency-ours') };
  const children: Record<Side, BenchChild> = {
    plain: new BenchChild({ role: 'latency-plain', url: ctx.redisUrl, prefix: prefixes.plain, concurrency: CONCURRENCY }),
    ours: new BenchChild({ role: 'latency-ours', url: ctx.redisUrl, prefix: prefixes.ours, concurrency: CONCURRENCY }),
  };
  try {
    for (const side of ['plain', 'ours'] as const) expectKind(await children[side].next(), 'listening');
    const runJobs = async (side: Side, n: number) => {
      children[side].send({ cmd: 'run', n, thinkMs: THINK_MS });
      return expectKind(await children[side].next(), 'latency').samples;
    };
    for (const side of ['plain', 'ours'] as const) await runJobs(side, WARM);
    const samples: Record<Side, number[]> = { plain: [], ours: [] };
    for (let turn = 0; samples.plain.length < LATENCY_JOBS; turn++) {
      const n = Math.min(TURN, LATENCY_JOBS - samples.plain.length);
      for (const side of sidesFor(turn)) samples[side].push(...(await runJobs(side, n)));
    }
    const p = (side: Side, q: number) => percentile(samples[side], q);
    for (const side of ['plain', 'ours'] as const) {
      ctx.log(`   ${side}: p50 ${num(p(side, 50), 2)} ms, p90 ${num(p(side, 90), 2)} ms, p99 ${num(p(side, 99), 2)} ms, max ${num(p(side, 100), 2)} ms`);
    }
    const note = `${num(LATENCY_JOBS)} jobs per side, ${THINK_MS} ms apart`;
    const row = (q: number, target: number): Row => ({
      scenario: `Latency add → completed, p${q}`,
      unit: 'ms',
      plain: p('plain', q),
      ours: p('ours', q),
      better: 'lower',
      target,
      targetKind: 'delta',
      digits: 2,
      note,
    });
    return [row(50, 0.3), row(99, 1)];
  } finally {
    await Promise.all([children.plain.stop(), children.ours.stop()]);
    for (const prefix of Object.values(prefixes)) await removeKeys(ctx.admin, prefix);
  }
}

export const latency: Scenario = { key: 'latency', title: 'Latency', run };
