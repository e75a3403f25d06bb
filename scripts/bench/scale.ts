// 8. Scale-out: 1, 2 and 4 worker processes (our runtime) draining one queue on one Redis: jobs/s, Redis CPU, workers' CPU.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { BenchChild } from './child-process.ts';
import { WORKER_CONCURRENCY } from './drain.ts';
import { num, type Row } from './report.ts';
import {
  ALERTS,
  ALERT_JOB_NAME,
  alertPayload,
  benchPrefix,
  expectKind,
  machineBusyMs,
  median,
  policyJobOptions,
  pool,
  redisCpuSec,
  removeKeys,
  sleep,
  type BenchContext,
  type Scenario,
} from './shared.ts';

const PROCESSES = [1, 2, 4];
/** Speed-up below which one more doubling of processes counts as flat. */
const FLAT = 1.15;

interface ScaleRun {
  jobsPerSec: number;
  /** CPU over the drain, one core = 100%: Redis, the worker processes together, and the whole machine (others included). */
  redisPct: number;
  workersPct: number;
  machinePct: number;
  redisUsPerJob: number;
  workerUsPerJob: number;
}

/** Jobs each process runs before the measured drain, so its JIT is warm (a fresh process's first jobs cost several times more). */
const WARM_PER_PROCESS = 2_000;

const epochNow = () => performance.timeOrigin + performance.now();

function addJobs(queue: Queue, n: number): Promise<void> {
  return pool(Math.ceil(n / 1000), 4, (c) =>
    queue.addBulk(Array.from({ length: Math.min(1000, n - c * 1000) }, (_, k) => ({ name: ALERT_JOB_NAME, data: alertPayload(c * 1000 + k) }))),
  );
}

async function waitCompleted(queue: Queue, count: number, what: string): Promise<void> {
  const t0 = performance.now();
  while ((await queue.getJobCountByTypes('completed')) < count) {
    if (performance.now() - t0 > 180_000) throw new Error(`${what}: not done after 180 s`);
    await sleep(20);
  }
}

