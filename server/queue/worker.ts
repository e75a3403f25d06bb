import { DelayedError, MetricsTime, UnrecoverableError, Worker, type Job, type Telemetry } from 'bullmq';
import { isCluster, type Redis } from '../redis.ts';
import { queueKeyPrefix } from './key-prefix.ts';
import { jobDataSchemas } from '../../shared/jobs.ts';
import { QUEUE_NAMES, QUEUE_POLICIES, type QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { JobTelemetry, QueueTally } from '../observability/job-telemetry.ts';
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
  /** This process's worker name (WORKER_NAME), given to BullMQ: it shows in CLIENT LIST and Bull Board. */
  name?: string;
  /** Counts and latencies for /metrics and the console's percentiles; none in tests that do not look. */
  telemetry?: JobTelemetry;
  /** BullMQ telemetry for tracing (server/tracing): a processing span joined to the producer's trace; none when off. */
  tracing?: Telemetry;
  /**
   * Called on each failed attempt, after BullMQ recorded it; `final` when no retry is left. Failures are rare, so
   * listeners may write to Redis (error groups, the job's attempt timeline); they must not throw.
   */
  onFailed?: (queue: QueueName, job: Job, err: Error, final: boolean) => void;
  /** Called on each stalled job (the health monitor counts them across processes). */
  onStalled?: (queue: QueueName, jobId: string) => void;
}

export interface WorkerRuntime {
  workers: ReadonlyMap<QueueName, Worker>;
  /** Resolves once every Worker is connected and taking jobs. */
  ready(): Promise<void>;
  activeCount(): number;
  /** Jobs running now, per queue this runtime serves. */
  activeByQueue(): Partial<Record<QueueName, number>>;
  /** Each served queue's concurrency. */
  concurrencyByQueue(): Partial<Record<QueueName, number>>;
  /**
   * Stops taking jobs and waits for active ones up to `deadlineMs`; past it, aborts their signals
   * and closes without waiting (their locks lapse and another worker takes them over).
   */
  close(deadlineMs: number): Promise<{ timedOut: boolean }>;
}

/** How often the one deadline check of a runtime runs: a timeout fires within this much after it is due. */
export const DEADLINE_TICK_MS = 100;

/**
 * What a processor gets beside its data, and the job's deadline. One object per attempt whose
 * methods live on the prototype (no closures per job); the AbortController is made only when the
 * processor reads `signal`, since most never do.
 */
class RunningJob implements ProcessorContext {
  readonly queue: QueueName;
  readonly lastProgress: unknown;
  /** Epoch ms past which the attempt times out. */
  readonly deadline: number;
  /** Rejects the attempt (a timeout), whatever the processor does with its signal. */
  fail: (err: Error) => void = noop;
  private controller?: AbortController;
  private abortReason?: unknown;
  private childLog?: Logger;

  constructor(
    private readonly job: Job,
    queue: QueueName,
    private readonly baseLog: Logger,
    readonly timeoutMs: number,
  ) {
    this.queue = queue;
    this.lastProgress = job.progress;
    this.deadline = Date.now() + timeoutMs;
  }

  get jobId(): string {
    return String(this.job.id);
  }
  get jobKey(): string {
    return `${this.job.id}@${this.job.timestamp}`;
  }
  get attempt(): number {
    return this.job.attemptsMade + 1;
  }
  get maxAttempts(): number {
    // BullMQ makes one attempt for a job added without `attempts` (it stores 0).
    return Math.max(1, this.job.opts.attempts ?? 1);
  }
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }
  get log(): Logger {
    return (this.childLog ??= this.baseLog.child({ queue: this.queue, jobId: this.job.id }));
  }
  progress(value: number | Record<string, unknown>): Promise<void> {
    return this.job.updateProgress(value);
  }
  async addLog(line: string): Promise<void> {
    await this.job.log(line);
  }
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

function noop() {}

/**
 * Every running attempt of a runtime, and one interval that times out the overdue ones: a timer and a
 * Promise.race per job cost more than the no-op jobs they guard (npm run bench). Runs only while
 * jobs are running.
 */
