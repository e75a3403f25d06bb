import type { AlertSeverity, AlertStatus } from '../../shared/domain.ts';
import type { AlertStore } from '../domain/store/alerts-store.ts';
import { NotFoundError } from '../errors.ts';
import type { NotificationCenter } from '../monitoring/notifications/center.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import { limitOffset, withPage, type PageInput } from './paging.ts';

export interface AlertsServiceDeps {
  alerts: Pick<AlertStore, 'list' | 'acknowledge'>;
  actions: Pick<QueueActions, 'audited'>;
  /** Queue-health notification channels: their last deliveries, and the test button. */
  notifications: NotificationCenter;
}

export class AlertsService {
  constructor(private readonly deps: AlertsServiceDeps) {}

  async list(input: PageInput & { organizationId?: string; severity?: AlertSeverity; status?: AlertStatus }) {
    const { organizationId, severity, status } = input;
    return withPage(await this.deps.alerts.list({ organizationId, severity, status, ...limitOffset(input) }), input);
  }

  /** Organization data, but acknowledging is an operator action: it goes to the audit log like the rest. */
  acknowledge(actor: Actor, id: string) {
    return this.deps.actions.audited(actor, 'alert.acknowledge', { detail: { alertId: id } }, async () => {
      const alert = await this.deps.alerts.acknowledge(id, actor.user.name);
      if (!alert) throw new NotFoundError(`Alert "${id}" not found`);
      return alert;
    });
  }

  /** Each configured channel (secrets masked) with its last delivery. */
  notificationChannels() {
    return this.deps.notifications.status();
  }

  /** A test notification to every configured channel, through the alerts queue like real ones; audited. */
  sendTestNotification(actor: Actor) {
    return this.deps.actions.audited(
      actor,
      'alert.test-notification',
      { queue: 'alerts' },
      () => this.deps.notifications.sendTest(actor.user.name),
      (r) => r.jobIds.length,
      (r) => r.jobIds,
    );
  }
}
