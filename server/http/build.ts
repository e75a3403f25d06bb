import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { loadAdminCredential, type AdminCredential } from '../auth/passwords.ts';
import { QueueService } from '../queue/queue-service.ts';
import type { Runtime } from '../runtime.ts';
import { createApp } from './app.ts';
import { isRedisUnavailable } from './errors.ts';
import { createApiServices, type ApiServices } from './services.ts';
import type { WebhookSecretLookup } from '../webhooks/secrets.ts';
import type { Store } from '../domain/store/store.ts';
import type { Metrics } from '../observability/prometheus.ts';
import { telemetryFor, type Tracing } from '../tracing/tracing.ts';

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
  opts: {
    store: Store;
    workersExpected: boolean;
    sampleDepth?: boolean;
    webhookSecret?: WebhookSecretLookup;
    clientDir?: string;
    tracing?: Tracing;
    metrics?: Metrics;
  },
): HttpParts {
  const admin = loadAdminCredential(config.dataDir, config.ADMIN_PASSWORD);
  // Requests use the request path's connection, which fails fast while Redis is down (a 503 within about a second),
  // and queue objects of their own over it; the runtime's connection and queues wait the outage out for the workers.
  // Those queues hold nothing but listeners on that connection, which runtime.stop() closes.
  const queueService = new QueueService({ connection: runtime.requestConnection, prefix: config.QUEUE_PREFIX, log, tracing: telemetryFor(opts.tracing) });
  const services = createApiServices({
    config,
    connection: runtime.requestConnection,
    queueService,
    jobScheduler: runtime.jobScheduler,
    store: opts.store,
    admin,
    log,
    webhookSecret: opts.webhookSecret,
  });
  // During an outage every sample fails: the runtime's connection logs the outage once, not each sample.
  const onSampleError = (err: Error) => {
    if (!isRedisUnavailable(err)) log.warn({ err: err.message }, 'Depth sample failed');
  };
  if (opts.sampleDepth !== false) services.depth.start(undefined, onSampleError);
  const app = createApp({
    services,
    health: { connection: runtime.connection, workers: runtime.workers, workersExpected: opts.workersExpected },
    trustProxy: config.TRUST_PROXY,
    clientDir: opts.clientDir,
    httpSpans: opts.tracing?.httpSpans,
    metrics: opts.metrics && { metrics: opts.metrics, token: config.METRICS_TOKEN },
  });
  return { app, services, admin };
}
