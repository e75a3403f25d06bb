import { createAlertProcessor } from '../../domain/alerts/alert-processing.ts';
import { QueueName } from '../../../shared/queues.ts';
import type { ProcessorDeps } from './index.ts';
import { publicUrl } from './public-url.ts';

/** alerts: store (folding repeats) and notify the organization's admins of HIGH and CRITICAL ones. */
export function alertProcessor(deps: ProcessorDeps) {
  return createAlertProcessor({
    store: deps.store,
    foldWindowMs: deps.config.ALERT_FOLD_WINDOW_MS,
    publicUrl: publicUrl(deps.config),
    sendEmail: (data, opts) => deps.queueService.addJob(QueueName.EMAIL_SENDING, data, opts),
  });
}