class Deadlines {
  private readonly running = new Set<RunningJob>();
  private timer?: NodeJS.Timeout;

  add(job: RunningJob): void {
    this.running.add(job);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), DEADLINE_TICK_MS);
      this.timer.unref();
    }
  }

  /** The interval is stopped by its own tick once nothing runs: a drain empties the set between fetches, and
   * clearing and re-arming a timer each time costs more than a tick. */
  delete(job: RunningJob): void {
    this.running.delete(job);
  }

  get size(): number {
    return this.running.size;
  }

  byQueue(): Partial<Record<QueueName, number>> {
    const counts: Partial<Record<QueueName, number>> = {};
    for (const job of this.running) counts[job.queue] = (counts[job.queue] ?? 0) + 1;
    return counts;
  }

  /** Aborts every running attempt's signal (shutdown past its deadline); the processors decide. */
  abortAll(reason: unknown): void {
    for (const job of this.running) job.abort(reason);
  }

  private check(): void {
    if (this.running.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const job of this.running) {
      if (job.deadline > now) continue;
      const err = new JobTimeoutError(job.timeoutMs);
      job.abort(err);
      job.fail(err);
    }
  }
}

/**
 * Wraps a processor with validation, the timeout and the context; this is what BullMQ runs. Two
 * declared parameters: BullMQ makes an AbortController per job only for processors of arity 3, and
 * ours is made on demand instead (RunningJob.signal).
 */
export function wrapProcessor<Q extends QueueName>(queue: Q, processor: Processor<Q>, log: Logger, deadlines: Deadlines = new Deadlines(), tally?: QueueTally) {
  const schema = jobDataSchemas[queue];
  const policy = QUEUE_POLICIES[queue];
  return async function run(job: Job, token?: string): Promise<unknown> {
    const startedAt = Date.now();
    // The wait of a job's first start only: BullMQ records when a job was added and the delay it was added
    // with (its `delay` field is zeroed once promoted), not when a retry's backoff or a processor's own delay
    // ended, so a later start's wait cannot be told apart from those.
    if (tally && job.attemptsStarted <= 1) tally.started(job.timestamp, job.opts.delay ?? 0, job.processedOn ?? startedAt);
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) {
      const fields = Object.entries(fieldErrorsOf(parsed.error)).map(([k, v]) => `${k}: ${v.join(', ')}`);
      throw new UnrecoverableError(`Invalid job data: ${fields.join('; ')}`);
    }
    const optTimeout = (job.opts as { timeout?: unknown }).timeout;
    const running = new RunningJob(job, queue, log, typeof optTimeout === 'number' && optTimeout > 0 ? optTimeout : policy.timeoutMs);
    deadlines.add(running);
    try {
      const result = await new Promise((resolve, reject) => {
        running.fail = reject;
        processor(parsed.data as never, running).then(resolve, reject);
      });
      if (tally) tally.completed++;
      return result;
    } catch (err) {
      // Processors speak plain errors; BullMQ's own error types steer the job's fate here.
      if (err instanceof DelayJobError) {
        await job.moveToDelayed(Date.now() + Math.max(0, err.delayMs), token);
        throw new DelayedError(err.message);
      }
      // The stack stays the processor's, so error groups find the code that threw, not this wrapper.
      if (err instanceof PermanentJobError) throw Object.assign(new UnrecoverableError(err.message), { stack: err.stack });
      throw err;
    } finally {
      deadlines.delete(running);
      tally?.finished(Date.now() - startedAt);
    }
  };
}

