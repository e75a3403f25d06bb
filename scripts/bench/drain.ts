// 1. Worker drain: the same no-op alert jobs drained by a plain Worker and by our runtime, one child process per run.
import { Queue } from 'bullmq';
import { BenchChild } from './child-process.ts';
import { num, type Row } from './report.ts';
import {
  ALERTS,
  ALERT_JOB_NAME,
  MB,
  alertPayload,
  benchPrefix,
  expectKind,
  median,
  policyJobOptions,
  removeKeys,
  sidesFor,
  type BenchContext,
  type DrainResult,
  type Scenario,
  type Side,
} from './shared.ts';

export const WORKER_CONCURRENCY = 10;

async function drainRun(ctx: BenchContext, side: Side): Promise<DrainResult> {
  const prefix = benchPrefix(`drain-${side}`);
  const n = ctx.n;
  try {
    // The same jobs for both sides: valid alerts with the queue's policy options, added in bulk.
    const queue = new Queue(ALERTS, { connection: ctx.admin, prefix, defaultJobOptions: policyJobOptions(ALERTS) });
    for (let i = 0; i < n; i += 1000) {
      const count = Math.min(1000, n - i);
      await queue.addBulk(Array.from({ length: count }, (_, k) => ({ name: ALERT_JOB_NAME, data: alertPayload(i + k) })));
    }
    await queue.close();
    const role = side === 'plain' ? 'drain-plain' : 'drain-ours';
    const child = new BenchChild({ role, url: ctx.redisUrl, prefix, n, concurrency: WORKER_CONCURRENCY });
    const result = expectKind(await child.next(), 'drain');
    await child.exited;
    if (result.failed > 0 || result.completed !== n) throw new Error(`${side} drain: ${result.completed} completed, ${result.failed} failed of ${n}`);
    return result;
  } finally {
    await removeKeys(ctx.admin, prefix);
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  ctx.log(`\n1. Worker drain: ${num(ctx.n)} no-op alert jobs, concurrency ${WORKER_CONCURRENCY}, one worker process each`);
  const runs: Record<Side, DrainResult[]> = { plain: [], ours: [] };
  for (let r = 0; r < ctx.rounds; r++) {
    const parts: string[] = [];
    for (const side of sidesFor(r)) {
      const d = await drainRun(ctx, side);
      runs[side].push(d);
      parts.push(
        `${side} ${num((d.completed / d.ms) * 1000)} jobs/s, RSS Δ ${num((d.peak.rss - d.baseline.rss) / MB, 1)} MB (peak ${num(d.peak.rss / MB, 1)}), ` +
          `heap Δ ${num((d.peak.heapUsed - d.baseline.heapUsed) / MB, 1)} MB, CPU ${num(d.cpuMicros / d.completed, 1)} µs/job`,
      );
    }
    ctx.log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  const m = (side: Side, f: (d: DrainResult) => number) => median(runs[side].map(f));
  /** Median over rounds of that round's ours/plain (see Row.pairedRatio). */
  const paired = (f: (d: DrainResult) => number) => median(runs.ours.map((d, i) => f(d) / f(runs.plain[i])));
  const tput = (d: DrainResult) => (d.completed / d.ms) * 1000;
  const rssDelta = (d: DrainResult) => (d.peak.rss - d.baseline.rss) / MB;
  const heapDelta = (d: DrainResult) => (d.peak.heapUsed - d.baseline.heapUsed) / MB;
  const rssPeak = (d: DrainResult) => d.peak.rss / MB;
  const cpu = (d: DrainResult) => d.cpuMicros / d.completed;
  return [
    { scenario: 'Worker drain', unit: 'jobs/s', plain: m('plain', tput), ours: m('ours', tput), pairedRatio: paired(tput), better: 'higher', target: 0.95 },
    {
      scenario: 'Worker memory: peak RSS',
      unit: 'MB',
      plain: m('plain', rssPeak),
      ours: m('ours', rssPeak),
      pairedRatio: paired(rssPeak),
      better: 'lower',
      target: 1.15,
      digits: 1,
    },
    { scenario: 'Worker memory: RSS growth', unit: 'MB', plain: m('plain', rssDelta), ours: m('ours', rssDelta), better: 'lower', digits: 1 },
    {
      scenario: 'Worker memory: heapUsed growth',
      unit: 'MB',
      plain: m('plain', heapDelta),
      ours: m('ours', heapDelta),
      pairedRatio: paired(heapDelta),
      better: 'lower',
      target: 1.3,
      digits: 1,
    },
    {
      scenario: 'Worker CPU per job',
      unit: 'µs',
      plain: m('plain', cpu),
      ours: m('ours', cpu),
      pairedRatio: paired(cpu),
      better: 'lower',
      target: 1.1,
      digits: 1,
    },
  ];
}

export const drain: Scenario = { key: 'drain', title: 'Worker drain', run };
