import { createReportProcessor } from '../../domain/reports/report-processing.ts';
import { QueueName } from '../../../shared/queues.ts';
import type { ProcessorDeps } from './index.ts';
import { publicUrl } from './public-url.ts';

/** report-generation: render, store, and queue one delivery email per recipient. */
export function reportProcessor(deps: ProcessorDeps) {
  return createReportProcessor({
    store: deps.store,
    publicUrl: publicUrl(deps.config),
    sendEmail: (data, opts) => deps.queueService.addJob(QueueName.EMAIL_SENDING, data, opts),
  });
}
