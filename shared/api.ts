import { z } from 'zod';
import { auditUserFilterSchema } from './audit.ts';
import { jobIdSchema, jobOptionsSchema } from './jobs.ts';
import { JOB_STATES, cleanStateSchema, queueNameSchema } from './queues.ts';

/** Inputs of the monitoring API (tRPC and REST share them). */

export const jobStateSchema = z.enum(JOB_STATES);
export const queueInput = z.object({ queue: queueNameSchema });
const anyJobId = z.string().min(1).max(256);

export const cleanInputSchema = z.object({
  queue: queueNameSchema,
  state: cleanStateSchema.default('completed'),
  /** Only jobs older than this go (the guide's grace); default 24 h. */
  graceMs: z
    .number()
    .int()
    .min(0)
    .default(24 * 3600 * 1000),
  limit: z.number().int().min(1).max(10_000_000).optional(),
});

/** How many jobs a clean would remove now (the clean dialog). */
export const cleanCountInputSchema = cleanInputSchema.pick({ queue: true, state: true, graceMs: true });
/** `olderThanGrace` null: the state's jobs are aged one by one as they are cleaned, so they are not counted ahead. */
export const cleanCountSchema = z.object({ olderThanGrace: z.number().int().min(0).nullable() });
export type CleanCount = z.infer<typeof cleanCountSchema>;

export const listJobsInputSchema = z.object({
  queue: queueNameSchema,
  state: jobStateSchema,
  page: z.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.number().int().min(1).max(200).default(25),
});

export const jobRefSchema = z.object({ queue: queueNameSchema, id: anyJobId });
export const jobRefsSchema = z.object({ queue: queueNameSchema, ids: z.array(anyJobId).min(1).max(1000) });

export const addJobInputSchema = z.object({
  queue: queueNameSchema,
  /** Checked against the queue's own schema by the server (and the console's form). */
  data: z.unknown(),
  opts: jobOptionsSchema.optional(),
});

export const SEARCH_MAX_SCAN = 5000;
/** The most jobs one search call may read; the console's "Search deeper" reads up to this many in all. */
export const SEARCH_DEEPEST_SCAN = 100_000;
export const searchInputSchema = z.object({
  queue: queueNameSchema,
  state: jobStateSchema.optional(),
  text: z.string().trim().min(1, 'type something to search for').max(200),
  limit: z.number().int().min(1).max(200).default(50),
  /** How many jobs the search may read at most; it says when it stopped early. */
  maxScan: z.number().int().min(1).max(SEARCH_DEEPEST_SCAN).default(SEARCH_MAX_SCAN),
  /** Where to resume: the `next` of the previous answer (jobs of the searched lists before it, newest first). */
  from: z.number().int().min(0).max(100_000_000).default(0),
});

export const METRIC_RANGES = ['1h', '24h', '7d'] as const;
export const metricRangeSchema = z.enum(METRIC_RANGES);
export type MetricRange = z.infer<typeof metricRangeSchema>;
export const metricsInputSchema = z.object({ queue: queueNameSchema.optional(), range: metricRangeSchema.default('1h') });

export const scheduleUpsertSchema = z.object({
  queue: queueNameSchema,
  name: jobIdSchema,
  cron: z.string().trim().min(1, 'is required'),
  tz: z.string().optional(),
  data: z.unknown(),
});
export const scheduleRefSchema = z.object({ queue: queueNameSchema, name: z.string().min(1) });

export const auditListInputSchema = z.object({
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
  /** Only this person's entries: a user id, or the name of an identity without one (`api-token`, `viewer`). */
  user: auditUserFilterSchema.optional(),
});

/** The REST maintenance actions of the guide. */
export const REST_ACTIONS = ['pause', 'resume', 'empty', 'clean'] as const;
export const restRetrySchema = z.object({ queueName: z.string().min(1), jobId: anyJobId.optional() });

/** Wait or processing time percentiles of a queue over a range, seconds; null when no job ran. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  count: number;
}

/** REST `GET /api/jobs/:queue/latency?range=1h` data, and each queue's entry in tRPC `metrics.latency`. */
export interface QueueLatency {
  /** From when a job became ready (after its delay) to its first start. */
  wait: Percentiles;
  /** Time in the processor, per attempt. */
  processing: Percentiles;
}

export interface LatencyPoint extends QueueLatency {
  /** Start of the minute (1 h range) or hour (24 h, 7 d), epoch ms. */
  t: number;
}