/** One BullMQ Worker per queue that has a processor, with the queue's policy. */
export function createWorkerRuntime(opts: WorkerRuntimeOptions): WorkerRuntime {
  const deadlines = new Deadlines();
  const workers = new Map<QueueName, Worker>();
  const errorGate = workerErrorGate(30_000);

  for (const queue of QUEUE_NAMES) {
    const processor = opts.processors[queue] as Processor<typeof queue> | undefined;
    if (!processor) continue;
    const policy = QUEUE_POLICIES[queue];
    const tally = opts.telemetry?.tally(queue);
    const worker = new Worker(queue, wrapProcessor(queue, processor, opts.log, deadlines, tally), {
      connection: opts.connection,
      prefix: queueKeyPrefix(opts.prefix, queue, isCluster(opts.connection)),
      concurrency: opts.concurrency?.[queue] ?? policy.concurrency,
      ...(opts.name ? { name: opts.name } : {}),
      // An explicit undefined would override BullMQ's defaults (and make it throw).
      ...(opts.lockDurationMs !== undefined ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs !== undefined ? { stalledInterval: opts.stalledIntervalMs } : {}),
      metrics: { maxDataPoints: MetricsTime.TWO_WEEKS },
      ...(opts.tracing ? { telemetry: opts.tracing } : {}),
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const max = Math.max(1, job.opts.attempts ?? 1);
      const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= max;
      if (tally && final) tally.failedFinal++;
      else if (tally) tally.failedRetry++;
      opts.onFailed?.(queue, job, err, final);
      opts.log.warn(
        { queue, jobId: job.id, attempt: job.attemptsMade, maxAttempts: max, reason: err.message },
        final ? 'Job failed permanently' : 'Job failed; will retry',
      );
    });
    worker.on('stalled', (jobId) => {
      if (tally) tally.stalled++;
      opts.onStalled?.(queue, jobId);
      opts.log.warn({ queue, jobId }, 'Job stalled (its worker stopped renewing the lock); moved back to waiting');
    });
    worker.on('error', (err) => {
      if (errorGate(queue, err)) opts.log.error({ queue, err: err.message }, 'Worker error');
    });
    workers.set(queue, worker);
  }

  return {
    workers,
    async ready() {
      await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));
    },
    activeCount: () => deadlines.size,
    activeByQueue: () => {
      const counts = deadlines.byQueue();
      for (const q of workers.keys()) counts[q] ??= 0;
      return counts;
    },
    concurrencyByQueue: () => Object.fromEntries([...workers].map(([q, w]) => [q, w.concurrency])),
    async close(deadlineMs) {
      // BullMQ keeps the first close() promise and hands it to later calls, so "force" must be
      // decided before closing: stop fetching, wait for active jobs up to the deadline, then close.
      const all = [...workers.values()];
      const started = Date.now();
      await Promise.all(all.map((w) => w.pause(true)));
      while (deadlines.size > 0 && Date.now() - started < deadlineMs) await new Promise((r) => setTimeout(r, 25));
      const timedOut = deadlines.size > 0;
      if (timedOut) deadlines.abortAll(new Error('shutdown deadline passed'));
      await Promise.all(all.map((w) => w.close(timedOut)));
      return { timedOut };
    },
  };
}

/** How a lost, refused or silent Redis connection shows in an error (ioredis' and Node's words). */
const CONNECTION_CODES = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNABORTED)\b/;
const CONNECTION_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  'Reached the max retries per request limit',
  "Cluster isn't ready",
  'Failed to refresh slots cache',
  'Too many Cluster redirections',
];

/** A failure of the Redis connection itself, as opposed to one of a job, a script or the worker's logic. */
export function isConnectionError(err: Error & { code?: string }): boolean {
  if (err.code && CONNECTION_CODES.test(err.code)) return true;
  return CONNECTION_CODES.test(err.message) || CONNECTION_MESSAGES.some((m) => err.message.startsWith(m));
}

/**
 * Which worker 'error' events are logged. Connection errors never: every worker's connections fail through an outage
 * (six queues, each retrying every 2 s), and the shared connection logs the outage once and its recovery once
 * (redis.ts). Any other error once per queue and message per `windowMs`.
 */
export function workerErrorGate(windowMs: number): (queue: string, err: Error) => boolean {
  const once = onceWhileRepeating(windowMs);
  return (queue, err) => !isConnectionError(err) && once(`${queue}:${err.message}`);
}

/** True the first time a key is seen and again only after `windowMs`. */
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
