// 7. Bulk actions at depth: retry all, clean and empty through QueueActions (what the API calls) vs BullMQ's own
// one-call versions, with a PING probe for the Redis stall and a busy worker on another queue for the dip.
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import type { Actor } from '../../server/monitoring/queue-actions.ts';
import { startApp } from './app.ts';
import { BenchChild } from './child-process.ts';
import { depthLabel, depthSizes, fillAlerts, takeDepthFixture } from './depth-fixture.ts';
import { num, type Row } from './report.ts';
import {
  ALERTS,
  benchPrefix,
  connect,
  disconnect,
  elapsed,
  expectKind,
  removeKeys,
  sidesFor,
  sleep,
  type BenchContext,
  type Scenario,
  type Side,
} from './shared.ts';

const STALL_TARGET_MS = 50;
/** The busy worker's concurrency: the alerts queue's own (shared/queues.ts). */
const BUSY_CONCURRENCY = 5;

interface Op {
  name: string;
  plainNote: string;
  plain: () => Promise<unknown>;
  ours: () => Promise<unknown>;
  /** Which side goes first, when the alternation would make one side pay for the other's aftermath. */
  first?: Side;
}

interface Outcome {
  ms: number;
  stallMs: number;
  /** The busy worker's completions and the window they happened in. */
  done: number;
  windowMs: number;
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const d = depthSizes();
  ctx.log(`\n7. Bulk actions at depth: ${depthLabel(d)} alert jobs per side; one run per action, sides alternating`);
  const plainPrefix = benchPrefix('bulk-plain');
  const busyPrefix = benchPrefix('bulk-busy');
  const cleanup: Array<() => Promise<unknown>> = [() => removeKeys(ctx.admin, plainPrefix), () => removeKeys(ctx.admin, busyPrefix)];
  try {
    await fillAlerts(ctx, plainPrefix, d);
    const fixture = await takeDepthFixture(ctx);
    cleanup.push(() => removeKeys(ctx.admin, fixture.prefix));
    const app = await startApp(ctx, fixture.prefix);
    cleanup.unshift(() => app.close());
    const actions = app.system.http!.services.actions;
    const actor: Actor = { user: { name: 'bench', role: 'admin', via: 'token' }, ip: '127.0.0.1', source: 'rest' };
    const plainConnection = await connect(ctx.redisUrl, 'bench-bulk-plain');
    const plainQueue = new Queue(ALERTS, { connection: plainConnection, prefix: plainPrefix });
    cleanup.unshift(async () => {
      await plainQueue.close();
      await disconnect(plainConnection);
    });

    const busy = new BenchChild({ role: 'busy-worker', url: ctx.redisUrl, prefix: busyPrefix, concurrency: BUSY_CONCURRENCY });
    const probe = new BenchChild({ role: 'probe', url: ctx.redisUrl, prefix: busyPrefix });
    cleanup.unshift(() => Promise.all([busy.stop(), probe.stop()]));
    expectKind(await busy.next(), 'listening');
    expectKind(await probe.next(), 'listening');
    const mark = async () => {
      busy.send('mark');
      probe.send('mark');
      const b = expectKind(await busy.next(), 'mark');
      const p = expectKind(await probe.next(), 'probe');
      return { completed: b.completed, at: b.at, maxPingMs: p.maxMs };
    };
    /** Runs `fn` between two marks: its time, the slowest PING and the busy worker's completions meanwhile. */
    const window = async (fn: () => Promise<unknown>): Promise<Outcome> => {
      const a = await mark();
      const t0 = performance.now();
      await fn();
      const ms = elapsed(t0);
      await sleep(20); // a PING answered right after the action still lands in its window
      const b = await mark();
      return { ms, stallMs: b.maxPingMs, done: b.completed - a.completed, windowMs: b.at - a.at };
    };
    const rate = (o: Pick<Outcome, 'done' | 'windowMs'>) => (o.done / o.windowMs) * 1000;

    await sleep(1_000); // the busy worker up to speed
    const before = await window(() => sleep(2_000));
    ctx.log(`   busy worker on another queue before: ${num(rate(before))} jobs/s, max PING ${num(before.stallMs, 1)} ms`);

    /**
     * Waits until Redis answers PINGs as fast as before any action (at most 20 s): right after one side deleted
     * a million keys, Redis is still shrinking its keyspace and returning memory, and the next side's first
     * calls would pay for it (its slowest PING was 140-180 ms where a settled run shows ~30 ms).
     */
    const settle = async () => {
      for (let i = 0; i < 40; i++) {
        const w = await window(() => sleep(500));
        if (w.stallMs <= Math.max(2 * before.stallMs, 10)) return;
      }
    };

    const ops: Op[] = [
      {
        name: `Retry all failed (${num(d.failed)})`,
        plainNote: 'plain: queue.retryJobs()',
        plain: () => plainQueue.retryJobs({ state: 'failed' }),
        ours: () => actions.retryAll(actor, ALERTS),
      },
      {
        name: `Clean completed (${num(d.completed)})`,
        plainNote: 'plain: one queue.clean(0, 100000) call (BullMQ runs scripts of 10,000)',
        plain: () => plainQueue.clean(0, 100_000, 'completed'),
        ours: () => actions.clean(actor, { queue: ALERTS, state: 'completed', graceMs: 0 }),
      },
      {
        // The retried jobs are waiting by now, so both sides empty N + N/10.
        name: `Empty (${num(d.waiting + d.failed)} waiting)`,
        plainNote: 'plain: queue.drain()',
        plain: () => plainQueue.drain(),
        ours: () => actions.empty(actor, ALERTS),
        // drain() deletes 1.1M keys in one call; for seconds after it Redis shrinks its keyspace and returns memory,
        // which PINGs do not show but key lookups do (SLOWLOG: our first batch after it took 63-136 ms, the rest ~10).
        first: 'ours',
      },
    ];
    const results: Array<Record<Side, Outcome>> = [];
    for (const [i, op] of ops.entries()) {
      const r = {} as Record<Side, Outcome>;
      const order: Side[] = op.first ? [op.first, op.first === 'ours' ? 'plain' : 'ours'] : sidesFor(i);
      for (const side of order) {
        r[side] = await window(op[side]);
        await settle();
      }
      results.push(r);
      const parts = (['plain', 'ours'] as const).map(
        (s) => `${s} ${num(r[s].ms)} ms, max PING ${num(r[s].stallMs, 1)} ms, busy worker ${num(rate(r[s]))} jobs/s`,
      );
      ctx.log(`   ${op.name}: ${parts.join(' | ')}`);
    }
    const prefixes: Record<Side, string> = { plain: plainPrefix, ours: fixture.prefix };
    for (const side of ['plain', 'ours'] as const) {
      const q = new Queue(ALERTS, { connection: ctx.admin, prefix: prefixes[side] });
      const left = await q.getJobCounts('wait', 'failed', 'completed');
      await q.close();
      if (left.wait || left.failed || left.completed) throw new Error(`${side}: jobs left after the actions: ${JSON.stringify(left)}`);
    }

    const during = (side: Side) => rate({ done: results.reduce((s, r) => s + r[side].done, 0), windowMs: results.reduce((s, r) => s + r[side].windowMs, 0) });
    const dip = (side: Side) => `${num((1 - during(side) / rate(before)) * 100)}%`;
    const rows: Row[] = [];
    for (const [i, op] of ops.entries()) {
      rows.push({ scenario: `Bulk: ${op.name}, total`, unit: 'ms', plain: results[i].plain.ms, ours: results[i].ours.ms, better: 'lower', note: op.plainNote });
    }
    for (const [i, op] of ops.entries()) {
      rows.push({
        scenario: `Bulk: max PING during ${op.name.replace(/ \(.*/, '').toLowerCase()}`,
        unit: 'ms',
        plain: results[i].plain.stallMs,
        ours: results[i].ours.stallMs,
        better: 'lower',
        target: STALL_TARGET_MS,
        targetKind: 'abs',
        digits: 1,
        note: `noise floor: ${num(before.stallMs, 1)} ms with no action running`,
      });
    }
    rows.push({
      scenario: 'Bulk: worker on another queue meanwhile',
      unit: 'jobs/s',
      plain: during('plain'),
      ours: during('ours'),
      better: 'higher',
      note: `before: ${num(rate(before))} jobs/s; dip plain ${dip('plain')}, ours ${dip('ours')}`,
    });
    return rows;
  } finally {
    for (const step of cleanup) await step().catch((err: Error) => ctx.log(`   cleanup: ${err.message}`));
  }
}

export const bulk: Scenario = { key: 'bulk', title: 'Bulk actions at depth', run };
