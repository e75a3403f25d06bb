import type { AlertSeverity } from '../../shared/domain.ts';
import { QUEUE_NAMES, type Overview, type QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_HEALTH, evaluateHealth, type HealthThresholds } from './queue-health.ts';

/** Health alerts concern the system, not an organization. */
export const SYSTEM_ORG = 'system';

/** What the monitor needs of the alert store (the domain's AlertsStore has it). */
export interface HealthAlerts {
  raise(
    alert: { organizationId: string; alertType: string; severity: AlertSeverity; message: string; metadata: Record<string, unknown>; healthKey: string },
    foldWindowMs: number,
  ): Promise<{ folded: boolean }>;
  openHealthAlerts(): Promise<Array<{ id: string; alertType: string; healthKey: string }>>;
  resolve(id: string): Promise<unknown>;
}

export interface HealthMonitorDeps {
  readOverview(): Promise<Overview>;
  /** Completed and failed over the last few minutes. */
  readRecent(queue: QueueName): Promise<{ completed: number; failed: number }>;
  workerCount(queue: QueueName): Promise<number>;
  alerts: HealthAlerts;
  /** True for the one process that claims this time slot (a Redis SET NX), so many processes check once. */
  claimSlot(slot: string, ttlMs: number): Promise<boolean>;
  thresholds?: HealthThresholds;
  log?: Logger;
  now?: () => number;
}

/**
 * Watches what the guide advises watching (backlog, failure rate, queues with work and no worker),
 * raises one alert per condition and queue, and resolves it when the condition clears. Runs with
 * the scheduler; in several processes, the slot claim lets one of them check per interval.
 */
export function createHealthMonitor(deps: HealthMonitorDeps) {
  let timer: NodeJS.Timeout | undefined;
  const now = deps.now ?? Date.now;

  async function check(): Promise<{ raised: string[]; resolved: string[] }> {
    const overview = await deps.readOverview();
    const [rates, workers] = await Promise.all([
      Promise.all(QUEUE_NAMES.map((q) => deps.readRecent(q))),
      Promise.all(QUEUE_NAMES.map((q) => deps.workerCount(q).catch(() => 0))),
    ]);
    const conditions = evaluateHealth(
      {
        overview,
        recent: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, { completed: rates[i].completed, failed: rates[i].failed }])) as Record<
          QueueName,
          { completed: number; failed: number }
        >,
        workers: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, workers[i]])) as Record<QueueName, number>,
      },
      deps.thresholds ?? DEFAULT_HEALTH,
    );
    const raised: string[] = [];
    for (const c of conditions) {
      const alert = { organizationId: SYSTEM_ORG, alertType: c.alertType, severity: c.severity, message: c.message, metadata: c.metadata, healthKey: c.key };
      const { folded } = await deps.alerts.raise(alert, 0);
      if (!folded) {
        raised.push(c.key);
        deps.log?.warn({ alert: c.alertType, queue: c.queue }, c.message);
      }
    }
    const active = new Set(conditions.map((c) => c.key));
    const resolved: string[] = [];
    for (const open of await deps.alerts.openHealthAlerts()) {
      if (active.has(open.healthKey)) continue;
      await deps.alerts.resolve(open.id);
      resolved.push(open.healthKey);
      deps.log?.info({ alert: open.alertType, key: open.healthKey }, 'Queue health alert cleared');
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
        if (mine) await check().catch((err: Error) => deps.log?.warn({ err: err.message }, 'Queue health check failed'));
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
