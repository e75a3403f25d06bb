import type { Logger } from '../logger.ts';
import type { Redis } from '../redis.ts';
import { causeOf, fingerprintOf } from './fingerprint.ts';
import {
  GROUP_TTL_SEC,
  GROUPS_PER_QUEUE_CAP,
  HOUR_MS,
  MINUTE_MS,
  MINUTES_TTL_SEC,
  RECORDED_JOBS_CAP,
  TOUCHED_CAP,
  failureKeys,
  failuresBase,
} from './failure-keys.ts';

/** What the recorder reads of a BullMQ job (kept narrow so tests can pass plain objects). */
export interface FailedJobLike {
  id?: string;
  data?: unknown;
}

export interface FailureRecorderDeps {
  connection: Redis;
  prefix: string;
  log?: Logger;
}

const SAMPLE_MESSAGE_MAX = 2_000;
const SAMPLE_STACK_MAX = 8_000;

const field = (data: unknown, key: string): string | undefined => {
  const v = data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
};

/**
 * Records each job that failed for good into its error group: one MULTI per failure, every key bounded (capped sets,
 * TTLs), so groups are counted incrementally across all worker processes instead of by scanning failed jobs on each
 * page view.
 */
export class FailureRecorder {
  private readonly keys: ReturnType<typeof failureKeys>;

  constructor(private readonly deps: FailureRecorderDeps) {
    this.keys = failureKeys(failuresBase(deps.prefix, deps.connection));
  }

  /** Records one failure; resolves to the group's fingerprint. */
  async record(queue: string, job: FailedJobLike, err: { name?: string; message?: string; stack?: string }, now = Date.now()): Promise<string> {
    const cause = causeOf(queue, err);
    const fp = fingerprintOf(cause);
    const k = this.keys;
    const hour = Math.floor(now / HOUR_MS);
    const minute = Math.floor(now / MINUTE_MS);
    const m = this.deps.connection.multi();
    m.hsetnx(k.group(fp), 'firstSeen', String(now));
    m.hset(k.group(fp), {
      queue,
      name: cause.name,
      message: cause.message,
      frame: cause.frame,
      lastSeen: String(now),
      sample: (err.message ?? '').slice(0, SAMPLE_MESSAGE_MAX),
      stack: (err.stack ?? '').slice(0, SAMPLE_STACK_MAX),
    });
    m.hincrby(k.group(fp), 'total', 1);
    m.hincrby(k.hours(fp), String(hour), 1);
    m.hincrby(k.minutes(fp), String(minute), 1);
    // GT: with several processes recording at once, the index keeps the latest time.
    m.zadd(k.index(queue), 'GT', now, fp);
    m.zremrangebyscore(k.index(queue), '-inf', now - GROUP_TTL_SEC * 1000);
    m.zremrangebyrank(k.index(queue), 0, -(GROUPS_PER_QUEUE_CAP + 1));
    if (job.id !== undefined) {
      m.zadd(k.jobs(fp), now, String(job.id));
      m.zremrangebyrank(k.jobs(fp), 0, -(RECORDED_JOBS_CAP + 1));
    }
    const org = field(job.data, 'organizationId');
    if (org) {
      m.zadd(k.orgs(fp), now, org);
      m.zremrangebyrank(k.orgs(fp), 0, -(TOUCHED_CAP + 1));
    }
    const platform = field(job.data, 'platform');
    if (platform) {
      m.zadd(k.platforms(fp), now, platform);
      m.zremrangebyrank(k.platforms(fp), 0, -(TOUCHED_CAP + 1));
    }
    for (const key of [k.group(fp), k.hours(fp), k.jobs(fp), k.orgs(fp), k.platforms(fp), k.index(queue)]) m.expire(key, GROUP_TTL_SEC);
    m.expire(k.minutes(fp), MINUTES_TTL_SEC);
    const results = await m.exec();
    const failed = results?.find(([e]) => e);
    if (failed) throw failed[0];
    return fp;
  }

  /**
   * The worker runtime's onFailed listener: records final failures, never throws, never waits (a failed write is
   * logged at warn and the job's failure itself stays recorded by BullMQ).
   */
  listener(): (queue: string, job: FailedJobLike, err: Error, final: boolean) => void {
    return (queue, job, err, final) => {
      if (!final) return;
      try {
        this.record(queue, job, err).catch((e: Error) =>
          this.deps.log?.warn({ queue, jobId: job.id, err: e.message }, 'Could not record the failure in its error group'),
        );
      } catch (e) {
        this.deps.log?.warn({ queue, jobId: job.id, err: (e as Error).message }, 'Could not record the failure in its error group');
      }
    };
  }
}
