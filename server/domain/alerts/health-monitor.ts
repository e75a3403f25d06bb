import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type QueueName } from '../../../shared/queues.ts';
import type { Logger } from '../../logger.ts';
import { readRate } from '../../monitoring/throughput.ts';
import type { QueueService } from '../../queue/queue-service.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_HEALTH, evaluateHealth, type HealthThresholds } from './queue-health.ts';

/** Health alerts concern the system, not an organization. */
export const SYSTEM_ORG = 'system';

export interface HealthMonitorDeps {
  store: Store;
  queueService: QueueService;
  connection: Redis;
  prefix: string;
  thresholds?: HealthThresholds;
  log?: Logger;
}

/**
 * Watches what the guide advises watching (backlog, failure rate, queues with work and no worker),
 * raises one alert per condition and queue, and resolves it when the condition clears. Runs with
 * the scheduler; in several processes, a Redis lock lets one of them check per interval.
 */
export function createHealthMonitor(deps: HealthMonitorDeps) {
  let timer: NodeJS.Timeout | undefined;

  async function check(): Promise<{ raised: string[]; resolved: string[] }> {
    const overview = await deps.queueService.getOverview();
    const [rates, workers] = await Promise.all([
      Promise.all(QUEUE_NAMES.map((q) => readRate(deps.queueService.queue(q), 5))),
      Promise.all(QUEUE_NAMES.map((q) => deps.queueService.queue(q).getWorkersCount().catch(() => 0))),
    ]);
    const conditions = evaluateHealth(
      {
        overview,
        recent: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, { completed: rates[i].completed, failed: rates[i].failed }])) as Record<QueueName, { completed: number; failed: number }>,
        workers: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, workers[i]])) as Record<QueueName, number>,
      },
      deps.thresholds ?? DEFAULT_HEALTH,
    );
    const raised: string[] = [];
    for (const c of conditions) {
      const { folded } = await deps.store.alerts.raise({ organizationId: SYSTEM_ORG, alertType: c.alertType, severity: c.severity, message: c.message, metadata: c.metadata, healthKey: c.key }, 0);
      if (!folded) {
        raised.push(c.key);
        deps.log?.warn({ alert: c.alertType, queue: c.queue }, c.message);
      }
    }
    const active = new Set(conditions.map((c) => c.key));
    const resolved: string[] = [];
    for (const open of await deps.store.alerts.openHealthAlerts()) {
      if (active.has(open.healthKey)) continue;
      await deps.store.alerts.resolve(open.id);
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
        const slot = Math.floor(Date.now() / intervalMs);
        const mine = await deps.connection.set(`${deps.prefix}:health:slot:${slot}`, '1', 'PX', intervalMs * 2, 'NX').catch(() => null);
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
