import { z } from 'zod';
import { platformSchema, type Platform } from './jobs.ts';
import { INTEGRATION_STATUSES, type IntegrationStatus, type MetricName } from './metrics.ts';

export interface Organization {
  id: string;
  name: string;
  createdAt: string;
}

export interface Member {
  id: string;
  organizationId: string;
  name: string;
  email: string;
  role: 'admin' | 'member';
}

/** An integration as everyone may see it: no credentials, no webhook secret. */
export interface Integration {
  id: string;
  organizationId: string;
  platform: Platform;
  name: string;
  status: IntegrationStatus;
  settings: Record<string, string>;
  baseUrl: string | null;
  hasWebhookSecret: boolean;
  lastSyncAt: string | null;
  syncCursor: string | null;
  lastError: string | null;
  /** How often it syncs, minutes (one of SYNC_INTERVAL_MINUTES); null or absent: its platform's default. */
  syncEveryMinutes?: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface DailyMetric {
  organizationId: string;
  integrationId: string;
  date: string;
  metric: MetricName;
  value: number;
}

export interface SyncRun {
  id: string;
  integrationId: string;
  organizationId: string;
  jobId: string | null;
  syncType: string;
  status: 'running' | 'succeeded' | 'failed' | 'deferred';
  startedAt: string;
  finishedAt: string | null;
  pages: number;
  records: number;
  error: string | null;
  /** What the operator should know about the run (e.g. orders older than 60 days not readable without read_all_orders). */
  notice: string | null;
}

/** Creating an integration: credentials are sealed at rest; settings are plain. */
export const newIntegrationSchema = z.object({
  id: z.string().min(1).optional(),
  organizationId: z.string().min(1),
  platform: platformSchema,
  name: z.string().min(1),
  status: z.enum(INTEGRATION_STATUSES).default('ACTIVE'),
  credentials: z.record(z.string(), z.string()),
  settings: z.record(z.string(), z.string()).default({}),
  baseUrl: z.string().min(1).nullable().default(null),
  webhookSecret: z.string().min(1).nullable().default(null),
});
export type NewIntegration = z.input<typeof newIntegrationSchema>;

export type AlertSeverity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface Alert {
  id: string;
  organizationId: string;
  alertType: string;
  severity: AlertSeverity;
  message: string;
  metadata: Record<string, unknown>;
  status: AlertStatus;
  /** Repeats of the same type for the same organization within the fold window. */
  occurrences: number;
  firstAt: string;
  lastAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

export interface ReportSummary {
  id: string;
  organizationId: string;
  reportType: string;
  periodStart: string;
  periodEnd: string;
  title: string;
  kpis: Array<{ metric: string; label: string; value: number; previous: number | null; changePct: number | null }>;
  createdAt: string;
}

export interface OutboxEmail {
  id: string;
  jobId: string;
  recipient: string;
  sender: string;
  subject: string;
  template: string;
  organizationId: string | null;
  status: 'pending' | 'sent' | 'failed';
  provider: string | null;
  messageId: string | null;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}
