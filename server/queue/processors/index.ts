import type { Config } from '../../config.ts';
import type { Store } from '../../domain/store/store.ts';
import type { Logger } from '../../logger.ts';
import type { Redis } from '../../redis.ts';
import type { QueueService } from '../queue-service.ts';
import { dataSyncProcessor } from './data-sync.processor.ts';
import type { ProcessorRegistry } from './types.ts';
import { webhookProcessor } from './webhook.processor.ts';

export type { Processor, ProcessorContext, ProcessorRegistry } from './types.ts';

/** What the processors work with: the store, the queues (follow-up jobs) and Redis (budgets). */
export interface ProcessorDeps {
  store: Store;
  queueService: QueueService;
  connection: Redis;
  config: Config;
  log: Logger;
}

/**
 * The processors of this build. Insights, reports, email and alerts arrive with their feature; a
 * queue missing here gets no Worker, so its jobs wait rather than being "processed" by a pretence.
 */
export function createProcessors(deps: ProcessorDeps): ProcessorRegistry {
  return {
    'data-sync': dataSyncProcessor(deps),
    'webhook-processing': webhookProcessor(deps),
  };
}
