import { z } from 'zod';
import { QueueName } from './queues.ts';

/** The only definition of each queue's job data (the guide's "Job Data" blocks). */

const id = z.string().trim().min(1, 'must not be empty');

/** A calendar date or an ISO date-time, as the guide's startDate / endDate strings. */
const isoDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'must be an ISO date (YYYY-MM-DD) or date-time',
});

/**
 * A JSON object of any fields (alert metadata, email template data). Checked, not copied: z.record would
 * rebuild it key by key for every job a worker takes, and its values are free-form anyway.
 */
const freeFormObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'must be an object');

export const PLATFORMS = ['shopify', 'woocommerce', 'stripe', 'google-analytics', 'facebook-ads'] as const;
export const platformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof platformSchema>;

export const dataSyncJobSchema = z
  .object({
    integrationId: id,
    organizationId: id,
    platform: platformSchema,
    syncType: z.enum(['full', 'incremental']),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
  })
  .refine((d) => !d.startDate || !d.endDate || Date.parse(d.startDate) <= Date.parse(d.endDate), {
    message: 'must not be before startDate',
    path: ['endDate'],
  });

export const INSIGHT_PERIODS = ['7d', '30d', '90d', '1y'] as const;
export const insightPeriodSchema = z.enum(INSIGHT_PERIODS);
export type InsightPeriod = z.infer<typeof insightPeriodSchema>;

export const insightsJobSchema = z.object({
  organizationId: id,
  period: insightPeriodSchema,
  forceRegenerate: z.boolean().optional(),
});

export const webhookJobSchema = z.object({
  platform: id,
  eventType: id,
  /** The parsed body; null when the intake left it out (unreadable, or too large to carry twice): the worker reads the signed bytes. */
  payload: z.unknown().refine((p) => p !== undefined, { message: 'is required' }),
  signature: z.string(),
  organizationId: id.optional(),
  integrationId: id.optional(),
  /** Set by the intake: the platform's event id (a digest when over-long), and the body exactly as received so the worker can re-verify. */
  eventId: z.string().max(256).optional(),
  /** The body's bytes in base64: a signature covers bytes, and a body need not be UTF-8. */
  rawBodyBase64: z.base64().optional(),
  /** Jobs queued before rawBodyBase64 carry the body as UTF-8 text; still read. */
  rawBody: z.string().optional(),
});

export const reportJobSchema = z.object({
  reportId: id,
  organizationId: id,
  reportType: z.enum(['weekly', 'monthly', 'quarterly']),
  period: id,
  recipientEmails: z.array(z.email()).optional(),
});

export const EMAIL_TEMPLATES = ['report-delivery', 'team-invitation', 'alert-notification', 'welcome'] as const;

export const emailJobSchema = z.object({
  to: z.union([z.email(), z.array(z.email()).min(1, 'needs at least one address')]),
  subject: z.string().trim().min(1, 'must not be empty').max(998),
  template: z.enum(EMAIL_TEMPLATES),
  data: freeFormObject,
  organizationId: id.optional(),
});

