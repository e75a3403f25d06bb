import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DailyMetric, Integration, Member, NewIntegration, Organization, SyncRun } from '../../../shared/domain.ts';
import { newIntegrationSchema } from '../../../shared/domain.ts';
import type { Platform } from '../../../shared/jobs.ts';
import type { IntegrationStatus, MetricName } from '../../../shared/metrics.ts';
import type { DailyMetricRow, PlatformRecord } from '../connectors/types.ts';
import type { DialectName } from './db.ts';
import type { DB, IntegrationsTable } from './schema.ts';
import type { Sealer } from './secrets.ts';
import { AlertStore } from './alerts-store.ts';
import { InsightsStore } from './insights-store.ts';
import { OutboxStore } from './outbox-store.ts';
import { ReportStore } from './reports-store.ts';

/** Rows per INSERT: well under SQLite's bound-variable limit (32,766) at ~13 columns a row. */
const CHUNK = 500;
/** Record statuses that are not a sale (cancelled, failed, unpaid…), across the platforms. */
export const NOT_A_SALE = ['voided', 'cancelled', 'canceled', 'failed', 'pending', 'trash', 'expired'];

const now = () => new Date().toISOString();
const chunks = <T>(xs: T[], n = CHUNK) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export interface UpsertResult {
  /** Rows inserted or changed; an identical row is left alone and not counted. */
  changed: number;
  /** Days whose records changed (their daily metrics need recomputing). */
  affectedDays: string[];
}

/**
 * The domain store: organizations, members, integrations (credentials sealed), daily metrics,
 * platform records, webhook events and sync runs. Every write is idempotent: writing the same
 * thing twice changes no row.
 */
export class Store {
  readonly alerts: AlertStore;
  readonly outbox: OutboxStore;
  readonly reports: ReportStore;
  readonly insights: InsightsStore;

  constructor(
    readonly db: Kysely<DB>,
    private readonly sealer: Sealer,
    readonly dialect: DialectName,
  ) {
    this.alerts = new AlertStore(db, dialect);
    this.outbox = new OutboxStore(db);
    this.reports = new ReportStore(db);
    this.insights = new InsightsStore(db);
  }

  // — organizations and members —

