import { z } from 'zod';

/** The six queues of the guide. A const object (not a TS enum) so it is plain data at run time. */
export const QueueName = {
  DATA_SYNC: 'data-sync',
  INSIGHTS_GENERATION: 'insights-generation',
  WEBHOOK_PROCESSING: 'webhook-processing',
  REPORT_GENERATION: 'report-generation',
  EMAIL_SENDING: 'email-sending',
  ALERTS: 'alerts',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const QUEUE_NAMES = Object.values(QueueName) as readonly QueueName[];
export const queueNameSchema = z.enum(QUEUE_NAMES as [QueueName, ...QueueName[]]);

export function isQueueName(value: unknown): value is QueueName {
  return typeof value === 'string' && (QUEUE_NAMES as readonly string[]).includes(value);
}

export interface QueuePolicy {
  /** Jobs one worker process runs at once on this queue. */
  concurrency: number;
  /** Default per-attempt timeout; a job's own `timeout` option wins. */
  timeoutMs: number;
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number };
  /** Retention in seconds (BullMQ's KeepJobs.age unit). */
  keepCompletedSec: number;
  keepFailedSec: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
const MINUTE_MS = 60_000;

/** Guide defaults: 3 attempts, exponential backoff from 2 s, completed kept 24 h, failed 7 d. */
const base = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  keepCompletedSec: DAY,
  keepFailedSec: 7 * DAY,
} as const satisfies Partial<QueuePolicy>;

/**
 * Concurrency follows the guide's advice: resource-heavy queues (sync, insights, reports) 1–2,
 * light ones (webhooks, email, alerts) 5–10. Timeouts are the guide's where it names one.
 */
export const QUEUE_POLICIES: Record<QueueName, QueuePolicy> = {
  'data-sync': { ...base, concurrency: 2, timeoutMs: 5 * MINUTE_MS },
  'insights-generation': { ...base, concurrency: 1, timeoutMs: 3 * MINUTE_MS },
  'webhook-processing': { ...base, concurrency: 10, timeoutMs: 30_000 },
  'report-generation': { ...base, concurrency: 1, timeoutMs: 5 * MINUTE_MS },
  'email-sending': { ...base, concurrency: 5, timeoutMs: 10_000 },
  alerts: { ...base, concurrency: 5, timeoutMs: 30_000 },
};

/** The states a job can be listed in, as the console and API name them. */
export const JOB_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused'] as const;
export type JobStateName = (typeof JOB_STATES)[number];

export const CLEANABLE_STATES = ['completed', 'failed', 'delayed', 'waiting', 'paused'] as const;
export const cleanStateSchema = z.enum(CLEANABLE_STATES);
export type CleanState = z.infer<typeof cleanStateSchema>;

export interface QueueStats {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  paused: number;
}

export interface AllQueueStats {
  queues: Record<QueueName, QueueStats>;
  totals: QueueStats;
}

export interface QueueOverview {
  name: QueueName;
  isPaused: boolean;
  stats: QueueStats;
}

/** Per queue, how long its oldest waiting job has waited (ms, by the server's clock at `at`); null when none waits. */
export interface OldestWaits {
  at: number;
  ageMs: Record<QueueName, number | null>;
  /** BullMQ's worker list per queue (CLIENT LIST); null where Redis refuses it. */
  bullWorkers: Record<QueueName, number | null>;
}

/** The console's overview: every queue in one round trip, and when it was read. */
export interface Overview {
  queues: QueueOverview[];
  totals: QueueStats;
  at: number;
}
