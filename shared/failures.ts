import { z } from 'zod';
import { metricRangeSchema } from './api.ts';
import { queueNameSchema, type QueueName } from './queues.ts';

/** Error groups (server/failures): failed-for-good jobs grouped by cause. */
export const failureGroupsInputSchema = z.object({ queue: queueNameSchema.optional(), range: metricRangeSchema.default('24h') });

export const FAILURE_GROUP_PAGE_SIZE = 25;
export const failureGroupInputSchema = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'must be a group fingerprint (16 hex characters)'),
  page: z.number().int().min(1).max(10_000).default(1),
});

/** One group as listed: the range's count, the last 60 minutes' count (the page's "spike" order), a 24 h sparkline. */
export interface FailureGroupSummary {
  fingerprint: string;
  queue: QueueName;
  /** err.name of the failures. */
  errorName: string;
  /** The normalised message (ids, numbers, quoted values … as placeholders). */
  message: string;
  /** Our own code's top frame, file:function; '' when none. */
  frame: string;
  /** Failures within the range (sum of its hourly counts). */
  count: number;
  /** Failures within the last 60 minutes. */
  lastHour: number;
  /** Every failure recorded since the group began. */
  total: number;
  firstSeen: number;
  lastSeen: number;
  organizations: string[];
  platforms: string[];
  /** 24 hourly counts, oldest first, the last the current hour. */
  sparkline: number[];
}

export interface FailureGroupJob {
  id: string;
  name: string;
  failedReason: string | null;
  attemptsMade: number;
  finishedOn: number | null;
}

export interface FailureGroupDetail extends FailureGroupSummary {
  /** One failure's message and stack as they were (stack truncated). */
  sampleMessage: string;
  sampleStack: string;
  /** Job ids recorded for the group (the newest RECORDED_JOBS_CAP kept). */
  recorded: number;
  /** Of those, how many are still in the failed state (retried or removed ones are not). */
  stillFailed: number;
  page: number;
  pageSize: number;
  /** The page's jobs, newest first, only those still failed. */
  jobs: FailureGroupJob[];
}

/** REST GET /api/failures: one row per group, biggest count first. */
export interface FailureGroupRow {
  fingerprint: string;
  queue: QueueName;
  count: number;
  message: string;
  firstSeen: number;
  lastSeen: number;
}