async function scaleRun(ctx: BenchContext, procs: number): Promise<ScaleRun> {
  const n = ctx.n;
  const warm = WARM_PER_PROCESS * procs;
  const prefix = benchPrefix(`scale-${procs}`);
  const queue = new Queue(ALERTS, { connection: ctx.admin, prefix, defaultJobOptions: policyJobOptions(ALERTS) });
  const children: BenchChild[] = [];
  try {
    for (let i = 0; i < procs; i++) children.push(new BenchChild({ role: 'scale-worker', url: ctx.redisUrl, prefix, concurrency: WORKER_CONCURRENCY }));
    for (const c of children) expectKind(await c.next(), 'listening');
    await addJobs(queue, warm);
    await waitCompleted(queue, warm, `${procs} processes, warm-up`);
    // The measured jobs wait in a paused queue until every process has zeroed its counters.
    await queue.pause();
    await addJobs(queue, n);
    for (const c of children) {
      c.send('mark');
      expectKind(await c.next(), 'mark');
    }
    const redis0 = await redisCpuSec(ctx.admin);
    const machine0 = machineBusyMs();
    const t0 = epochNow();
    await queue.resume();
    await waitCompleted(queue, warm + n, `${procs} processes`);
    const wallSec = (epochNow() - t0) / 1000;
    const redisSec = (await redisCpuSec(ctx.admin)) - redis0;
    const machineSec = (machineBusyMs() - machine0) / 1000;
    const results = [];
    for (const c of children) {
      await c.stop();
      results.push(expectKind(await c.next(), 'scale'));
    }
    const completed = results.reduce((s, r) => s + r.completed, 0);
    if (completed !== n) throw new Error(`${procs} processes completed ${completed} of ${n}`);
    const workerSec = results.reduce((s, r) => s + r.cpuMicros, 0) / 1e6;
    const lastAt = Math.max(...results.map((r) => r.lastAt));
    return {
      jobsPerSec: (n / (lastAt - t0)) * 1000,
      redisPct: (redisSec / wallSec) * 100,
      workersPct: (workerSec / wallSec) * 100,
      machinePct: (machineSec / wallSec) * 100,
      redisUsPerJob: (redisSec * 1e6) / n,
      workerUsPerJob: (workerSec * 1e6) / n,
    };
  } finally {
    for (const c of children) await c.stop();
    await queue.close();
    await removeKeys(ctx.admin, prefix);
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const cores = os.cpus().length;
  ctx.log(
    `\n8. Scale-out: ${num(ctx.n)} no-op alert jobs drained by ${PROCESSES.join(', ')} worker processes (our runtime, concurrency ` +
      `${WORKER_CONCURRENCY} each, after ${num(WARM_PER_PROCESS)} warm-up jobs per process) on one Redis; ${cores} cores in all`,
  );
  const runs = new Map<number, ScaleRun[]>(PROCESSES.map((p) => [p, []]));
  for (let r = 0; r < ctx.rounds; r++) {
    const order = r % 2 === 0 ? PROCESSES : [...PROCESSES].reverse();
    const parts: string[] = [];
    for (const p of order) {
      const s = await scaleRun(ctx, p);
      runs.get(p)!.push(s);
      parts.push(`${p}: ${num(s.jobsPerSec)} jobs/s, CPU Redis ${num(s.redisPct)}%, workers ${num(s.workersPct)}%, machine ${num(s.machinePct)}%`);
    }
    ctx.log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  const med = (p: number, f: (s: ScaleRun) => number) => median(runs.get(p)!.map(f));
  const tput = (p: number) => med(p, (s) => s.jobsPerSec);

  // Where the curve flattens, and what bounds it. Measured shares are noisy on a shared machine, so the limit is
  // judged from CPU per job: Redis alone can do 1e6 / redisUs jobs/s on its one thread; the whole machine, running
  // both Redis and the workers, cores × 1e6 / (redisUs + workerUs). Whichever is lower is the limit.
  const flatAt = PROCESSES.find((p, i) => i > 0 && tput(p) < FLAT * tput(PROCESSES[i - 1]));
  const best = PROCESSES.reduce((a, b) => (tput(b) > tput(a) ? b : a));
  const redisUs = med(best, (s) => s.redisUsPerJob);
  const workerUs = med(best, (s) => s.workerUsPerJob);
  const redisCeiling = 1e6 / redisUs;
  const cpuCeiling = (cores * 1e6) / (redisUs + workerUs);
  const othersPct = (s: ScaleRun) => Math.max(0, s.machinePct - s.redisPct - s.workersPct);
  const others = med(best, othersPct);
  const limit =
    cpuCeiling < redisCeiling
      ? `the ${cores} cores, not Redis: workers ${num(workerUs, 1)} + Redis ${num(redisUs, 1)} µs CPU per job cap the machine at ` +
        `${num(cpuCeiling)} jobs/s, below Redis's own ${num(redisCeiling)}; so our runtime's CPU per job`
      : `Redis: its ${num(redisUs, 1)} µs per job cap one core at ${num(redisCeiling)} jobs/s, below the machine's ${num(cpuCeiling)}`;
  ctx.log(
    `   ${flatAt ? `flattens at ${flatAt} processes (< ${FLAT}× of ${PROCESSES[PROCESSES.indexOf(flatAt) - 1]})` : `no flattening up to ${best}`}; ` +
      `best ${num(tput(best))} jobs/s with ${best} (other processes on the machine took ${num(others)}% meanwhile)`,
  );
  ctx.log(`   limit: ${limit}`);
  ctx.log(
    `   Redis Cluster, one queue per shard (six masters): ≤ ${num(redisCeiling)} jobs/s per queue, ≈ ${num(6 * redisCeiling)} jobs/s for the six ` +
      `if the load spreads evenly, with ≈ ${num((6 * redisCeiling * workerUs) / 1e6, 1)} cores of workers; on 3 masters ≈ ${num(3 * redisCeiling)} jobs/s`,
  );
  const rows: Row[] = PROCESSES.map((p) => ({
    scenario: `Scale-out: ${p} worker process${p > 1 ? 'es' : ''}`,
    unit: 'jobs/s',
    plain: Number.NaN,
    ours: tput(p),
    better: 'higher',
    note:
      `${num(tput(p) / tput(1), 2)}× of 1; CPU: Redis ${num(med(p, (s) => s.redisPct))}%, workers ${num(med(p, (s) => s.workersPct))}%, ` +
      `machine ${num(med(p, (s) => s.machinePct))}% of ${cores * 100}%`,
  }));
  rows.push({
    scenario: 'Scale-out: worker CPU per job',
    unit: 'µs',
    plain: Number.NaN,
    ours: workerUs,
    better: 'lower',
    digits: 1,
    note: `${cores} cores ≤ ${num(cpuCeiling)} jobs/s with Redis on them too: the limit here is ${cpuCeiling < redisCeiling ? "our workers' CPU" : 'Redis'}`,
  });
  rows.push({
    scenario: 'Scale-out: Redis CPU per job',
    unit: 'µs',
    plain: Number.NaN,
    ours: redisUs,
    better: 'lower',
    digits: 1,
    note: `1 Redis core ≤ ${num(redisCeiling)} jobs/s per queue; 6 queues on 6 shards ≈ ${num(6 * redisCeiling)} jobs/s`,
  });
  return rows;
}

export const scale: Scenario = { key: 'scale', title: 'Scale-out', run };
