import { secretsFromConfig } from '../../webhooks/secrets.ts';
import { createWebhookProcessor } from '../../domain/sync/webhook-processing.ts';
import type { ProcessorDeps } from './index.ts';

/** webhook-processing: verify again, map, store once. Secrets: the integration's, else configuration's. */
export function webhookProcessor(deps: ProcessorDeps) {
  const fromConfig = secretsFromConfig(deps.config);
  return createWebhookProcessor({ store: deps.store, fallbackSecret: fromConfig });
}
