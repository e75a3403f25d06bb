/**
 * Table types of the domain store. Timestamps are ISO-8601 text and days YYYY-MM-DD text, so the
 * same SQL sorts and compares them on SQLite and PostgreSQL; amounts and values are doubles.
 */
export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface MembersTable {
  id: string;
  organization_id: string;
  name: string;
  email: string;
  role: string;
  created_at: string;
}

export interface IntegrationsTable {
  id: string;
  organization_id: string;
  platform: string;
  name: string;
  status: string;
  /** AES-GCM sealed JSON of the credentials. */
  credentials: string;
  /** JSON of non-secret settings (shopDomain, propertyId, adAccountId…). */
  settings: string;
  base_url: string | null;
  /** AES-GCM sealed webhook signing secret. */
  webhook_secret: string | null;
  last_sync_at: string | null;
  sync_cursor: string | null;
  last_error: string | null;
  /** Sync interval in minutes; null: the platform's default (migration 005). */
  sync_every_minutes: number | null;
  created_at: string;
  updated_at: string;
}

export interface DailyMetricsTable {
  organization_id: string;
  integration_id: string;
  date: string;
  metric: string;
  value: number;
  updated_at: string;
}

export interface PlatformRecordsTable {
  integration_id: string;
  kind: string;
  external_id: string;
  organization_id: string;
  platform: string;
  occurred_on: string;
  amount: number;
  currency: string;
  status: string;
  platform_updated_at: string;
  payload: string;
  source: string;
  stored_at: string;
}

export interface WebhookEventsTable {
  id: string;
  integration_id: string | null;
  organization_id: string | null;
  platform: string;
  event_type: string;
  status: string;
  payload: string;
  received_at: string;
}

export interface SyncRunsTable {
  id: string;
  integration_id: string;
  organization_id: string;
  job_id: string | null;
  sync_type: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  pages: number;
  records: number;
  error: string | null;
  notice: string | null;
}

export interface InsightsTable {
  organization_id: string;
  period: string;
  window_start: string;
  window_end: string;
  /** JSON array of Insight. */
  insights: string;
  narrative: string | null;
  generated_at: string;
}

export interface ReportsTable {
  id: string;
  organization_id: string;
  report_type: string;
  period_start: string;
  period_end: string;
  title: string;
  html: string;
  csv: string;
  /** JSON of the KPIs shown, for lists and emails. */
  summary: string;
  created_at: string;
}

export interface AlertsTable {
  id: string;
  organization_id: string;
  alert_type: string;
  severity: string;
  message: string;
  metadata: string;
  status: string;
  occurrences: number;
  first_at: string;
  last_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  resolved_at: string | null;
  /** Set on alerts the queue-health monitor raises, so it can resolve them. */
  health_key: string | null;
}

export interface EmailOutboxTable {
  id: string;
  job_id: string;
  recipient: string;
  sender: string;
  subject: string;
  template: string;
  html: string;
  text_body: string;
  organization_id: string | null;
  status: string;
  provider: string | null;
  message_id: string | null;
  error: string | null;
  created_at: string;
  sent_at: string | null;
}

/** A person who signs in (migration 006). `email` is stored lower-case. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  /** viewer, operator or admin. */
  role: string;
  /** active or disabled. */
  status: string;
  /** scrypt (server/auth/passwords.ts); null for an account that only signs in through single sign-on. */
  password_hash: string | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  created_at: string;
  last_login_at: string | null;
}

/** A one-time invite link; only the sha256 of its token is kept. */
export interface InvitesTable {
  id: string;
  token_hash: string;
  email: string;
  role: string;
  /** Who invited: the admin's email (or name). */
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A personal API token; only the sha256 of the token and its recognisable prefix are kept. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  role: string;
  token_hash: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface DB {
  organizations: OrganizationsTable;
  members: MembersTable;
  integrations: IntegrationsTable;
  daily_metrics: DailyMetricsTable;
  platform_records: PlatformRecordsTable;
  webhook_events: WebhookEventsTable;
  sync_runs: SyncRunsTable;
  insights: InsightsTable;
  reports: ReportsTable;
  alerts: AlertsTable;
  email_outbox: EmailOutboxTable;
  users: UsersTable;
  invites: InvitesTable;
  api_tokens: ApiTokensTable;
}
