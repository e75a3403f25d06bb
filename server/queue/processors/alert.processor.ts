import { createAlertProcessor } from '../../domain/alerts/alert-processing.ts';
import { configuredChannels } from '../../monitoring/notifications/channels.ts';
import { createNotificationDelivery } from '../../monitoring/notifications/deliver.ts';
import { DeliveryLog } from '../../monitoring/notifications/delivery-log.ts';
import type { EmailJobData, JobOptions } from '../../../shared/jobs.ts';
import { QueueName } from '../../../shared/queues.ts';
import type { Processor } from '../../jobs/contract.ts';
import type { ProcessorDeps } from './index.ts';
import { publicUrl } from './public-url.ts';

/**
 * alerts: an organization alert is stored (folding repeats) and HIGH and CRITICAL ones emailed to the
 * organization's admins; a job with `notification` delivers a queue-health alert to one channel.
 */
export function alertProcessor(deps: ProcessorDeps): Processor<'alerts'> {
  const sendEmail = (data: EmailJobData, opts: JobOptions) => deps.queueService.addJob(QueueName.EMAIL_SENDING, data, opts);
  const organizationAlert = createAlertProcessor({
    store: deps.store,
    foldWindowMs: deps.config.ALERT_FOLD_WINDOW_MS,
    publicUrl: publicUrl(deps.config),
    sendEmail,
  });
  const deliveries = new DeliveryLog(deps.connection, deps.config.QUEUE_PREFIX);
  const notification = createNotificationDelivery({
    channels: configuredChannels(deps.config),
    consoleUrl: publicUrl(deps.config),
    sendEmail,
    record: (channel, delivery) => deliveries.record(channel, delivery),
  });
  return (data, ctx) => (data.notification ? notification({ ...data, notification: data.notification }, ctx) : organizationAlert(data, ctx));
}
