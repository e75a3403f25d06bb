import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Alert, AlertSeverity, AlertStatus } from '../../../shared/domain.ts';
import type { DialectName } from './db.ts';
import type { AlertsTable, DB } from './schema.ts';

const now = () => new Date().toISOString();

export interface RaiseAlert {
  organizationId: string;
  alertType: string;
  severity: AlertSeverity;
  message: string;
  metadata: Record<string, unknown>;
  healthKey?: string | null;
}

/**
 * Stored alerts. A repeat of the same type for the same organization within the fold window is
 * folded into the open alert (its count and last time go up, severity rises if higher) instead
 * of becoming a new row.
 */
export class AlertStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectName,
  ) {}

  async raise(a: RaiseAlert, foldWindowMs: number, at = new Date()): Promise<{ alert: Alert; folded: boolean }> {
    const r = await this.db.transaction().execute(async (trx) => {
      // One raise at a time per fold key, so concurrent repeats fold instead of racing
      // (SQLite: the transaction holds the only connection; PostgreSQL: an advisory lock).
      if (this.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(${a.healthKey ?? `${a.organizationId}:${a.alertType}`}))`.execute(trx);
      }
      return new AlertStore(trx, this.dialect).raiseIn(a, foldWindowMs, at);
    });
    return { alert: (await this.get(r.id))!, folded: r.folded };
  }

  private async raiseIn(a: RaiseAlert, foldWindowMs: number, at: Date): Promise<{ id: string; folded: boolean }> {
    const since = new Date(at.getTime() - foldWindowMs).toISOString();
    // A health alert folds into the open one of its key (one per condition and queue), however old.
    const existing = a.healthKey
      ? await this.db.selectFrom('alerts').selectAll().where('health_key', '=', a.healthKey).where('status', '!=', 'resolved').executeTakeFirst()
      : await this.db
          .selectFrom('alerts')
          .selectAll()
          .where('organization_id', '=', a.organizationId)
          .where('alert_type', '=', a.alertType)
          .where('health_key', 'is', null)
          .where('status', '!=', 'resolved')
          .where('last_at', '>=', since)
          .orderBy('last_at', 'desc')
          .executeTakeFirst();
    if (existing) {
      const severity = rank(a.severity) > rank(existing.severity as AlertSeverity) ? a.severity : existing.severity;
      await this.db
        .updateTable('alerts')
        .set({ occurrences: sql<number>`occurrences + 1`, last_at: at.toISOString(), severity, message: a.message, metadata: JSON.stringify(a.metadata ?? {}) })
        .where('id', '=', existing.id)
        .execute();
      return { id: existing.id, folded: true };
    }
    const row: AlertsTable = {
      id: randomUUID(),
      organization_id: a.organizationId,
      alert_type: a.alertType,
      severity: a.severity,
      message: a.message,
      metadata: JSON.stringify(a.metadata ?? {}),
      status: 'open',
      occurrences: 1,
      first_at: at.toISOString(),
      last_at: at.toISOString(),
      acknowledged_by: null,
      acknowledged_at: null,
      resolved_at: null,
      health_key: a.healthKey ?? null,
    };
    await this.db.insertInto('alerts').values(row).execute();
    return { id: row.id, folded: false };
  }

  async get(id: string): Promise<Alert | undefined> {
    const r = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAlert(r);
  }

  async list(
    filter: { organizationId?: string; severity?: AlertSeverity; status?: AlertStatus; limit?: number; offset?: number } = {},
  ): Promise<{ alerts: Alert[]; total: number }> {
    let q = this.db.selectFrom('alerts');
    if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
    if (filter.severity) q = q.where('severity', '=', filter.severity);
    if (filter.status) q = q.where('status', '=', filter.status);
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy('last_at', 'desc')
        .limit(filter.limit ?? 50)
        .offset(filter.offset ?? 0)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { alerts: rows.map(toAlert), total: Number(count.n) };
  }

  async acknowledge(id: string, by: string): Promise<Alert | undefined> {
    await this.db
      .updateTable('alerts')
      .set({ status: 'acknowledged', acknowledged_by: by, acknowledged_at: now() })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .execute();
    return this.get(id);
  }

  /** The open alert the health monitor raised under a key, if any. */
  async openByHealthKey(key: string): Promise<Alert | undefined> {
    const r = await this.db.selectFrom('alerts').selectAll().where('health_key', '=', key).where('status', '!=', 'resolved').executeTakeFirst();
    return r && toAlert(r);
  }

  /** Open alerts the health monitor raised, with their keys. */
  async openHealthAlerts(): Promise<Array<Alert & { healthKey: string }>> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('health_key', 'is not', null).where('status', '!=', 'resolved').execute();
    return rows.map((r) => ({ ...toAlert(r), healthKey: r.health_key! }));
  }

  async resolve(id: string): Promise<void> {
    await this.db.updateTable('alerts').set({ status: 'resolved', resolved_at: now() }).where('id', '=', id).execute();
  }
}

const SEVERITIES: AlertSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const rank = (s: AlertSeverity) => SEVERITIES.indexOf(s);

function toAlert(r: Selectable<AlertsTable>): Alert {
  return {
    id: r.id,
    organizationId: r.organization_id,
    alertType: r.alert_type,
    severity: r.severity as AlertSeverity,
    message: r.message,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    status: r.status as AlertStatus,
    occurrences: Number(r.occurrences),
    firstAt: r.first_at,
    lastAt: r.last_at,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
    resolvedAt: r.resolved_at,
  };
}
