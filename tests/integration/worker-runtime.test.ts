import { Queue, type Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueService } from '../../server/queue/queue-service.ts';
import { JobTimeoutError, createWorkerRuntime, type WorkerRuntime, type WorkerRuntimeOptions } from '../../server/queue/worker.ts';
import type { ProcessorRegistry } from '../../server/jobs/contract.ts';
import type { Redis } from '../../server/redis.ts';
import type { AlertJobData } from '../../shared/jobs.ts';
import { QUEUE_POLICIES, type QueueName } from '../../shared/queues.ts';
import { alertData, deferred, emailData, recordCall, type ProcessorCall } from '../fixtures/worker-runtime-fixtures.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { elapse, settlesWithin, waitFor } from '../helpers/wait-for.ts';
import { silentLogger } from '../helpers/silent-logger.ts';

let prefix: string;
let conn: Redis;
let qs: QueueService;
/** Runtimes and extra BullMQ queues a test opened; afterEach closes them. */
let runtimes: WorkerRuntime[];
let extraQueues: Queue[];
/** Releases gates a processor may still be waiting on, so closing never hangs on a test's own processor. */
let releases: Array<() => void>;

beforeEach(() => {
  prefix = testPrefix('wrt');
  conn = connect();
  qs = new QueueService({ connection: conn, prefix, log: silentLogger });
  runtimes = [];
  extraQueues = [];
  releases = [];
});

afterEach(async () => {
  for (const release of releases) release();
  // close() is idempotent per Worker (a second call returns the first close's promise).
  await Promise.all(runtimes.map((rt) => rt.close(2_000)));
  await Promise.all(extraQueues.map((q) => q.close()));
  await qs.close();
  await removeKeys(conn, prefix);
  await conn.quit();
});

/**
 * The lock/stalled timings are passed explicitly (server/config.ts defaults, as server/runtime.ts
 * does): leaving them out currently makes BullMQ throw, which its own test below covers.
 */
const LOCK_TIMINGS = { lockDurationMs: 6_000, stalledIntervalMs: 3_000 } as const;

function startRuntime(processors: ProcessorRegistry, extra: Partial<WorkerRuntimeOptions> = {}): WorkerRuntime {
  const rt = createWorkerRuntime({ connection: conn, prefix, processors, log: silentLogger, ...LOCK_TIMINGS, ...extra });
  runtimes.push(rt);
  return rt;
}

async function stateOf(queue: QueueName, id: string): Promise<string | undefined> {
  const job = await qs.getJob(queue, id);
  return job ? job.getState() : undefined;
}

/**
 * Polls until the job is in `state`, then reads the job afresh (a hash read taken before the state
 * check could predate the move, e.g. miss the returnvalue).
 */
async function waitForState(queue: QueueName, id: string, state: string, timeoutMs = 10_000): Promise<Job> {
  await waitFor(async () => (await stateOf(queue, id)) === state, { timeoutMs, message: `job ${queue}/${id} to be ${state}` });
  const job = await qs.getJob(queue, id);
  if (!job) throw new Error(`job ${id} of ${queue} vanished after reaching ${state}`);
  return job;
}

