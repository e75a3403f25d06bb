import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { loadAdminCredential, type AdminCredential } from '../auth/passwords.ts';
import type { Runtime } from '../runtime.ts';
import { createApp } from './app.ts';
import { createApiServices, type ApiServices } from './services.ts';
import type { WebhookSecretLookup } from '../webhooks/secrets.ts';
import type { Store } from '../domain/store/store.ts';

export interface HttpParts {
  app: ReturnType<typeof createApp>;
  services: ApiServices;
  admin: AdminCredential;
}

/** The HTTP app over a running runtime: services, the admin credential, the depth sampler. */
export function buildHttp(
  runtime: Runtime,
  config: Config,
  log: Logger,
  opts: { store: Store; workersExpected: boolean; sampleDepth?: boolean; webhookSecret?: WebhookSecretLookup; clientDir?: string },
): HttpParts {
  const admin = loadAdminCredential(config.dataDir, config.ADMIN_PASSWORD);
  const services = createApiServices({
    config,
    connection: runtime.connection,
    queueService: runtime.queueService,
    jobScheduler: runtime.jobScheduler,
    store: opts.store,
    admin,
    log,
    webhookSecret: opts.webhookSecret,
  });
  if (opts.sampleDepth !== false) services.depth.start(undefined, (err) => log.warn({ err: err.message }, 'Depth sample failed'));
  const app = createApp({
    services,
    health: { connection: runtime.connection, workers: runtime.workers, workersExpected: opts.workersExpected },
    trustProxy: config.TRUST_PROXY,
    clientDir: opts.clientDir,
  });
  return { app, services, admin };
}
