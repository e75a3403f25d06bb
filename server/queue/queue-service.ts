import { Queue, type Job, type JobState, type JobsOptions, type Metrics, type Telemetry } from 'bullmq';
import { isCluster, type Redis } from '../redis.ts';
import { jobDataSchemas, jobOptionsSchema, type JobDataMap, type JobOptions } from '../../shared/jobs.ts';
import {
  QUEUE_NAMES,
  QUEUE_POLICIES,
  isQueueName,
  type AllQueueStats,
  type CleanState,
  type Overview,
  type QueueOverview,
  type JobStateName,
  type QueueName,
  type QueueStats,
} from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import { nextRun, parseCron } from './cron.ts';
import { JobNotFoundError, JobStateError, JobValidationError, UnknownQueueError, fieldErrorsOf } from './errors.ts';
import { jobNameFor } from './job-names.ts';
import { queueKeyPrefix } from './key-prefix.ts';
import { readOldestWaiting } from './oldest-waiting.ts';
import { toJobView, type JobView } from './job-view.ts';
import { emptyWaitList } from './empty-wait-list.ts';
import { readQueueCounts } from './queue-counts.ts';

/** Bulk operations touch at most this many jobs per Redis call, so Redis never stalls long. */
export const BATCH_SIZE = 1000;
/**
 * Removals (clean, empty) delete each job's keys inside the script, about twice a retry's work per job:
 * half the batch keeps one call under ~25 ms at a million jobs on a slow machine (npm run bench, Bulk rows).
 */
export const REMOVE_BATCH_SIZE = 500;

export interface QueueServiceDeps {
  /** A BullMQ-ready client (maxRetriesPerRequest: null); the six queues share it. */
  connection: Redis;
  /** BullMQ key prefix; tests pass their own so they never meet. */
  prefix: string;
  log?: Logger;
  /** BullMQ telemetry for tracing (server/tracing): enqueue spans, the caller's trace carried in the job; none when off. */
  tracing?: Telemetry;
}

export interface RecurringJob {
  queue: QueueName;
  name: string;
  pattern: string | null;
  every: number | null;
  tz: string | null;
  next: number | null;
  iterationCount: number;
  data: unknown;
}

export interface AddJobInput<Q extends QueueName = QueueName> {
  data: JobDataMap[Q];
  opts?: JobOptions;
}

/** The lists BullMQ's `clean` takes, in its own names. */
export type BullCleanType = NonNullable<Parameters<Queue['clean']>[2]>;

/** BullMQ's own job lists; its `waiting` is two of them (wait, prioritized). */
export type JobListType = 'wait' | 'prioritized' | 'active' | 'delayed' | 'failed' | 'completed';

const EMPTY_STATS: QueueStats = { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 };

/** Maps the console's state names to BullMQ's clean types. Paused jobs sit in BullMQ's wait list. */
const CLEAN_TYPES: Record<CleanState, Array<'completed' | 'failed' | 'delayed' | 'wait' | 'prioritized'>> = {
  completed: ['completed'],
  failed: ['failed'],
  delayed: ['delayed'],
  waiting: ['wait', 'prioritized'],
  paused: ['wait', 'prioritized'],
};

/**
 * Every queue operation of the guide. Data and options are checked against the shared zod schemas
 * before anything reaches Redis; bulk work goes in batches of BATCH_SIZE.
 */
