import type { Config } from '../../config.ts';
import type { Store } from '../../domain/store/store.ts';
import type { BaseUrlResolver } from '../../domain/sync/base-urls.ts';
import type { Logger } from '../../logger.ts';
import type { Redis } from '../../redis.ts';
import type { QueueService } from '../queue-service.ts';
import { alertProcessor } from './alert.processor.ts';
import { dataSyncProcessor } from './data-sync.processor.ts';
import { emailProcessor } from './email.processor.ts';
import { insightsProcessor } from './insights.processor.ts';
import { reportProcessor } from './report.processor.ts';
import type { ProcessorRegistry } from '../../jobs/contract.ts';
import { webhookProcessor } from './webhook.processor.ts';

export type { Processor, ProcessorContext, ProcessorRegistry } from '../../jobs/contract.ts';

/** What the processors work with: the store, the queues (follow-up jobs) and Redis (budgets). */
export interface ProcessorDeps {
  store: Store;
  queueService: QueueService;
  connection: Redis;
  config: Config;
  log: Logger;
  /** Where syncs send API calls; the integration's own base URL or the platform's by default (the demo wraps it). */
  baseUrlFor?: BaseUrlResolver;
}

/** One processor per queue, each doing the real work through the store, Redis and the queues. */
export function createProcessors(deps: ProcessorDeps): ProcessorRegistry {
  return {
    'data-sync': dataSyncProcessor(deps),
    'insights-generation': insightsProcessor(deps),
    'webhook-processing': webhookProcessor(deps),
    'report-generation': reportProcessor(deps),
    'email-sending': emailProcessor(deps),
    alerts: alertProcessor(deps),
  };
}
