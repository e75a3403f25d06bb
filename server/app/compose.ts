import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Config } from '../config.ts';
import { startDemoStandins, type DemoStandins } from '../demo/demo-standins.ts';
import { StandinDirectory, standinBaseUrlResolver, standinDirectoryKey } from '../demo/standin-directory.ts';
import { openDomain, storeScheduleSource, type Domain } from '../domain/domain.ts';
import { IntegrationService } from '../domain/integrations.ts';
import { webhookSecret } from '../domain/sync/webhook-processing.ts';
import { buildHttp, type HttpParts } from '../http/build.ts';
import type { ProcessorRegistry, ScheduleSource } from '../jobs/contract.ts';
import type { Logger } from '../logger.ts';
import { createHealthMonitor } from '../monitoring/health-monitor.ts';
import { readRate } from '../monitoring/throughput.ts';
import { configuredChannels } from '../monitoring/notifications/channels.ts';
import { createNotifier } from '../monitoring/notifications/notifier.ts';
import { readRedisMemory } from '../monitoring/redis-memory.ts';
import { readStalledWindow } from '../monitoring/stalled-counter.ts';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import { createProcessors } from '../queue/processors/index.ts';
import { createMetrics, type Metrics } from '../observability/prometheus.ts';
import { QueueService } from '../queue/queue-service.ts';
import type { Redis } from '../redis.ts';
import { startRuntime, type Runtime } from '../runtime.ts';
import { startTracing, type TracingOptions } from '../tracing/tracing.ts';
import { secretsFromConfig } from '../webhooks/secrets.ts';
import { WorkerRegistry } from '../workers/worker-registry.ts';

export interface ComposeOptions {
  config: Config;
  log: Logger;
  /** Serve the HTTP app (API, webhooks, Bull Board, console): `npm start` and the tests; not `npm run worker`. */
  http: boolean;
  runWorkers: boolean;
  runScheduler: boolean;
  /**
   * The demo: resolve seeded demo integrations' `standin:` URLs, and (with `http`) run the platforms'
   * stand-in servers for them. Production composes without it.
   */
  demo: boolean;
  /** The built console (`npm run build`); default `dist/client` under the working directory. */
  clientDir?: string;
  overrides?: ComposeOverrides;
}

/** What tests change; production passes none. */
export interface ComposeOverrides {
  /** A store the caller opened (and closes), e.g. a test database on PostgreSQL. */
  domain?: Domain;
  /** Wraps or replaces the real processors. */
  processors?: (real: ProcessorRegistry) => ProcessorRegistry;
  /** Where the scheduler reads integrations and organizations; the store by default. */
  scheduleSource?: ScheduleSource;
  /** Runs once the store, Redis and the queues exist, before the workers start (e.g. seeding). */
  beforeWorkers?: (parts: { domain: Domain; queueService: QueueService; connection: Redis }) => Promise<void>;
  /** Sample queue depth for the charts (default: on). */
  sampleDepth?: boolean;
  /** Run the queue-health monitor with the scheduler (default: on). */
  healthMonitor?: boolean;
  /** Tracing's span processor (tests: in memory); it turns tracing on without OTEL_EXPORTER_OTLP_ENDPOINT. */
  tracing?: TracingOptions;
}

export interface System {
  config: Config;
  log: Logger;
  domain: Domain;
  runtime: Runtime;
  integrations: IntegrationService;
  /** Present when composed with `http: true`. */
  http?: HttpParts;
  /** This process's Prometheus metrics (GET /metrics on the app, or on WORKER_HTTP_PORT). */
  metrics: Metrics;
  /** Starts serving the HTTP app; resolves once listening. */
  listen(port: number, host?: string): Promise<{ server: Server; port: number }>;
  /** Stops everything in order: HTTP, demo stand-ins, monitor, workers (within the shutdown deadline), queues, store. */
  stop(): Promise<{ timedOut: boolean }>;
}

/**
 * The one place a process is assembled: config → store → Redis and queues → processors and workers →
 * scheduler and health monitor → HTTP app. `npm start`, `npm run worker`, the browser tests' server
 * and the API test helpers all call it; they differ only in options and configuration values.
 */
