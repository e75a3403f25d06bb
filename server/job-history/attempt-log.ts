import type { Job } from 'bullmq';
import { QUEUE_POLICIES, type QueueName } from '../../shared/queues.ts';
import type { Redis } from '../redis.ts';

/** A failed attempt as kept in Redis: compact keys, since a job may fail many times. */
export interface RecordedAttempt {
  /** attempt number */
  n: number;
  /** started (processedOn), ended (ms) */
  s: number | null;
  e: number;
  /** error message */
  m: string;
}

/** At most this many attempts per job are kept (newest): attempts are capped at 100, and 50 tell the story. */
export const MAX_ATTEMPTS_KEPT = 50;
/** Error messages are cut here: the timeline shows a line, the job's stack trace keeps the rest. */
const MAX_MESSAGE = 500;

export const attemptsKey = (prefix: string, queue: QueueName, jobId: string) => `${prefix}:attempts:${queue}:${jobId}`;

/** As long as the job itself can last: a job that failed and then completed is kept keepCompletedSec. */
export const attemptsTtlSec = (queue: QueueName) => Math.max(QUEUE_POLICIES[queue].keepCompletedSec, QUEUE_POLICIES[queue].keepFailedSec);

/** The entry for a failed attempt of `job` (BullMQ has counted it in attemptsMade when 'failed' fires). */
export function attemptOf(job: Pick<Job, 'attemptsMade' | 'processedOn' | 'finishedOn'>, err: Pick<Error, 'message'>, now = Date.now()): RecordedAttempt {
  const message = String(err?.message ?? 'Unknown error');
  return {
    n: Math.max(1, job.attemptsMade),
    s: job.processedOn ?? null,
    e: job.finishedOn ?? now,
    m: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
  };
}

/**
 * Each job's failed attempts, in a bounded Redis list per job (newest first) that expires with the job.
 * Written by the workers' onFailed hook (any process), read by the job page.
 */
export class AttemptLog {
  constructor(private readonly deps: { connection: Redis; prefix: string }) {}

  async record(queue: QueueName, job: Job, err: Error): Promise<void> {
    if (job.id === undefined) return;
    const key = attemptsKey(this.deps.prefix, queue, String(job.id));
    await this.deps.connection
      .multi()
      .lpush(key, JSON.stringify(attemptOf(job, err)))
      .ltrim(key, 0, MAX_ATTEMPTS_KEPT - 1)
      .expire(key, attemptsTtlSec(queue))
      .exec();
  }

  /** The recorded failed attempts, oldest first. */
  async read(queue: QueueName, jobId: string): Promise<RecordedAttempt[]> {
    const raw = await this.deps.connection.lrange(attemptsKey(this.deps.prefix, queue, jobId), 0, MAX_ATTEMPTS_KEPT - 1);
    const out: RecordedAttempt[] = [];
    for (const line of raw) {
      try {
        out.push(JSON.parse(line) as RecordedAttempt);
      } catch {
        // A line this code did not write: skipped, not fatal for the job page.
      }
    }
    return out.reverse();
  }

  /** A listener for the workers' onFailed hook: never throws, never delays the worker. */
  listener(onError?: (err: Error) => void): (queue: QueueName, job: Job, err: Error) => void {
    return (queue, job, err) => {
      this.record(queue, job, err).catch((e: Error) => onError?.(e));
    };
  }
}
