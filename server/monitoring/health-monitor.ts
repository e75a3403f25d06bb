import type { AlertSeverity } from '../../shared/domain.ts';
import { QUEUE_NAMES, type Overview, type QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { HealthNotice } from './notifications/notifier.ts';
import { evaluateHealth, type HealthReading, type HealthThresholds } from './queue-health.ts';

/** Health alerts concern the system, not an organization. */
export const SYSTEM_ORG = 'system';

/** What the monitor needs of the alert store (the domain's AlertsStore has it). */
export interface HealthAlerts {
  raise(
    alert: { organizationId: string; alertType: string; severity: AlertSeverity; message: string; metadata: Record<string, unknown>; healthKey: string },
    foldWindowMs: number,
  ): Promise<{ folded: boolean; alert: { id: string } }>;
  openHealthAlerts(): Promise<
    Array<{ id: string; alertType: string; healthKey: string; severity: AlertSeverity; message: string; metadata: Record<string, unknown> }>
  >;
  resolve(id: string): Promise<unknown>;
}

export interface HealthMonitorDeps {
  readOverview(): Promise<Overview>;
  /** Completed and failed over the last few minutes. */
  readRecent(queue: QueueName): Promise<{ completed: number; failed: number }>;
  workerCount(queue: QueueName): Promise<number>;
  /** When the queue's oldest waiting job became ready (epoch ms), null when none waits. Unread: no oldest-wait check. */
  readOldestWaiting?(queue: QueueName): Promise<number | null>;
  /** Redis memory against maxmemory. Unread: no memory check. */
  readMemory?(): Promise<{ usedBytes: number; maxBytes: number }>;
  /** Stalled jobs per queue over the last `windowMinutes`. Unread: no stalled check. */
  readStalled?(): Promise<{ windowMinutes: number; counts: Partial<Record<QueueName, number>> }>;
  /** Tells people (queues one delivery per channel); called once per raise and once per resolve. */
  notify?(notice: HealthNotice): Promise<unknown>;
  alerts: HealthAlerts;
  /** True for the one process that claims this time slot (a Redis SET NX), so many processes check once. */
  claimSlot(slot: string, ttlMs: number): Promise<boolean>;
  thresholds?: Partial<HealthThresholds>;
  log?: Logger;
  now?: () => number;
}

/** A reading that failed is left out (its check skipped this time) rather than failing the others. */
const orUndefined = <T>(p: Promise<T> | undefined, log: Logger | undefined, what: string): Promise<T | undefined> =>
  (p ?? Promise.resolve(undefined)).catch((err: Error) => {
    log?.warn({ err: err.message }, `Queue health: could not read ${what}`);
    return undefined;
  });

/**
 * Watches what the guide advises watching (backlog, failure rate, queues with work and no worker)
 * and more (the oldest wait, Redis memory, stalled jobs), raises one alert per condition and queue,
 * resolves it when the condition clears, and notifies people of each raise and resolve. Runs with
 * the scheduler; in several processes, the slot claim lets one of them check per interval.
 */
export function createHealthMonitor(deps: HealthMonitorDeps) {
  let timer: NodeJS.Timeout | undefined;
  const now = deps.now ?? Date.now;
  const log = deps.log;

  /** A notification that could not be queued is logged; the alert stays stored either way. */
  async function notify(notice: HealthNotice): Promise<void> {
    if (!deps.notify) return;
    await deps
      .notify(notice)
      .catch((err: Error) => log?.error({ err: err.message, key: notice.key, event: notice.event }, 'Could not queue the health notification'));
  }

  async function read(): Promise<HealthReading> {
    const overview = await deps.readOverview();
    const [rates, workers, oldest, memory, stalled] = await Promise.all([
      Promise.all(QUEUE_NAMES.map((q) => deps.readRecent(q))),
      Promise.all(QUEUE_NAMES.map((q) => deps.workerCount(q).catch(() => 0))),
      deps.readOldestWaiting ? Promise.all(QUEUE_NAMES.map((q) => orUndefined(deps.readOldestWaiting?.(q), log, `${q}'s oldest waiting job`))) : undefined,
      orUndefined(deps.readMemory?.(), log, 'Redis memory'),
      orUndefined(deps.readStalled?.(), log, 'stalled counts'),
    ]);
    return {
      overview,
      recent: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, { completed: rates[i].completed, failed: rates[i].failed }])),
      workers: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, workers[i]])),
      oldestWaiting: oldest ? Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, oldest[i] ?? null])) : undefined,
      redisMemory: memory,
      stalled,
    };
  }

  async function check(): Promise<{ raised: string[]; resolved: string[] }> {
    const conditions = evaluateHealth(await read(), deps.thresholds);
    const raised: string[] = [];
    for (const c of conditions) {
      const alert = { organizationId: SYSTEM_ORG, alertType: c.alertType, severity: c.severity, message: c.message, metadata: c.metadata, healthKey: c.key };
      const { folded, alert: stored } = await deps.alerts.raise(alert, 0);
      if (folded) continue;
      raised.push(c.key);
      log?.warn({ alert: c.alertType, queue: c.queue }, c.message);
      await notify({
        event: 'raised',
        alertId: stored.id,
        key: c.key,
        alertType: c.alertType,
        severity: c.severity,
        message: c.message,
        metadata: c.metadata,
        at: now(),
      });
    }
    const active = new Set(conditions.map((c) => c.key));
    const resolved: string[] = [];
    for (const open of await deps.alerts.openHealthAlerts()) {
      if (active.has(open.healthKey)) continue;
      await deps.alerts.resolve(open.id);
      resolved.push(open.healthKey);
      log?.info({ alert: open.alertType, key: open.healthKey }, 'Queue health alert cleared');
      await notify({
        event: 'resolved',
        alertId: open.id,
        key: open.healthKey,
        alertType: open.alertType,
        severity: open.severity,
        message: open.message,
        metadata: open.metadata,
        at: now(),
      });
    }
    return { raised, resolved };
  }

  return {
    check,
    start(intervalMs = 30_000) {
      if (timer) return;
      const tick = async () => {
        const slot = String(Math.floor(now() / intervalMs));
        const mine = await deps.claimSlot(slot, intervalMs * 2).catch(() => false);
        if (mine) await check().catch((err: Error) => log?.warn({ err: err.message }, 'Queue health check failed'));
      };
      void tick();
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
