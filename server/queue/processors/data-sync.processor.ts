import { createConnectors } from '../../domain/connectors/index.ts';
import { warnAboutMetaVersion } from '../../domain/connectors/meta-versions.ts';
import { integrationBaseUrl } from '../../domain/sync/base-urls.ts';
import { createDataSyncProcessor } from '../../domain/sync/data-sync.ts';
import { createRateBudget } from '../../domain/sync/rate-budget.ts';
import { QueueName } from '../../../shared/queues.ts';
import type { ProcessorDeps } from './index.ts';
import type { QueueService } from '../queue-service.ts';

/** How long after the last sync with new data an organization's insights run. */
export const INSIGHTS_DEBOUNCE_MS = 15_000;

/**
 * Insights after a sync with new data, debounced: each call pushes the one pending job back, so five
 * integrations finishing within seconds give one insights job, run once they have settled.
 */
export async function queueInsightsAfterSync(queueService: QueueService, organizationId: string): Promise<void> {
  await queueService.addJob(
    QueueName.INSIGHTS_GENERATION,
    { organizationId, period: '30d', forceRegenerate: true },
    { delay: INSIGHTS_DEBOUNCE_MS, deduplication: { id: `insights-after-sync-${organizationId}`, ttl: INSIGHTS_DEBOUNCE_MS, extend: true, replace: true } },
  );
}

/** data-sync: the sync engine over the real connectors, a shared call budget, alerts on revoked access. */
export function dataSyncProcessor(deps: ProcessorDeps) {
  const prefix = deps.config.QUEUE_PREFIX;
  warnAboutMetaVersion(deps.config.FACEBOOK_API_VERSION, deps.log);
  return createDataSyncProcessor({
    store: deps.store,
    connectors: createConnectors({
      apiVersions: { facebook: deps.config.FACEBOOK_API_VERSION, shopify: deps.config.SHOPIFY_API_VERSION, stripe: deps.config.STRIPE_API_VERSION },
    }),
    baseUrlFor: deps.baseUrlFor ?? integrationBaseUrl,
    budget: createRateBudget(deps.connection, { prefix, max: deps.config.SYNC_CALLS_PER_MINUTE, windowMs: 60_000 }),
    raiseAlert: async (data, dedupeKey) => {
      await deps.queueService.addJob(QueueName.ALERTS, data, { deduplication: { id: dedupeKey } });
    },
    onNewData: (organizationId) => queueInsightsAfterSync(deps.queueService, organizationId),
  });
}
