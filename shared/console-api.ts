import { z } from 'zod';
import { insightPeriodSchema } from './jobs.ts';
import { ALERT_SEVERITIES } from './jobs.ts';

/** Inputs of the console's organization pages (alerts, insights, reports, outbox). */
export const pageInput = {
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(200).default(25),
};

export const alertsListInputSchema = z.object({
  ...pageInput,
  severity: z.enum(ALERT_SEVERITIES).optional(),
  status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
  organizationId: z.string().min(1).optional(),
});

export const insightsInputSchema = z.object({ organizationId: z.string().min(1), period: insightPeriodSchema.default('30d') });

export const reportsListInputSchema = z.object({ ...pageInput, organizationId: z.string().min(1).optional() });
export const reportGenerateInputSchema = z.object({
  organizationId: z.string().min(1),
  reportType: z.enum(['weekly', 'monthly', 'quarterly']),
  recipientEmails: z.array(z.email()).max(50).optional(),
});

export const outboxListInputSchema = z.object({ ...pageInput, status: z.enum(['pending', 'sent', 'failed']).optional() });
export const idInputSchema = z.object({ id: z.string().min(1).max(200) });
