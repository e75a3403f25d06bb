import type { AlertJobData, EmailJobData, JobOptions } from '../../../shared/jobs.ts';
import type { ProcessorContext } from '../../jobs/contract.ts';
import type { Store } from '../store/store.ts';

export interface AlertDeps {
  store: Store;
  /** Repeats of the same type for the same organization within this window fold into one alert. */
  foldWindowMs: number;
  /** The console's address, for the link in the notification email. */
  publicUrl: string;
  sendEmail(data: EmailJobData, opts: JobOptions): Promise<unknown>;
}

export interface AlertResult {
  alertId: string;
  folded: boolean;
  notified: number;
}

/**
 * The alerts processor: stores the alert (folding a repeat into the open one) and, for a new HIGH
 * or CRITICAL alert, queues one alert-notification email to the organization's admins. The email
 * job's id is the alert's, so a retried alert job never queues it twice.
 */
export function createAlertProcessor(deps: AlertDeps) {
  return async function processAlert(data: AlertJobData, ctx: ProcessorContext): Promise<AlertResult> {
    const { alert, folded } = await deps.store.alerts.raise(data, deps.foldWindowMs);
    // Folded or not: an alert that is (now) HIGH/CRITICAL gets its one email; the job id dedupes repeats.
    if (alert.severity !== 'HIGH' && alert.severity !== 'CRITICAL') return { alertId: alert.id, folded, notified: 0 };
    const admins = await deps.store.listMembers(data.organizationId, 'admin');
    if (admins.length === 0) {
      ctx.log.info({ organizationId: data.organizationId, alertId: alert.id }, 'High alert with no admin to notify');
      return { alertId: alert.id, folded, notified: 0 };
    }
    const org = await deps.store.getOrganization(data.organizationId);
    await deps.sendEmail(
      {
        to: admins.map((a) => a.email),
        subject: `[${alert.severity}] ${alert.alertType}: ${alert.message}`.slice(0, 200),
        template: 'alert-notification',
        data: {
          alertType: alert.alertType,
          severity: alert.severity,
          message: alert.message,
          organizationName: org?.name ?? data.organizationId,
          alertUrl: `${deps.publicUrl}/alerts`,
          metadata: alert.metadata,
        },
        organizationId: data.organizationId,
      },
      { jobId: `alert-email-${alert.id}` },
    );
    return { alertId: alert.id, folded, notified: admins.length };
  };
}
