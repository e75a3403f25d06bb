import { createCache } from '../../cache.ts';
import { createInsightsProcessor } from '../../domain/insights/insights-processing.ts';
import { QueueName } from '../../../shared/queues.ts';
import type { ProcessorDeps } from './index.ts';

/** insights-generation: the maths over the store, cached in Redis per organization and period. */
export function insightsProcessor(deps: ProcessorDeps) {
  return createInsightsProcessor({
    store: deps.store,
    cache: createCache(deps.connection, `${deps.config.QUEUE_PREFIX}:cache:`),
    cacheTtlSec: deps.config.INSIGHTS_CACHE_TTL_SEC,
    anomalyThreshold: deps.config.ANOMALY_ALERT_THRESHOLD,
    raiseAlert: async (data, dedupeKey) => {
      await deps.queueService.addJob(QueueName.ALERTS, data, { deduplication: { id: dedupeKey, ttl: 24 * 3600_000 } });
    },
  });
}