export const ALERT_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** Where queue-health notifications go (each configured by its own setting) and what they say. */
export const NOTIFICATION_CHANNELS = ['slack', 'webhook', 'email'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const NOTIFICATION_EVENTS = ['raised', 'resolved', 'test'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * An alerts job with `notification` delivers an alert the health monitor already stored to one
 * channel, instead of storing one. Jobs without it are organization alerts, as before.
 */
export const notificationSchema = z.object({
  channel: z.enum(NOTIFICATION_CHANNELS),
  event: z.enum(NOTIFICATION_EVENTS),
  /** Stable per alert and event (the same in every retry and on every channel): receivers dedupe on it. */
  id: z.string().trim().min(1).max(200),
  /** The stored alert's id; none for a test. */
  alertId: z.string().max(200).optional(),
  /** The condition's key, e.g. backlog:data-sync; none for a test. */
  key: z.string().max(200).optional(),
  /** When the condition was raised or resolved (or the test asked for). */
  at: z.iso.datetime(),
});

export const alertJobSchema = z.object({
  organizationId: id,
  alertType: id,
  severity: z.enum(ALERT_SEVERITIES),
  message: z.string().trim().min(1, 'must not be empty'),
  metadata: freeFormObject,
  notification: notificationSchema.optional(),
});

/**
 * Limits on any job's data, checked at enqueue (console, REST, programmatic API: all go through
 * jobDataSchemas) and again by the worker. Deeper data would overflow the stack of whoever
 * serializes it (BullMQ, the audit log, the console); larger data slows every Redis read of the job.
 */
export const MAX_JOB_DATA_DEPTH = 32;
export const MAX_JOB_DATA_BYTES = 512 * 1024;
/** A webhook job carries its body twice (parsed, and the raw bytes in base64): room for a 1 MB body. */
export const MAX_WEBHOOK_JOB_DATA_BYTES = 3 * 1024 * 1024;

/** What shapeBytes answers for a value that nests deeper than allowed (a cycle counts as too deep). */
const TOO_DEEP = -1;

// The walk's stacks, kept between calls: every enqueue and every job a worker takes is checked, and a
// walk that allocates nothing keeps the worker's garbage (and with it V8's young generation) small.
// A walk that starts while another runs (a toJSON getter that enqueues) gets stacks of its own.
const sharedValues: unknown[] = [];
const sharedDepths: number[] = [];
let walking = false;

/**
 * An upper bound of a JSON value's serialized size, or TOO_DEEP when it nests more than `maxDepth`
 * levels (a scalar is level 0, `{}` level 1), in one walk without recursion (so any depth is safe to ask
 * about). The bound lets small data, nearly all of it, skip serializing: a UTF-16 unit is at most 6 bytes
 * of JSON ("\u0001"), a number at most 24.
 */
function shapeBytes(value: unknown, maxDepth: number): number {
  if (typeof value === 'string') return 6 * value.length + 2;
  if (value === null || (typeof value !== 'object' && typeof value !== 'bigint')) return 24;
  const own = walking;
  const values = own ? [] : sharedValues;
  const depths = own ? [] : sharedDepths;
  walking = true;
  let bytes = 0;
  try {
    values.push(value);
    depths.push(1);
    while (values.length > 0) {
      const v = values.pop();
      const depth = depths.pop() as number;
      if (typeof v === 'string') bytes += 6 * v.length + 2;
      // A BigInt does not serialize, and toJSON (Date, Buffer…) decides for itself what it writes: no bound.
      else if (typeof v === 'bigint' || (v != null && typeof (v as { toJSON?: unknown }).toJSON === 'function')) bytes = Number.POSITIVE_INFINITY;
      else if (v === null || typeof v !== 'object') bytes += 24;
      else {
        if (depth > maxDepth) return TOO_DEEP;
        const o = v as Record<string, unknown>;
        // An array writes "null," for each hole, which the key walk skips.
        bytes += 2 + (Array.isArray(o) ? 5 * o.length : 0);
        for (const key in o) {
          if (!Object.hasOwn(o, key)) continue;
          bytes += 6 * key.length + 4;
          values.push(o[key]);
          depths.push(depth + 1);
        }
      }
    }
    return bytes;
  } finally {
    values.length = 0;
    depths.length = 0;
    if (!own) walking = false;
  }
}

/** How a JSON value nests and an upper bound of its serialized size (see shapeBytes). */
export function jsonShape(value: unknown, maxDepth: number): { tooDeep: boolean; bytesAtMost: number } {
  const bytes = shapeBytes(value, maxDepth);
  return bytes === TOO_DEEP ? { tooDeep: true, bytesAtMost: 0 } : { tooDeep: false, bytesAtMost: bytes };
}

/** Whether `value` nests objects or arrays more than `maxDepth` levels (a scalar is level 0, `{}` level 1). */
export const nestsDeeperThan = (value: unknown, maxDepth: number): boolean => shapeBytes(value, maxDepth) === TOO_DEEP;

/** UTF-8 byte length of a string, without allocating (shared/ runs in the browser too: no Buffer). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      // A surrogate pair: one 4-byte character.
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const sizeLabel = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${Math.ceil(bytes / 1024)} kB`);

/** The first problem of job data against the limits: which top-level field nests too deep, or the size. */
export function jobDataLimitIssue(data: unknown, maxBytes = MAX_JOB_DATA_BYTES): { path: string[]; message: string } | undefined {
  let bytesAtMost = 2;
  if (data && typeof data === 'object') {
    const fields = data as Record<string, unknown>;
    for (const key in fields) {
      if (!Object.hasOwn(fields, key)) continue;
      // The data object is level 1, so each field may hold MAX_JOB_DATA_DEPTH - 1 levels.
      const bytes = shapeBytes(fields[key], MAX_JOB_DATA_DEPTH - 1);
      if (bytes === TOO_DEEP) return { path: [key], message: `must not nest deeper than ${MAX_JOB_DATA_DEPTH} levels (the job data itself is one)` };
      bytesAtMost += 6 * key.length + 4 + bytes;
    }
  } else bytesAtMost = Number.POSITIVE_INFINITY;
  if (bytesAtMost <= maxBytes) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return { path: [], message: `job data must be plain JSON of at most ${sizeLabel(maxBytes)}` };
  }
  const bytes = utf8Length(json ?? '');
  if (bytes > maxBytes) return { path: [], message: `job data must not be larger than ${sizeLabel(maxBytes)} serialized (it is ${sizeLabel(bytes)})` };
  return undefined;
}

/** A queue's schema plus the depth and size limits. */
function withinLimits<T extends z.ZodType>(schema: T, maxBytes = MAX_JOB_DATA_BYTES): T {
  // .check rather than .superRefine: zod makes an addIssue closure per parse for superRefine, and this runs
  // for every job a worker takes.
  return schema.check((ctx) => {
    const issue = jobDataLimitIssue(ctx.value, maxBytes);
    if (issue) ctx.issues.push({ code: 'custom', input: ctx.value, ...issue });
  });
}

export const jobDataSchemas = {
  [QueueName.DATA_SYNC]: withinLimits(dataSyncJobSchema),
  [QueueName.INSIGHTS_GENERATION]: withinLimits(insightsJobSchema),
  [QueueName.WEBHOOK_PROCESSING]: withinLimits(webhookJobSchema, MAX_WEBHOOK_JOB_DATA_BYTES),
  [QueueName.REPORT_GENERATION]: withinLimits(reportJobSchema),
  [QueueName.EMAIL_SENDING]: withinLimits(emailJobSchema),
  [QueueName.ALERTS]: withinLimits(alertJobSchema),
} as const satisfies Record<QueueName, z.ZodType>;

export type JobDataMap = { [Q in QueueName]: z.infer<(typeof jobDataSchemas)[Q]> };
export type JobData<Q extends QueueName> = JobDataMap[Q];

export type DataSyncJobData = JobData<'data-sync'>;
export type InsightsJobData = JobData<'insights-generation'>;
export type WebhookJobData = JobData<'webhook-processing'>;
export type ReportJobData = JobData<'report-generation'>;
export type EmailJobData = JobData<'email-sending'>;
export type AlertJobData = JobData<'alerts'>;

/**
 * The guide's job options. `timeout` is ours (BullMQ 6 has none): the worker enforces it.
 * BullMQ refuses integer-looking or ':'-bearing custom ids; saying so here gives a field error instead.
 */
export const jobIdSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => String(Number.parseInt(s, 10)) !== s, { message: 'must not be an integer (BullMQ reserves those)' })
  .refine((s) => !s.includes(':'), { message: "must not contain ':'" });

export const jobOptionsSchema = z
  .object({
    priority: z.number().int().min(0).max(2_097_152).optional(),
    attempts: z.number().int().min(1).max(100).optional(),
    backoff: z
      .union([z.number().int().min(0), z.object({ type: z.enum(['exponential', 'fixed']), delay: z.number().int().min(0).max(86_400_000) })])
      .optional(),
    delay: z.number().int().min(0).optional(),
    timeout: z.number().int().min(1).max(86_400_000).optional(),
    jobId: jobIdSchema.optional(),
    /**
     * While a job with this id is waiting, delayed or active (or for `ttl` ms), adding another is a
     * no-op; with `extend` + `replace` on a delayed job, each add pushes it back and replaces its data
     * (a debounce).
     */
    deduplication: z
      .object({ id: z.string().min(1).max(256), ttl: z.number().int().min(1).optional(), extend: z.boolean().optional(), replace: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict();
export type JobOptions = z.infer<typeof jobOptionsSchema>;