export class QueueService {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly deps: QueueServiceDeps) {
    const cluster = isCluster(deps.connection);
    for (const name of QUEUE_NAMES) {
      const policy = QUEUE_POLICIES[name];
      const queue = new Queue(name, {
        connection: deps.connection,
        prefix: queueKeyPrefix(deps.prefix, name, cluster),
        telemetry: deps.tracing,
        defaultJobOptions: {
          attempts: policy.attempts,
          backoff: policy.backoff,
          removeOnComplete: { age: policy.keepCompletedSec },
          removeOnFail: { age: policy.keepFailedSec },
        },
      });
      queue.on('error', (err) => deps.log?.debug({ queue: name, err: err.message }, 'queue error'));
      this.queues.set(name, queue);
    }
  }

  get prefix(): string {
    return this.deps.prefix;
  }

  /**
   * The raw BullMQ queue, for Bull Board's adapter only (and tests that look at BullMQ directly).
   * Everything else goes through the methods below, so no caller depends on BullMQ's objects.
   */
  queue(name: string): Queue {
    return this.bull(name);
  }

  /** The BullMQ queue for a name; anything but the six names is an UnknownQueueError. */
  private bull(name: string): Queue {
    const q = isQueueName(name) ? this.queues.get(name) : undefined;
    if (!q) throw new UnknownQueueError(name);
    return q;
  }

  assertQueue(name: string): asserts name is QueueName {
    this.bull(name);
  }

  /** Checks a payload against its queue's schema; returns the parsed data or throws naming the fields. */
  validate<Q extends QueueName>(queue: Q, data: unknown): JobDataMap[Q] {
    this.assertQueue(queue);
    const parsed = jobDataSchemas[queue].safeParse(data);
    if (!parsed.success) throw new JobValidationError(queue, fieldErrorsOf(parsed.error));
    return parsed.data as JobDataMap[Q];
  }

  private toBullOptions(queue: string, opts: unknown, fieldPrefix = ''): JobsOptions {
    if (opts === undefined) return {};
    const parsed = jobOptionsSchema.safeParse(opts);
    if (!parsed.success) throw new JobValidationError(queue, fieldErrorsOf(parsed.error, fieldPrefix), 'options');
    // `timeout` is not a BullMQ option; it travels in opts and the worker enforces it.
    return parsed.data as JobsOptions;
  }

  async addJob<Q extends QueueName>(queue: Q, data: JobDataMap[Q], opts?: JobOptions): Promise<Job> {
    const q = this.bull(queue);
    const valid = this.validate(queue, data);
    const bullOpts = this.toBullOptions(queue, opts);
    return q.add(jobNameFor(queue, valid), valid, bullOpts);
  }

  /** Adds many jobs in one atomic call; every item is checked first, so a bad one adds nothing. */
  async addJobs<Q extends QueueName>(queue: Q, items: AddJobInput<Q>[]): Promise<Job[]> {
    const q = this.bull(queue);
    const schema = jobDataSchemas[queue];
    const fieldErrors: Record<string, string[]> = {};
    const prepared = items.map((item, i) => {
      const parsed = schema.safeParse(item.data);
      if (!parsed.success) Object.assign(fieldErrors, fieldErrorsOf(parsed.error, `${i}.data.`));
      let opts: JobsOptions = {};
      try {
        opts = this.toBullOptions(queue, item.opts, `${i}.opts.`);
      } catch (err) {
        if (err instanceof JobValidationError) Object.assign(fieldErrors, err.fieldErrors);
        else throw err;
      }
      const data = (parsed.success ? parsed.data : item.data) as JobDataMap[Q];
      return { name: jobNameFor(queue, data), data, opts };
    });
    if (Object.keys(fieldErrors).length > 0) throw new JobValidationError(queue, fieldErrors);
    const added: Job[] = [];
    for (let i = 0; i < prepared.length; i += BATCH_SIZE) {
      added.push(...(await q.addBulk(prepared.slice(i, i + BATCH_SIZE))));
    }
    return added;
  }

  /**
   * Creates or updates (same name) a cron schedule on BullMQ Job Schedulers. Running it twice with
   * the same arguments leaves one schedule and one pending job.
   */
  async addRecurringJob<Q extends QueueName>(queue: Q, name: string, data: JobDataMap[Q], cron: string, tz?: string): Promise<RecurringJob> {
    const q = this.bull(queue);
    const valid = this.validate(queue, data);
    parseCron(cron, tz);
    if (!name || name.includes(':')) {
      throw new JobValidationError(queue, { name: [name ? "must not contain ':'" : 'must not be empty'] }, 'options');
    }
    const policy = QUEUE_POLICIES[queue];
    await q.upsertJobScheduler(
      name,
      { pattern: cron, ...(tz ? { tz } : {}) },
      {
        name: jobNameFor(queue, valid),
        data: valid,
        opts: {
          attempts: policy.attempts,
          backoff: policy.backoff,
          removeOnComplete: { age: policy.keepCompletedSec },
          removeOnFail: { age: policy.keepFailedSec },
        },
      },
    );
    const saved = await this.getRecurringJob(queue, name);
    if (!saved) throw new Error(`Schedule "${name}" was not saved`);
    return saved;
  }

  async getRecurringJob(queue: QueueName, name: string): Promise<RecurringJob | undefined> {
    const s = await this.bull(queue).getJobScheduler(name);
    return s ? toRecurring(queue, name, s) : undefined;
  }

  async removeRecurringJob(queue: QueueName, name: string): Promise<boolean> {
    return this.bull(queue).removeJobScheduler(name);
  }

  /** Every schedule (of one queue or all), with its next run time. */
  async listRecurringJobs(queue?: QueueName): Promise<RecurringJob[]> {
    const names = queue ? [queue] : QUEUE_NAMES;
    const lists = await Promise.all(
      names.map(async (name) => {
        const schedulers = await this.bull(name).getJobSchedulers(0, -1, true);
        return schedulers.map((s) => toRecurring(name, s.key ?? s.id ?? s.name, s));
      }),
    );
    return lists.flat();
  }

  /** The guide's stats shape. Waiting jobs of a paused queue are reported under `paused`. */
  async getQueueStats(queue: QueueName): Promise<QueueStats> {
    return (await this.getQueueOverview(queue)).stats;
  }

  /** One queue's stats and paused flag, in one round trip. */
  async getQueueOverview(name: QueueName): Promise<QueueOverview> {
    const counts = await readQueueCounts(this.deps.connection, this.bull(name));
    const waiting = counts.wait + counts.prioritized;
    const paused = counts.paused;
    return {
      name,
      isPaused: paused,
      stats: {
        waiting: paused ? 0 : waiting,
        active: counts.active,
        completed: counts.completed,
        failed: counts.failed,
        delayed: counts.delayed,
        paused: paused ? waiting : 0,
      },
    };
  }

  /**
   * Every queue's stats and paused flag. All commands are sent before any reply is awaited, so the
   * six queues cost one round trip, not six.
   */
  async getOverview(): Promise<Overview> {
    const queues = await Promise.all(QUEUE_NAMES.map((name) => this.getQueueOverview(name)));
    const totals = { ...EMPTY_STATS };
    for (const { stats } of queues) for (const k of Object.keys(totals) as (keyof QueueStats)[]) totals[k] += stats[k];
    return { queues, totals, at: Date.now() };
  }

  /** The guide's `getAllQueueStats`: `{queues: {name: stats}, totals}`. */
  async getAllQueueStats(): Promise<AllQueueStats> {
    const { queues, totals } = await this.getOverview();
    return { queues: Object.fromEntries(queues.map((q) => [q.name, q.stats])) as Record<QueueName, QueueStats>, totals };
  }

  async isPaused(queue: QueueName): Promise<boolean> {
    return this.bull(queue).isPaused();
  }

  /** How many workers (in any process) are connected to the queue. */
  async getWorkerCount(queue: QueueName): Promise<number> {
    return this.bull(queue).getWorkersCount();
  }

  /** When the queue's oldest waiting job became ready (epoch ms), or null when none waits: one script call. */
  async getOldestWaitingAt(queue: QueueName): Promise<number | null> {
    return readOldestWaiting(this.deps.connection, this.bull(queue));
  }

  /**
   * The Workers' per-minute counts of finished jobs (BullMQ metrics): data points `start`..`end`,
   * newest first, and the running minute in `meta`. Empty unless the workers collect metrics.
   */
  async getMetrics(queue: QueueName, type: 'completed' | 'failed', start: number, end: number): Promise<Metrics> {
    return this.bull(queue).getMetrics(type, start, end);
  }

  /** Failed jobs, newest first; `end` is inclusive as in BullMQ (default: the first 50). */
  async getFailedJobs(queue: QueueName, range: { start?: number; end?: number } = {}): Promise<JobView[]> {
    const jobs = await this.bull(queue).getFailed(range.start ?? 0, range.end ?? 49);
    return jobs.filter(Boolean).map(toJobView);
  }

  async getJob(queue: QueueName, jobId: string): Promise<Job | undefined> {
    return (await this.bull(queue).getJob(jobId)) ?? undefined;
  }

  /** A job and its state, or undefined when there is no such job (no error: a search may guess ids). */
  async findJob(queue: QueueName, jobId: string): Promise<{ job: JobView; state: JobState | 'unknown' } | undefined> {
    const job = await this.getJob(queue, jobId);
    return job ? { job: toJobView(job), state: await job.getState() } : undefined;
  }

  /** Jobs in any of these lists. */
  async countJobs(queue: QueueName, types: JobListType[]): Promise<number> {
    return this.bull(queue).getJobCountByTypes(...types);
  }

  /** Jobs `start`..`end` (inclusive) of one list, newest first, data included: one Redis call. */
  async scanJobs(queue: QueueName, type: JobListType, start: number, end: number): Promise<JobView[]> {
    const jobs = await this.bull(queue).getJobs([type], start, end, false);
    return jobs.filter(Boolean).map(toJobView);
  }

  private async requireJob(queue: QueueName, jobId: string): Promise<Job> {
    const job = await this.getJob(queue, jobId);
    if (!job) throw new JobNotFoundError(queue, jobId);
    return job;
  }

  async retryFailedJob(queue: QueueName, jobId: string): Promise<void> {
    const job = await this.requireJob(queue, jobId);
    const state = await job.getState();
    if (state !== 'failed') throw new JobStateError(queue, jobId, state, 'failed');
    await job.retry('failed');
  }

  /** Retries every job that had failed when called, BATCH_SIZE per Redis call; returns how many. */
  async retryAllFailedJobs(queue: QueueName): Promise<number> {
    const q = this.bull(queue);
    const count = await q.getJobCountByTypes('failed');
    if (count > 0) await q.retryJobs({ state: 'failed', count: BATCH_SIZE, timestamp: Date.now() });
    return count;
  }

  /** Moves every delayed job to waiting now, in batches; returns how many were delayed. */
  async promoteAllDelayed(queue: QueueName): Promise<number> {
    const q = this.bull(queue);
    const count = await q.getJobCountByTypes('delayed');
    if (count > 0) await q.promoteJobs({ count: BATCH_SIZE });
    return count;
  }

  /**
   * Removes jobs in `state` older than `graceMs` (the guide's signature), at most `limit`
   * (default: all), REMOVE_BATCH_SIZE per Redis call. Returns how many were removed.
   */
  async cleanQueue(queue: QueueName, graceMs: number, state: CleanState = 'completed', limit = Number.POSITIVE_INFINITY): Promise<number> {
    const q = this.bull(queue);
    if (!(state in CLEAN_TYPES)) throw new JobStateError(queue, '*', state, Object.keys(CLEAN_TYPES).join('|'));
    // `waiting` and `paused` are the same BullMQ lists; which one they are depends on the queue.
    if ((state === 'waiting' || state === 'paused') && (await q.isPaused()) !== (state === 'paused')) return 0;
    let removed = 0;
    let schedulerRuns = 0;
    for (const type of CLEAN_TYPES[state]) {
      while (removed < limit) {
        const batch = Math.min(REMOVE_BATCH_SIZE, limit - removed);
        const ids = await q.clean(Math.max(0, graceMs), batch, type);
        removed += ids.length;
        schedulerRuns += ids.filter((id) => id.startsWith('repeat:')).length;
        if (ids.length < batch) break;
      }
    }
    // A schedule's next run is a delayed job; cleaning it would stop the schedule. Put them back.
    if (schedulerRuns > 0) removed -= await this.restoreSchedules(q, schedulerRuns);
    return removed;
  }

  /**
   * How many jobs `cleanQueue(queue, graceMs, state)` would remove now, when one Redis call can tell:
   * BullMQ scores its completed and failed sets by finishedOn, the time its clean compares with, so
   * one ZCOUNT answers. Other states are judged job by job (delayed and waiting jobs by their own
   * timestamps, not the sets' scores): null, not counted.
   */
  async countCleanable(queue: QueueName, graceMs: number, state: CleanState): Promise<number | null> {
    const q = this.bull(queue);
    if (state !== 'completed' && state !== 'failed') return null;
    return this.deps.connection.zcount(q.keys[state], '-inf', Date.now() - Math.max(0, graceMs));
  }

  /**
   * Removes the jobs of one BullMQ list as BullMQ names it (`wait`, `prioritized`, `active`…) older
   * than `graceMs`, REMOVE_BATCH_SIZE per Redis call: Bull Board's statuses the console has no state for.
   * Returns how many were removed.
   */
  async cleanList(queue: QueueName, type: BullCleanType, graceMs: number): Promise<number> {
    const q = this.bull(queue);
    let removed = 0;
    for (;;) {
      const ids = await q.clean(Math.max(0, graceMs), REMOVE_BATCH_SIZE, type);
      removed += ids.length;
      if (ids.length < REMOVE_BATCH_SIZE) return removed;
    }
  }

  /** Re-upserts every schedule of a queue, which recreates a next run that was removed. */
  private async restoreSchedules(q: Queue, expected: number): Promise<number> {
    const schedules = await q.getJobSchedulers(0, -1, true);
    for (const s of schedules) {
      const id = s.key ?? s.id ?? s.name;
      const repeat = s.pattern ? { pattern: s.pattern, ...(s.tz ? { tz: s.tz } : {}) } : { every: s.every! };
      await q.upsertJobScheduler(id, repeat, { name: s.name, data: s.template?.data, opts: s.template?.opts });
    }
    return Math.min(expected, schedules.length);
  }

  async pauseQueue(queue: QueueName): Promise<void> {
    await this.bull(queue).pause();
  }

  async resumeQueue(queue: QueueName): Promise<void> {
    await this.bull(queue).resume();
  }

  /**
   * Removes every job that is not active (waiting, prioritized, delayed, completed, failed), in
   * batches. Active jobs are left to finish. Schedules stay, with their next run. Returns how many
   * were removed.
   */
  async emptyQueue(queue: QueueName): Promise<number> {
    // The wait list first, by the O(batch) path; what it leaves (jobs of flows and schedulers) BullMQ cleans.
    let removed = await emptyWaitList(this.deps.connection, this.bull(queue), REMOVE_BATCH_SIZE);
    for (const state of ['waiting', 'paused', 'delayed', 'completed', 'failed'] as const) {
      removed += await this.cleanQueue(queue, 0, state);
    }
    return removed;
  }

  /**
   * One page of a state's jobs, newest first, with the state's total. `waiting` (and `paused`, the
   * same list in BullMQ 6) spans the wait list then the prioritized set, paged as one.
   */
  async listJobs(queue: QueueName, state: JobStateName, page = 1, pageSize = 25): Promise<{ jobs: JobView[]; total: number }> {
    const q = this.bull(queue);
    const start = (page - 1) * pageSize;
    const end = start + pageSize - 1;
    if (state === 'waiting' || state === 'paused') {
      const paused = await q.isPaused();
      if (paused !== (state === 'paused')) return { jobs: [], total: 0 };
      const counts = await q.getJobCounts('wait', 'prioritized');
      const inWait = counts.wait ?? 0;
      const parts: Job[] = [];
      if (start < inWait) parts.push(...(await q.getJobs(['wait'], start, Math.min(end, inWait - 1), false)));
      if (end >= inWait) parts.push(...(await q.getJobs(['prioritized'], Math.max(0, start - inWait), end - inWait, false)));
      return { jobs: parts.filter(Boolean).map(toJobView), total: inWait + (counts.prioritized ?? 0) };
    }
    const [jobs, total] = await Promise.all([q.getJobs([state], start, end, false), q.getJobCountByTypes(state)]);
    return { jobs: jobs.filter(Boolean).map(toJobView), total };
  }

  /**
   * A job with its state, log lines, whether its queue is paused, and (when delayed) when it runs:
   * BullMQ keeps that only as the delayed set's score (ms × 0x1000 + a counter), not on the job.
   */
  async getJobDetail(queue: QueueName, jobId: string): Promise<JobView & { state: string; logs: string[]; queuePaused: boolean; nextRunAt: number | null }> {
    const q = this.bull(queue);
    const job = await this.requireJob(queue, jobId);
    const [state, logs, queuePaused, score] = await Promise.all([
      job.getState(),
      q.getJobLogs(jobId, 0, 999, true),
      q.isPaused(),
      this.deps.connection.zscore(q.keys.delayed, jobId),
    ]);
    const nextRunAt = state === 'delayed' && score !== null ? Math.floor(Number(score) / 0x1000) : null;
    return { ...toJobView(job), state, logs: logs.logs, queuePaused, nextRunAt };
  }

  /** Runs a delayed job now. */
  async promoteJob(queue: QueueName, jobId: string): Promise<void> {
    const job = await this.requireJob(queue, jobId);
    const state = await job.getState();
    if (state !== 'delayed') throw new JobStateError(queue, jobId, state, 'delayed');
    await job.promote();
  }

  /** Removes a job that is not active (an active job's worker still holds its lock). */
  async removeJob(queue: QueueName, jobId: string): Promise<void> {
    const job = await this.requireJob(queue, jobId);
    const state = await job.getState();
    if (state === 'active') throw new JobStateError(queue, jobId, state, 'waiting, delayed, completed or failed');
    await job.remove();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

function toRecurring(
  queue: QueueName,
  name: string,
  s: { pattern?: string; every?: number; tz?: string; next?: number; iterationCount?: number; template?: { data?: unknown } },
): RecurringJob {
  const next = s.next ?? (s.pattern ? nextRun(s.pattern, s.tz) : null);
  return {
    queue,
    name,
    pattern: s.pattern ?? null,
    every: s.every ?? null,
    tz: s.tz ?? null,
    next: next ?? null,
    iterationCount: s.iterationCount ?? 0,
    data: s.template?.data ?? null,
  };
}
