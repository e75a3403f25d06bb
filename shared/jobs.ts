import { z } from 'zod';
import { QueueName } from './queues.ts';

/** The only definition of each queue's job data (the guide's "Job Data" blocks). */

const id = z.string().trim().min(1, 'must not be empty');

/** A calendar date or an ISO date-time, as the guide's startDate / endDate strings. */
const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'must be an ISO date (YYYY-MM-DD) or date-time',
  });

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
  payload: z.unknown().refine((p) => p !== undefined, { message: 'is required' }),
  signature: z.string(),
  organizationId: id.optional(),
  integrationId: id.optional(),
  /** Set by the intake: the platform's event id, and the body as received so the worker can re-verify. */
  eventId: z.string().max(256).optional(),
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
  data: z.record(z.string(), z.unknown()),
  organizationId: id.optional(),
});

export const ALERT_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

export const alertJobSchema = z.object({
  organizationId: id,
  alertType: id,
  severity: z.enum(ALERT_SEVERITIES),
  message: z.string().trim().min(1, 'must not be empty'),
  metadata: z.record(z.string(), z.unknown()),
});

export const jobDataSchemas = {
  [QueueName.DATA_SYNC]: dataSyncJobSchema,
  [QueueName.INSIGHTS_GENERATION]: insightsJobSchema,
  [QueueName.WEBHOOK_PROCESSING]: webhookJobSchema,
  [QueueName.REPORT_GENERATION]: reportJobSchema,
  [QueueName.EMAIL_SENDING]: emailJobSchema,
  [QueueName.ALERTS]: alertJobSchema,
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
      .union([
        z.number().int().min(0),
        z.object({ type: z.enum(['exponential', 'fixed']), delay: z.number().int().min(0).max(86_400_000) }),
      ])
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
