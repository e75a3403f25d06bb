import { DelayedError, MetricsTime, UnrecoverableError, Worker, type Job } from 'bullmq';
import { isCluster, type Redis } from '../redis.ts';
import { queueKeyPrefix } from './key-prefix.ts';
import { jobDataSchemas } from '../../shared/jobs.ts';
import { QUEUE_NAMES, QUEUE_POLICIES, type QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import { fieldErrorsOf } from './errors.ts';
import { DelayJobError, PermanentJobError, type Processor, type ProcessorContext, type ProcessorRegistry } from '../jobs/contract.ts';

export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

export interface WorkerRuntimeOptions {
  /** BullMQ-ready client; the Workers share it for commands and each duplicates it for blocking reads. */
  connection: Redis;
  prefix: string;
  processors: ProcessorRegistry;
  log: Logger;
  /** How long a job's lock lives without renewal; see config.ts for the takeover trade-off. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  concurrency?: Partial<Record<QueueName, number>>;
}

export interface WorkerRuntime {
  workers: ReadonlyMap<QueueName, Worker>;
  /** Resolves once every Worker is connected and taking jobs. */
  ready(): Promise<void>;
  activeCount(): number;
  /**
   * Stops taking jobs and waits for active ones up to `deadlineMs`; past it, aborts their signals
   * and closes without waiting (their locks lapse and another worker takes them over).
   */
  close(deadlineMs: number): Promise<{ timedOut: boolean }>;
}

/** Aborts a running job's signal with a reason (the Worker's cancelJob, bound once it exists). */
export interface JobCanceller {
  cancel?: (jobId: string, reason: unknown) => boolean;
}

/**
 * Wraps a processor with validation, the timeout and the context; this is what BullMQ runs.
 * Per job it allocates as little as it can (measured by `npm run bench`): the processor sees
 * BullMQ's own AbortSignal, and a timeout aborts it through the Worker's cancelJob.
 */
export function wrapProcessor<Q extends QueueName>(queue: Q, processor: Processor<Q>, log: Logger, track: { active: number }, canceller: JobCanceller = {}) {
  const schema = jobDataSchemas[queue];
  const policy = QUEUE_POLICIES[queue];
  // Three declared parameters: BullMQ passes the AbortSignal only to processors of arity 3.
  return async function run(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) {
      const fields = Object.entries(fieldErrorsOf(parsed.error)).map(([k, v]) => `${k}: ${v.join(', ')}`);
      throw new UnrecoverableError(`Invalid job data: ${fields.join('; ')}`);
    }
    const optTimeout = (job.opts as { timeout?: unknown }).timeout;
    const timeoutMs = typeof optTimeout === 'number' && optTimeout > 0 ? optTimeout : policy.timeoutMs;

    // BullMQ's signal when it gave one (it does for a processor of arity 3); else one of our own.
    const own = signal && canceller.cancel ? undefined : new AbortController();
    const jobSignal = own?.signal ?? signal!;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new JobTimeoutError(timeoutMs);
        if (own) own.abort(err);
        else canceller.cancel!(String(job.id), err);
        reject(err);
      }, timeoutMs);
    });

    let childLog: Logger | undefined;
    const ctx: ProcessorContext = {
      jobId: String(job.id),
      jobKey: `${job.id}@${job.timestamp}`,
      queue,
      attempt: job.attemptsMade + 1,
      // BullMQ makes one attempt for a job added without `attempts` (it stores 0).
      maxAttempts: Math.max(1, job.opts.attempts ?? 1),
      signal: jobSignal,
      // Built on first use: most jobs never log, and a child logger per job is measurable.
      get log() {
        return (childLog ??= log.child({ queue, jobId: job.id }));
      },
      progress: (value) => job.updateProgress(value),
      lastProgress: job.progress,
      addLog: async (line) => {
        await job.log(line);
      },
    };
    track.active++;
    try {
      return await Promise.race([processor(parsed.data as never, ctx), expired]);
    } catch (err) {
      // Processors speak plain errors; BullMQ's own error types steer the job's fate here.
      if (err instanceof DelayJobError) {
        await job.moveToDelayed(Date.now() + Math.max(0, err.delayMs), token);
        throw new DelayedError(err.message);
      }
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      track.active--;
      clearTimeout(timer);
    }
  };
}

/** One BullMQ Worker per queue that has a processor, with the queue's policy. */
export function createWorkerRuntime(opts: WorkerRuntimeOptions): WorkerRuntime {
  const track = { active: 0 };
  const workers = new Map<QueueName, Worker>();
  const errorGate = onceWhileRepeating(30_000);

  for (const queue of QUEUE_NAMES) {
    const processor = opts.processors[queue] as Processor<typeof queue> | undefined;
    if (!processor) continue;
    const policy = QUEUE_POLICIES[queue];
    const canceller: JobCanceller = {};
    const worker = new Worker(queue, wrapProcessor(queue, processor, opts.log, track, canceller), {
      connection: opts.connection,
      prefix: queueKeyPrefix(opts.prefix, queue, isCluster(opts.connection)),
      concurrency: opts.concurrency?.[queue] ?? policy.concurrency,
      // An explicit undefined would override BullMQ's defaults (and make it throw).
      ...(opts.lockDurationMs !== undefined ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs !== undefined ? { stalledInterval: opts.stalledIntervalMs } : {}),
      metrics: { maxDataPoints: MetricsTime.TWO_WEEKS },
    });
    // cancelJob's type says string, but the reason reaches the AbortSignal as given (a JobTimeoutError).
    canceller.cancel = (jobId, reason) => worker.cancelJob(jobId, reason as string);
    worker.on('failed', (job, err) => {
      if (!job) return;
      const max = Math.max(1, job.opts.attempts ?? 1);
      const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= max;
      opts.log.warn(
        { queue, jobId: job.id, attempt: job.attemptsMade, maxAttempts: max, reason: err.message },
        final ? 'Job failed permanently' : 'Job failed; will retry',
      );
    });
    worker.on('stalled', (jobId) => opts.log.warn({ queue, jobId }, 'Job stalled (its worker stopped renewing the lock); moved back to waiting'));
    worker.on('error', (err) => {
      if (errorGate(`${queue}:${err.message}`)) opts.log.error({ queue, err: err.message }, 'Worker error');
    });
    workers.set(queue, worker);
  }

  return {
    workers,
    async ready() {
      await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));
    },
    activeCount: () => track.active,
    async close(deadlineMs) {
      // BullMQ keeps the first close() promise and hands it to later calls, so "force" must be
      // decided before closing: stop fetching, wait for active jobs up to the deadline, then close.
      const all = [...workers.values()];
      const started = Date.now();
      await Promise.all(all.map((w) => w.pause(true)));
      while (track.active > 0 && Date.now() - started < deadlineMs) await new Promise((r) => setTimeout(r, 25));
      const timedOut = track.active > 0;
      if (timedOut) for (const w of all) w.cancelAllJobs('shutdown deadline passed');
      await Promise.all(all.map((w) => w.close(timedOut)));
      return { timedOut };
    },
  };
}

/** True the first time a key is seen and again only after `windowMs` (one log line per outage). */
function onceWhileRepeating(windowMs: number) {
  const seen = new Map<string, number>();
  return (key: string) => {
    const now = Date.now();
    const last = seen.get(key);
    if (last !== undefined && now - last < windowMs) return false;
    seen.set(key, now);
    return true;
  };
}
