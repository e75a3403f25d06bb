import type { JobDataMap } from '../../shared/jobs.ts';
import type { QueueName } from '../../shared/queues.ts';

/** A readable BullMQ job name per payload, so lists say what a job is without opening it. */
export function jobNameFor<Q extends QueueName>(queue: Q, data: JobDataMap[Q]): string {
  const d = data as Record<string, unknown>;
  switch (queue) {
    case 'data-sync':
      return `sync-${d.platform}-${d.syncType}`;
    case 'insights-generation':
      return `insights-${d.period}`;
    case 'webhook-processing':
      return `${d.platform}:${d.eventType}`;
    case 'report-generation':
      return `report-${d.reportType}`;
    case 'email-sending':
      return `email-${d.template}`;
    case 'alerts': {
      const n = d.notification as { channel: string; event: string } | undefined;
      return n ? `notify-${n.channel}-${n.event}` : `alert-${d.alertType}`;
    }
    default:
      return queue;
  }
}
