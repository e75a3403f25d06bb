// Queues at depth for depth-reads and bulk: N waiting + N/10 failed + N/10 completed alert jobs.
import { performance } from 'node:perf_hooks';
import { Queue, Worker, type JobsOptions } from 'bullmq';
import { num } from './report.ts';
import {
  ALERTS,
  ALERT_JOB_NAME,
  alertPayload,
  benchPrefix,
  connect,
  disconnect,
  elapsed,
  intEnv,
  policyJobOptions,
  pool,
  removeKeys,
  type BenchContext,
} from './shared.ts';

/** BENCH_DEPTH: waiting jobs of the depth scenarios (failed and completed: a tenth of it each). */
export const DEPTH = intEnv('BENCH_DEPTH', 200_000);

export interface Depth {
  waiting: number;
  failed: number;
  completed: number;
}
export const depthSizes = (): Depth => ({ waiting: DEPTH, failed: Math.round(DEPTH / 10), completed: Math.round(DEPTH / 10) });
export const depthLabel = (d: Depth = depthSizes()): string => `${num(d.waiting)} waiting + ${num(d.failed)} failed + ${num(d.completed)} completed`;

/** `n` valid alert jobs, 1,000 per addBulk with 4 calls in flight: fast, and no single call long enough to matter. */
async function addMany(queue: Queue, n: number, opts?: JobsOptions): Promise<void> {
  await pool(Math.ceil(n / 1000), 4, (c) => {
    const from = c * 1000;
    return queue.addBulk(Array.from({ length: Math.min(1000, n - from) }, (_, k) => ({ name: ALERT_JOB_NAME, data: alertPayload(from + k), opts })));
  });
}

/** Runs the `n` jobs just added through a Worker in this process: a no-op (completed) or one that throws (failed). */
async function work(ctx: BenchContext, prefix: string, n: number, fail: boolean): Promise<void> {
  if (n === 0) return;
  const connection = await connect(ctx.redisUrl, 'bench-fill');
  let seen = 0;
  let allDone = () => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const processor = async () => {
    if (fail) throw new Error('bench: failed on purpose');
  };
  const worker = new Worker(ALERTS, processor, { connection, prefix, concurrency: 100 });
  worker.on(fail ? 'failed' : 'completed', () => {
    if (++seen >= n) allDone();
  });
  await done;
  await worker.close();
  await disconnect(connection);
}

/**
 * Fills the alerts queue under `prefix`: the completed jobs first, then the failed ones (one attempt, so
 * the first failure is final), then the waiting ones, so each Worker meets only the jobs meant for it.
 */
export async function fillAlerts(ctx: BenchContext, prefix: string, d: Depth): Promise<void> {
  const t0 = performance.now();
  const queue = new Queue(ALERTS, { connection: ctx.admin, prefix, defaultJobOptions: policyJobOptions(ALERTS) });
  try {
    await addMany(queue, d.completed);
    await work(ctx, prefix, d.completed, false);
    await addMany(queue, d.failed, { attempts: 1 });
    await work(ctx, prefix, d.failed, true);
    await addMany(queue, d.waiting);
    const counts = await queue.getJobCounts('wait', 'failed', 'completed');
    if (counts.wait !== d.waiting || counts.failed !== d.failed || counts.completed !== d.completed) {
      throw new Error(`fill of ${prefix}: ${JSON.stringify(counts)} instead of ${JSON.stringify(d)}`);
    }
  } finally {
    await queue.close();
  }
  ctx.log(`   filled ${depthLabel(d)} in ${num(elapsed(t0) / 1000, 1)} s`);
}

// One fixture per run: depth-reads only reads it, bulk then consumes it, so a default run fills it once.
let shared: Promise<{ prefix: string; depth: Depth }> | undefined;

/** The shared fixture, filled on first use. */
export function depthFixture(ctx: BenchContext): Promise<{ prefix: string; depth: Depth }> {
  shared ??= (async () => {
    const prefix = benchPrefix('depth');
    const depth = depthSizes();
    try {
      await fillAlerts(ctx, prefix, depth);
    } catch (err) {
      shared = undefined;
      await removeKeys(ctx.admin, prefix);
      throw err;
    }
    return { prefix, depth };
  })();
  return shared;
}

/** Hands the fixture over to a scenario that changes it (and removes its keys); the next user fills a new one. */
export async function takeDepthFixture(ctx: BenchContext): Promise<{ prefix: string; depth: Depth }> {
  const fixture = await depthFixture(ctx);
  shared = undefined;
  return fixture;
}

/** Removes the fixture's keys if no scenario took it (end of run). */
export async function dropDepthFixture(ctx: BenchContext): Promise<void> {
  const fixture = await shared?.catch(() => undefined);
  shared = undefined;
  if (fixture) await removeKeys(ctx.admin, fixture.prefix);
}