describe('worker runtime (real Redis)', () => {
  it('builds Workers with BullMQ defaults when lockDurationMs / stalledIntervalMs are left out (they are optional)', async () => {
    const processor = vi.fn(async () => 'ok');
    let rt: WorkerRuntime | undefined;
    expect(() => {
      rt = createWorkerRuntime({ connection: conn, prefix, processors: { alerts: processor }, log: silentLogger });
    }).not.toThrow();
    runtimes.push(rt!);
    const worker = rt!.workers.get('alerts')!;
    expect(worker.opts.lockDuration).toBeGreaterThan(0);
    expect(worker.opts.stalledInterval).toBeGreaterThan(0);
    const job = await qs.addJob('alerts', alertData());
    await waitForState('alerts', String(job.id), 'completed', 5_000);
    expect(processor).toHaveBeenCalledTimes(1);
  });

  it('runs a job added with addJob: waiting -> active -> completed, with parsed data, a full ctx and progress', async () => {
    const data = alertData();
    const added = await qs.addJob('alerts', data);
    const id = String(added.id);
    // No Worker yet: the job waits.
    expect(await stateOf('alerts', id)).toBe('waiting');

    const calls: ProcessorCall<AlertJobData>[] = [];
    const gate = deferred();
    releases.push(() => gate.resolve());
    const rt = startRuntime({
      alerts: async (d, ctx) => {
        recordCall(calls, d, ctx);
        await ctx.progress(42);
        await gate.promise;
        return { delivered: true };
      },
    });

    // Active, with the progress the processor reported visible through the service.
    const active = await waitFor(async () => {
      const job = await qs.getJob('alerts', id);
      return job && (await job.getState()) === 'active' && job.progress === 42 ? job : undefined;
    });
    expect(active.progress).toBe(42);
    expect(rt.activeCount()).toBe(1);

    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call.data).toEqual(data);
    expect(call.jobId).toBe(id);
    expect(call.queue).toBe('alerts');
    expect(call.attempt).toBe(1);
    expect(call.maxAttempts).toBe(QUEUE_POLICIES.alerts.attempts);
    expect(call.ctx.signal).toBeInstanceOf(AbortSignal);
    expect(call.ctx.signal.aborted).toBe(false);

    gate.resolve();
    const done = await waitForState('alerts', id, 'completed');
    expect(done.returnvalue).toEqual({ delivered: true });
    expect(done.progress).toBe(42);
    expect(done.attemptsMade).toBe(1);
    expect(calls).toHaveLength(1);
    expect(call.ctx.signal.aborted).toBe(false);
    await waitFor(() => rt.activeCount() === 0, { timeoutMs: 2_000 });
  });

  it('hands the processor the schema-parsed data (trimmed), not the raw stored payload', async () => {
    const calls: ProcessorCall<AlertJobData>[] = [];
    startRuntime({
      alerts: async (d, ctx) => {
        recordCall(calls, d, ctx);
      },
    });
    // Raw add skips addJob's parsing, so the stored payload keeps the padding.
    const job = await qs.queue('alerts').add('raw', alertData({ organizationId: '  org-7  ', message: '  disk full  ' }));
    await waitForState('alerts', String(job.id), 'completed');
    expect(calls).toHaveLength(1);
    expect(calls[0].data.organizationId).toBe('org-7');
    expect(calls[0].data.message).toBe('disk full');
  });

  it('retries a throwing job per the queue policy (3 attempts, exponential backoff from 2000 ms) and records the failure', async () => {
    const policy = QUEUE_POLICIES.alerts;
    expect(policy.attempts).toBe(3);
    expect(policy.backoff).toEqual({ type: 'exponential', delay: 2000 });

    const startedAt = new Map<number, number>();
    const calls: ProcessorCall<AlertJobData>[] = [];
    startRuntime({
      alerts: async (d, ctx) => {
        const call = recordCall(calls, d, ctx);
        startedAt.set(ctx.attempt, call.startedAt);
        throw new Error('alert channel unreachable');
      },
    });
    const added = await qs.addJob('alerts', alertData());
    const id = String(added.id);

    await waitFor(
      async () => {
        const job = await qs.getJob('alerts', id);
        return job?.attemptsMade === 3 && (await job.getState()) === 'failed';
      },
      { timeoutMs: 15_000, message: 'the third attempt to fail' },
    );
    const failed = (await qs.getJob('alerts', id))!;

    expect(failed.failedReason).toBe('alert channel unreachable');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.maxAttempts)).toEqual([3, 3, 3]);
    expect(calls.every((c) => c.jobId === id)).toBe(true);

    const gap1 = startedAt.get(2)! - startedAt.get(1)!;
    const gap2 = startedAt.get(3)! - startedAt.get(2)!;
    // 2000 ms then 4000 ms; a little early is clock noise, late is the worker's promotion of delayed jobs.
    expect(gap1).toBeGreaterThanOrEqual(2000 - 400);
    expect(gap1).toBeLessThanOrEqual(2000 + 1500);
    expect(gap2).toBeGreaterThanOrEqual(4000 - 400);
    expect(gap2).toBeLessThanOrEqual(4000 + 1500);

    // Not retried a fourth time: 'failed' is final (a retry would have left the job 'delayed').
    expect(calls).toHaveLength(3);
    expect(await qs.getQueueStats('alerts')).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
  }, 20_000);

  it('times an attempt out after opts.timeout: aborts ctx.signal and fails the job with the timeout reason', async () => {
    const seen: { reason?: unknown; abortedAfterMs?: number } = {};
    const gate = deferred();
    releases.push(() => gate.resolve());
    startRuntime({
      alerts: async (_d, ctx) => {
        const started = Date.now();
        const aborted = new Promise<never>((_, reject) => {
          ctx.signal.addEventListener(
            'abort',
            () => {
              seen.reason = ctx.signal.reason;
              seen.abortedAfterMs = Date.now() - started;
              reject(ctx.signal.reason);
            },
            { once: true },
          );
        });
        // "Long work": only the gate (released at cleanup) or the abort ends it.
        await Promise.race([gate.promise, aborted]);
      },
    });
    const added = await qs.addJob('alerts', alertData(), { timeout: 300, attempts: 1 });
    const id = String(added.id);

    const failed = await waitForState('alerts', id, 'failed', 5_000);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('timed out after 300 ms');

    expect(seen.reason).toBeInstanceOf(JobTimeoutError);
    expect((seen.reason as JobTimeoutError).timeoutMs).toBe(300);
    expect(seen.abortedAfterMs).toBeGreaterThanOrEqual(250);
    expect(seen.abortedAfterMs).toBeLessThan(2_000);
    // The attempt itself lasted about the timeout.
    expect(failed.finishedOn! - failed.processedOn!).toBeGreaterThanOrEqual(250);
    expect(failed.finishedOn! - failed.processedOn!).toBeLessThan(2_000);
  });

  it('arms the queue policy timeout when a job has no timeout option, and the job option when it has one', async () => {
    const timeouts: number[] = [];
    startRuntime({
      'email-sending': async (_d, ctx) => {
        timeouts.push(ctx.timeoutMs);
      },
    });
    const a = await qs.addJob('email-sending', emailData());
    await waitForState('email-sending', String(a.id), 'completed');
    const b = await qs.addJob('email-sending', emailData(), { timeout: 1234 });
    await waitForState('email-sending', String(b.id), 'completed');
    expect(timeouts).toEqual([QUEUE_POLICIES['email-sending'].timeoutMs, 1234]);
  });

  it('fails a payload that bypassed addJob exactly once (UnrecoverableError), naming the bad field, without calling the processor', async () => {
    const processor = vi.fn(async () => 'sent');
    startRuntime({ 'email-sending': processor });
    const job = await qs.queue('email-sending').add('x', { to: 'not-an-email' });
    const id = String(job.id);
    // The queue default (3 attempts) applies, so "once" below is a decision, not the default.
    expect(job.opts.attempts).toBe(QUEUE_POLICIES['email-sending'].attempts);

    const failed = await waitForState('email-sending', id, 'failed', 5_000);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^Invalid job data/);
    expect(failed.failedReason).toMatch(/(: |; )to: /);
    // Final: a retry would have left the job 'delayed', not 'failed'.
    const stats = await qs.getQueueStats('email-sending');
    expect(stats).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
    expect(processor).not.toHaveBeenCalled();
  });

  it('creates Workers only for queues with a processor, with the policy (or overridden) concurrency', async () => {
    const alerts = vi.fn(async () => 'ok');
    const rt = startRuntime({ alerts, 'email-sending': async () => undefined }, { concurrency: { 'email-sending': 2 } });
    await rt.ready();
    expect([...rt.workers.keys()].sort()).toEqual(['alerts', 'email-sending']);
    expect(rt.workers.get('alerts')!.name).toBe('alerts');
    expect(rt.workers.get('alerts')!.concurrency).toBe(QUEUE_POLICIES.alerts.concurrency);
    expect(rt.workers.get('email-sending')!.concurrency).toBe(2);

    // A job of a queue without a processor is left waiting while the others run: the alert, added
    // after it, has been taken and completed meanwhile.
    const orphan = await qs.addJob('data-sync', { integrationId: 'i-1', organizationId: 'org-1', platform: 'shopify', syncType: 'full' });
    const alert = await qs.addJob('alerts', alertData());
    await waitForState('alerts', String(alert.id), 'completed');
    expect(await stateOf('data-sync', String(orphan.id))).toBe('waiting');
    expect(alerts).toHaveBeenCalledTimes(1);
  });

  it('close(deadline) waits for an active job that finishes in time and reports timedOut: false', async () => {
    const calls: ProcessorCall<AlertJobData>[] = [];
    const order: string[] = [];
    const gate = deferred();
    releases.push(() => gate.resolve());
    const rt = startRuntime({
      alerts: async (d, ctx) => {
        recordCall(calls, d, ctx);
        await gate.promise;
        order.push('job finished');
        return 'finished';
      },
    });
    const added = await qs.addJob('alerts', alertData());
    const id = String(added.id);
    await waitForState('alerts', id, 'active');

    // Closing stops the worker taking jobs, then waits; the job finishes while it waits.
    const closing = rt.close(5_000).then((r) => {
      order.push('closed');
      return r;
    });
    const worker = rt.workers.get('alerts')!;
    await waitFor(() => worker.isPaused());
    expect(order).toEqual([]);
    gate.resolve();
    expect(await settlesWithin(closing, 4_000, 'close()')).toEqual({ timedOut: false });
    expect(order).toEqual(['job finished', 'closed']);
    const job = await qs.getJob('alerts', id);
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toBe('finished');
    expect(calls).toHaveLength(1);
    expect(calls[0].ctx.signal.aborted).toBe(false);
  });

  it('close(deadline) past the deadline aborts ctx.signal and returns timedOut: true in about the deadline', async () => {
    const calls: ProcessorCall<AlertJobData>[] = [];
    const gate = deferred();
    releases.push(() => gate.resolve());
    const rt = startRuntime({
      alerts: async (d, ctx) => {
        recordCall(calls, d, ctx);
        await gate.promise; // ignores ctx.signal on purpose
        return 'late';
      },
    });
    const added = await qs.addJob('alerts', alertData());
    await waitForState('alerts', String(added.id), 'active');

    const t0 = Date.now();
    const outcome = await settlesWithin(rt.close(300), 3_000, 'close(300)').catch((err: Error) => err.message);
    const elapsed = Date.now() - t0;
    gate.resolve(); // let the processor end, so cleanup does not wait on it

    expect.soft(calls[0]?.ctx.signal.aborted).toBe(true);
    expect.soft(outcome).toEqual({ timedOut: true });
    expect.soft(elapsed).toBeGreaterThanOrEqual(250);
    expect.soft(elapsed).toBeLessThan(1_500);
  });

  it('pauseQueue holds new jobs under `paused` and resumeQueue lets them run', async () => {
    const processor = vi.fn(async () => 'ok');
    const rt = startRuntime({ alerts: processor });
    await rt.ready();

    await qs.pauseQueue('alerts');
    expect(await qs.isPaused('alerts')).toBe(true);
    const added = await qs.addJob('alerts', alertData());
    const id = String(added.id);

    // Nothing to wait for: this asserts that the running worker does NOT take the job, for a while
    // longer than it takes to pick up one of a running queue.
    await elapse(300);
    expect(processor).not.toHaveBeenCalled();
    expect(await qs.getQueueStats('alerts')).toMatchObject({ paused: 1, waiting: 0, active: 0, completed: 0 });

    await qs.resumeQueue('alerts');
    const done = await waitForState('alerts', id, 'completed', 5_000);
    expect(done.returnvalue).toBe('ok');
    expect(processor).toHaveBeenCalledTimes(1);
    expect(await qs.getQueueStats('alerts')).toMatchObject({ paused: 0, waiting: 0, completed: 1 });
  });

  it('reports maxAttempts as BullMQ will apply it for a job added without `attempts` (by another producer)', async () => {
    const calls: ProcessorCall<AlertJobData>[] = [];
    startRuntime({
      alerts: async (d, ctx) => {
        recordCall(calls, d, ctx);
        throw new Error('nope');
      },
    });
    // A producer outside QueueService: no defaultJobOptions, so BullMQ makes exactly one attempt.
    const foreign = new Queue('alerts', { connection: conn, prefix });
    extraQueues.push(foreign);
    const job = await foreign.add('foreign', alertData());
    // BullMQ stores a missing `attempts` as 0 and then makes a single attempt.
    expect(job.opts.attempts ?? 0).toBe(0);

    const failed = await waitForState('alerts', String(job.id), 'failed', 5_000);
    expect(failed.attemptsMade).toBe(1);
    expect(calls).toHaveLength(1);
    // The processor was told this was its last attempt.
    expect(calls[0].maxAttempts).toBe(1);
  });
});