  async createOrganization(input: { id?: string; name: string }): Promise<Organization> {
    const row = { id: input.id ?? randomUUID(), name: input.name, created_at: now() };
    await this.db
      .insertInto('organizations')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: row.name }))
      .execute();
    return (await this.getOrganization(row.id))!;
  }

  async getOrganization(id: string): Promise<Organization | undefined> {
    const r = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async listOrganizations(): Promise<Organization[]> {
    const rows = await this.db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async addMember(input: Omit<Member, 'id'> & { id?: string }): Promise<Member> {
    const row = {
      id: input.id ?? randomUUID(),
      organization_id: input.organizationId,
      name: input.name,
      email: input.email.toLowerCase(),
      role: input.role,
      created_at: now(),
    };
    await this.db
      .insertInto('members')
      .values(row)
      .onConflict((oc) => oc.columns(['organization_id', 'email']).doUpdateSet({ name: row.name, role: row.role }))
      .execute();
    return (await this.listMembers(input.organizationId)).find((m) => m.email === row.email)!;
  }

  async listMembers(organizationId: string, role?: Member['role']): Promise<Member[]> {
    let q = this.db.selectFrom('members').selectAll().where('organization_id', '=', organizationId);
    if (role) q = q.where('role', '=', role);
    const rows = await q.orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, name: r.name, email: r.email, role: r.role as Member['role'] }));
  }

  // — integrations —

  async createIntegration(input: NewIntegration): Promise<Integration> {
    const v = newIntegrationSchema.parse(input);
    const at = now();
    const row: IntegrationsTable = {
      id: v.id ?? randomUUID(),
      organization_id: v.organizationId,
      platform: v.platform,
      name: v.name,
      status: v.status,
      credentials: this.sealer.seal(JSON.stringify(v.credentials)),
      settings: JSON.stringify(v.settings),
      base_url: v.baseUrl,
      webhook_secret: v.webhookSecret ? this.sealer.seal(v.webhookSecret) : null,
      last_sync_at: null,
      sync_cursor: null,
      last_error: null,
      sync_every_minutes: null,
      created_at: at,
      updated_at: at,
    };
    await this.db.insertInto('integrations').values(row).execute();
    return toIntegration(row);
  }

  async getIntegration(id: string): Promise<Integration | undefined> {
    const r = await this.db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toIntegration(r);
  }

  async listIntegrations(filter: { organizationId?: string; platform?: Platform; status?: IntegrationStatus } = {}): Promise<Integration[]> {
    let q = this.db.selectFrom('integrations').selectAll();
    if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
    if (filter.platform) q = q.where('platform', '=', filter.platform);
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.orderBy('created_at').execute()).map(toIntegration);
  }

  /** The decrypted credentials and webhook secret: only for the sync engine and webhook checks. */
  async getIntegrationSecrets(id: string): Promise<{ credentials: Record<string, string>; webhookSecret: string | null } | undefined> {
    const r = await this.db.selectFrom('integrations').select(['credentials', 'webhook_secret']).where('id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    return {
      credentials: JSON.parse(this.sealer.open(r.credentials)) as Record<string, string>,
      webhookSecret: r.webhook_secret ? this.sealer.open(r.webhook_secret) : null,
    };
  }

  async updateIntegration(
    id: string,
    patch: Partial<{
      name: string;
      status: IntegrationStatus;
      credentials: Record<string, string>;
      settings: Record<string, string>;
      baseUrl: string | null;
      webhookSecret: string | null;
      lastError: string | null;
      /** Minutes between syncs; null: the platform's default. */
      syncEveryMinutes: number | null;
    }>,
  ): Promise<Integration | undefined> {
    const set: Partial<IntegrationsTable> = { updated_at: now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.credentials !== undefined) set.credentials = this.sealer.seal(JSON.stringify(patch.credentials));
    if (patch.settings !== undefined) set.settings = JSON.stringify(patch.settings);
    if (patch.baseUrl !== undefined) set.base_url = patch.baseUrl;
    if (patch.webhookSecret !== undefined) set.webhook_secret = patch.webhookSecret ? this.sealer.seal(patch.webhookSecret) : null;
    if (patch.lastError !== undefined) set.last_error = patch.lastError;
    if (patch.syncEveryMinutes !== undefined) set.sync_every_minutes = patch.syncEveryMinutes;
    await this.db.updateTable('integrations').set(set).where('id', '=', id).execute();
    return this.getIntegration(id);
  }

  async setIntegrationStatus(id: string, status: IntegrationStatus, lastError: string | null = null): Promise<void> {
    await this.db.updateTable('integrations').set({ status, last_error: lastError, updated_at: now() }).where('id', '=', id).execute();
  }

  /** A finished sync: its time, the new cursor, no error, and ACTIVE again if it was in ERROR. */
  async recordSyncSuccess(id: string, cursor: string | null, at = now()): Promise<void> {
    await this.db
      .updateTable('integrations')
      .set({
        last_sync_at: at,
        sync_cursor: cursor,
        last_error: null,
        updated_at: at,
        status: sql<string>`case when status = 'ERROR' then 'ACTIVE' else status end`,
      })
      .where('id', '=', id)
      .execute();
  }

  async deleteIntegration(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('integrations').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // — platform records and daily metrics —

  /** Stores records by (integration, kind, platform id); an unchanged record is not rewritten. */
  async upsertRecords(
    integration: Pick<Integration, 'id' | 'organizationId' | 'platform'>,
    records: PlatformRecord[],
    source: 'sync' | 'webhook',
  ): Promise<UpsertResult> {
    let changed = 0;
    const days = new Set<string>();
    const at = now();
    for (const part of chunks(dedupe(records, (r) => `${r.kind}/${r.externalId}`))) {
      const rows = part.map((r) => ({
        integration_id: integration.id,
        kind: r.kind,
        external_id: r.externalId,
        organization_id: integration.organizationId,
        platform: integration.platform,
        occurred_on: r.occurredOn,
        amount: r.amount,
        currency: r.currency,
        status: r.status,
        platform_updated_at: r.updatedAt,
        payload: JSON.stringify(r.payload ?? null),
        source,
        stored_at: at,
      }));
      // Which of these exist, and on which day: a record that moved days changes both.
      const before = await this.db
        .selectFrom('platform_records')
        .select(['kind', 'external_id', 'occurred_on'])
        .where('integration_id', '=', integration.id)
        .where(
          'external_id',
          'in',
          rows.map((r) => r.external_id),
        )
        .execute();
      const res = await this.db
        .insertInto('platform_records')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['integration_id', 'kind', 'external_id'])
            .doUpdateSet((eb) => ({
              occurred_on: eb.ref('excluded.occurred_on'),
              amount: eb.ref('excluded.amount'),
              currency: eb.ref('excluded.currency'),
              status: eb.ref('excluded.status'),
              platform_updated_at: eb.ref('excluded.platform_updated_at'),
              payload: eb.ref('excluded.payload'),
              stored_at: eb.ref('excluded.stored_at'),
            }))
            .where((eb) =>
              eb.or([
                eb('platform_records.amount', '<>', eb.ref('excluded.amount')),
                eb('platform_records.status', '<>', eb.ref('excluded.status')),
                eb('platform_records.occurred_on', '<>', eb.ref('excluded.occurred_on')),
                eb('platform_records.payload', '<>', eb.ref('excluded.payload')),
              ]),
            ),
        )
        .executeTakeFirst();
      const n = Number(res.numInsertedOrUpdatedRows ?? 0);
      changed += n;
      if (n > 0) {
        for (const r of rows) days.add(r.occurred_on);
        for (const b of before) days.add(b.occurred_on);
      }
    }
    return { changed, affectedDays: [...days].sort() };
  }

  /**
   * Sums an integration's records into revenue, orders, refunds and refund_amount for the given
   * days (zero where none are left) and upserts them. Returns how many metric rows changed.
   */
  async recomputeRecordMetrics(integration: Pick<Integration, 'id' | 'organizationId'>, days: string[]): Promise<number> {
    let changed = 0;
    for (const part of chunks(days, 200)) {
      const sums = await this.db
        .selectFrom('platform_records')
        .select((eb) => ['occurred_on', 'kind', eb.fn.sum<number>('amount').as('total'), eb.fn.countAll<number>().as('n')])
        .where('integration_id', '=', integration.id)
        .where('occurred_on', 'in', part)
        // A sale counts unless its status says it is none; a refund counts when money went back (a failed refund
        // or a won dispute stays on record at 0).
        .where((eb) =>
          eb.or([eb.and([eb('kind', '=', 'refund'), eb('amount', '<>', 0)]), eb.and([eb('kind', '<>', 'refund'), eb('status', 'not in', NOT_A_SALE)])]),
        )
        .groupBy(['occurred_on', 'kind'])
        .execute();
      const rows: DailyMetricRow[] = [];
      for (const day of part) {
        const sale = sums.filter((s) => s.occurred_on === day && s.kind !== 'refund');
        const refund = sums.find((s) => s.occurred_on === day && s.kind === 'refund');
        rows.push(
          { date: day, metric: 'revenue', value: round2(sale.reduce((t, s) => t + Number(s.total ?? 0), 0)) },
          { date: day, metric: 'orders', value: sale.reduce((t, s) => t + Number(s.n), 0) },
          { date: day, metric: 'refunds', value: Number(refund?.n ?? 0) },
          { date: day, metric: 'refund_amount', value: round2(Number(refund?.total ?? 0)) },
        );
      }
      changed += await this.upsertMetrics(integration, rows);
    }
    return changed;
  }

  /** Upserts daily metrics; a row with the same value is left alone. Returns rows changed. */
  async upsertMetrics(integration: Pick<Integration, 'id' | 'organizationId'>, metrics: DailyMetricRow[]): Promise<number> {
    let changed = 0;
    const at = now();
    for (const part of chunks(dedupe(metrics, (m) => `${m.date}/${m.metric}`))) {
      const res = await this.db
        .insertInto('daily_metrics')
        .values(
          part.map((m) => ({
            organization_id: integration.organizationId,
            integration_id: integration.id,
            date: m.date,
            metric: m.metric,
            value: m.value,
            updated_at: at,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['integration_id', 'date', 'metric'])
            .doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') }))
            .where((eb) => eb('daily_metrics.value', '<>', eb.ref('excluded.value'))),
        )
        .executeTakeFirst();
      changed += Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    return changed;
  }

  async listMetrics(filter: { organizationId?: string; integrationId?: string; from?: string; to?: string; metric?: MetricName }): Promise<DailyMetric[]> {
    let q = this.db.selectFrom('daily_metrics').selectAll();
    if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
    if (filter.integrationId) q = q.where('integration_id', '=', filter.integrationId);
    if (filter.from) q = q.where('date', '>=', filter.from);
    if (filter.to) q = q.where('date', '<=', filter.to);
    if (filter.metric) q = q.where('metric', '=', filter.metric);
    const rows = await q.orderBy('date').orderBy('metric').execute();
    return rows.map((r) => ({
      organizationId: r.organization_id,
      integrationId: r.integration_id,
      date: r.date,
      metric: r.metric as MetricName,
      value: Number(r.value),
    }));
  }

  // — webhook events —

  /** Records a webhook event once by its id; a second delivery reports `duplicate`. */
  async recordWebhookEvent(e: {
    id: string;
    integrationId: string | null;
    organizationId: string | null;
    platform: string;
    eventType: string;
    status: 'processed' | 'skipped' | 'unmatched';
    payload: unknown;
  }): Promise<{ duplicate: boolean }> {
    const res = await this.db
      .insertInto('webhook_events')
      .values({
        id: e.id,
        integration_id: e.integrationId,
        organization_id: e.organizationId,
        platform: e.platform,
        event_type: e.eventType,
        status: e.status,
        payload: JSON.stringify(e.payload ?? null),
        received_at: now(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return { duplicate: Number(res.numInsertedOrUpdatedRows ?? 0) === 0 };
  }

  async hasWebhookEvent(id: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('webhook_events').select('id').where('id', '=', id).executeTakeFirst());
  }

  // — sync runs —

  async startSyncRun(input: { integrationId: string; organizationId: string; jobId: string | null; syncType: string }): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('sync_runs')
      .values({
        id,
        integration_id: input.integrationId,
        organization_id: input.organizationId,
        job_id: input.jobId,
        sync_type: input.syncType,
        status: 'running',
        started_at: now(),
        finished_at: null,
        pages: 0,
        records: 0,
        error: null,
        notice: null,
      })
      .execute();
    return id;
  }

  async updateSyncRun(
    id: string,
    patch: { status?: SyncRun['status']; pages?: number; records?: number; error?: string | null; notice?: string | null; finished?: boolean },
  ): Promise<void> {
    await this.db
      .updateTable('sync_runs')
      .set({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.pages !== undefined ? { pages: patch.pages } : {}),
        ...(patch.records !== undefined ? { records: patch.records } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        ...(patch.notice !== undefined ? { notice: patch.notice } : {}),
        ...(patch.finished ? { finished_at: now() } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async listSyncRuns(integrationId: string, limit = 20): Promise<SyncRun[]> {
    const rows = await this.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('integration_id', '=', integrationId)
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      integrationId: r.integration_id,
      organizationId: r.organization_id,
      jobId: r.job_id,
      syncType: r.sync_type,
      status: r.status as SyncRun['status'],
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      pages: Number(r.pages),
      records: Number(r.records),
      error: r.error,
      notice: r.notice ?? null,
    }));
  }

  /** Counts per table, for tests and the demo's summary. */
  async countRows(table: keyof DB): Promise<number> {
    const r = await this.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

function toIntegration(r: Selectable<IntegrationsTable>): Integration {
  return {
    id: r.id,
    organizationId: r.organization_id,
    platform: r.platform as Platform,
    name: r.name,
    status: r.status as IntegrationStatus,
    settings: JSON.parse(r.settings) as Record<string, string>,
    baseUrl: r.base_url,
    hasWebhookSecret: Boolean(r.webhook_secret),
    lastSyncAt: r.last_sync_at,
    syncCursor: r.sync_cursor,
    lastError: r.last_error,
    syncEveryMinutes: r.sync_every_minutes == null ? null : Number(r.sync_every_minutes),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Last one wins: a page may list the same record twice (a refund inside its order, say). */
function dedupe<T>(xs: T[], key: (x: T) => string): T[] {
  return [...new Map(xs.map((x) => [key(x), x])).values()];
}

const round2 = (n: number) => Math.round(n * 100) / 100;