export async function compose(opts: ComposeOptions): Promise<System> {
  const { config, log } = opts;
  const o = opts.overrides ?? {};
  const domain = o.domain ?? (await openDomain(config, log));
  const ownsDomain = !o.domain;
  // Off (undefined, no SDK loaded) unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing(config, log, o.tracing);
  let standins: DemoStandins | undefined;
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      config,
      log,
      processors: ({ queueService, connection }) => {
        const baseUrlFor = opts.demo ? standinBaseUrlResolver(new StandinDirectory(connection, standinDirectoryKey(config.QUEUE_PREFIX))) : undefined;
        const real = createProcessors({ store: domain.store, queueService, connection, config, log, baseUrlFor });
        return o.processors ? o.processors(real) : real;
      },
      beforeWorkers: async ({ queueService, connection }) => {
        await o.beforeWorkers?.({ domain, queueService, connection });
        // Before the workers, so the demo's first syncs find their stand-ins.
        if (opts.demo && opts.http)
          standins = await startDemoStandins(domain.store, new StandinDirectory(connection, standinDirectoryKey(config.QUEUE_PREFIX)), log);
      },
      scheduleSource: o.scheduleSource ?? storeScheduleSource(domain.store),
      runWorkers: opts.runWorkers,
      runScheduler: opts.runScheduler,
      tracing,
    });
  } catch (err) {
    await standins?.close();
    if (ownsDomain) await domain.close();
    await tracing?.shutdown();
    throw err;
  }
  const { queueService, connection } = runtime;
  // /metrics reads queue counts over the request connection, which fails fast while Redis is down (redis_up 0).
  const scrapeQueues = new QueueService({ connection: runtime.requestConnection, prefix: config.QUEUE_PREFIX, log });
  const metrics = createMetrics({
    readCounts: async () => (await scrapeQueues.getAllQueueStats()).queues,
    telemetry: runtime.telemetry,
    workers: runtime.workers,
  });
  const workerRegistry = new WorkerRegistry({ connection, prefix: config.QUEUE_PREFIX });

  // Health notifications go through the alerts queue: one job per channel, retried there.
  const notifier = createNotifier({ addJob: (data, o) => queueService.addJob('alerts', data, o), channels: configuredChannels(config) });
  // The queue-health monitor runs with the scheduler (a slot claim in Redis lets one process check per interval).
  const health = createHealthMonitor({
    readOverview: () => queueService.getOverview(),
    readRecent: (q) => readRate(queueService, q, 5),
    // From the workers' heartbeats, not CLIENT LIST (which managed Redis services may refuse).
    workerCount: (q) => workerRegistry.workerCount(q),
    readOldestWaiting: (q) => queueService.getOldestWaitingAt(q),
    readMemory: () => readRedisMemory(connection),
    readStalled: () => readStalledWindow(connection, config.QUEUE_PREFIX, QUEUE_NAMES),
    notify: (notice) => notifier.notify(notice),
    alerts: domain.store.alerts,
    claimSlot: async (slot, ttlMs) => (await connection.set(`${config.QUEUE_PREFIX}:health:slot:${slot}`, '1', 'PX', ttlMs, 'NX')) === 'OK',
    thresholds: {
      maxWaiting: config.HEALTH_MAX_WAITING,
      maxFailureRate: config.HEALTH_MAX_FAILURE_RATE,
      minFinishedForRate: 10,
      maxWaitSeconds: config.HEALTH_MAX_WAIT_SECONDS,
    },
    log,
  });
  if (opts.runScheduler && o.healthMonitor !== false) health.start(config.HEALTH_CHECK_INTERVAL_MS);

  const fallbackSecret = secretsFromConfig(config);
  const clientDir = opts.clientDir ?? path.resolve('dist/client');
  if (opts.http && !fs.existsSync(path.join(clientDir, 'index.html'))) {
    log.warn({ clientDir }, 'No built console: / will not serve it (run npm run build); the API, Bull Board and webhooks work without it');
  }
  const http = opts.http
    ? buildHttp(runtime, config, log, {
        store: domain.store,
        workersExpected: opts.runWorkers,
        sampleDepth: o.sampleDepth,
        metrics,
        clientDir,
        tracing,
        // The intake checks each integration's own secret from the store, configuration's as fallback.
        webhookSecret: (platform, integrationId) => webhookSecret({ store: domain.store, fallbackSecret }, platform, integrationId),
      })
    : undefined;
  // First start: the first admin account, from ADMIN_EMAIL and ADMIN_PASSWORD (or the generated password).
  if (http) await http.services.users.ensureFirstAdmin();
  // Bulk operations a stopped or crashed server left unfinished go on here (exactly once per job: server/bulk).
  if (http) await http.services.bulk.resumeUnfinished();
  let server: Server | undefined;

  return {
    config,
    log,
    domain,
    runtime,
    http,
    metrics,
    integrations: new IntegrationService({ store: domain.store, jobScheduler: runtime.jobScheduler }),
    listen(port, host) {
      if (!http) throw new Error('compose({http: false}) has no HTTP app to serve');
      return new Promise((resolve, reject) => {
        const s = host ? http.app.listen(port, host) : http.app.listen(port);
        s.once('error', reject);
        s.once('listening', () => {
          server = s;
          resolve({ server: s, port: (s.address() as AddressInfo).port });
        });
      });
    },
    async stop() {
      http?.services.depth.stop();
      await http?.services.bulk.stop();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      // Withdrawn first (needs Redis), closed last (a sync still running here may be using them).
      await standins?.withdraw().catch(() => undefined);
      health.stop();
      await scrapeQueues.close();
      const result = await runtime.stop();
      await standins?.close();
      if (ownsDomain) await domain.close();
      // Last: flushes the spans of everything above.
      await tracing?.shutdown();
      return result;
    },
  };
}
