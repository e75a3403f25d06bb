import { randomUUID } from 'node:crypto';
import type { AlertSeverity } from '../../../shared/domain.ts';
import type { AlertJobData, JobOptions, NotificationChannel } from '../../../shared/jobs.ts';
import { SYSTEM_ORG } from '../health-monitor.ts';
import type { ChannelTarget } from './channels.ts';

/** A health alert that was raised or resolved, as the monitor tells it. */
export interface HealthNotice {
  event: 'raised' | 'resolved';
  /** The stored alert's id: with the event, what makes each notification's id. */
  alertId: string;
  key: string;
  alertType: string;
  severity: AlertSeverity;
  message: string;
  metadata: Record<string, unknown>;
  /** Epoch ms of the raise or resolve. */
  at: number;
}

export interface NotifierDeps {
  /** Adds an alerts job (QueueService.addJob on the alerts queue). */
  addJob(data: AlertJobData, opts: JobOptions): Promise<unknown>;
  channels: ChannelTarget[];
  /** Per delivery: attempts and the first backoff (doubling). Default 10 from 5 s: a receiver may be down ~40 min. */
  retry?: { attempts: number; backoffMs: number };
}

export const DEFAULT_NOTIFY_RETRY = { attempts: 10, backoffMs: 5_000 };

/**
 * Queues one alerts job per configured channel for each notification. The job id is the channel and
 * the notification's id (alert id + event), so the same raise or resolve queued twice is one job
 * (BullMQ ignores an add whose id exists), and a down receiver is retried with exponential backoff.
 */
export function createNotifier(deps: NotifierDeps) {
  const retry = deps.retry ?? DEFAULT_NOTIFY_RETRY;
  const opts = (jobId: string): JobOptions => ({ jobId, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs } });

  async function enqueue(base: Omit<AlertJobData, 'notification'>, n: Omit<NonNullable<AlertJobData['notification']>, 'channel'>): Promise<string[]> {
    const ids: string[] = [];
    for (const { channel } of deps.channels) {
      const jobId = `notify-${channel}-${n.id}`;
      await deps.addJob({ ...base, notification: { ...n, channel } }, opts(jobId));
      ids.push(jobId);
    }
    return ids;
  }

  return {
    channels: (): NotificationChannel[] => deps.channels.map((c) => c.channel),

    /** Queues the notification of a raise or resolve to every channel; the job ids. */
    notify(e: HealthNotice): Promise<string[]> {
      return enqueue(
        { organizationId: SYSTEM_ORG, alertType: e.alertType, severity: e.severity, message: e.message, metadata: e.metadata },
        { id: `${e.alertId}-${e.event}`, event: e.event, alertId: e.alertId, key: e.key, at: new Date(e.at).toISOString() },
      );
    },

    /** A test notification to every channel, from the Alerts page; its id and the job ids. */
    async sendTest(requestedBy: string, now = Date.now()): Promise<{ id: string; jobIds: string[] }> {
      const id = `test-${randomUUID()}`;
      const jobIds = await enqueue(
        {
          organizationId: SYSTEM_ORG,
          alertType: 'TEST_NOTIFICATION',
          severity: 'LOW',
          message: `Test notification from BizInsights Jobs, sent by ${requestedBy} from the Alerts page: this channel works.`,
          metadata: { requestedBy },
        },
        { id, event: 'test', at: new Date(now).toISOString() },
      );
      return { id, jobIds };
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
