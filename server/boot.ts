import type { Config } from './config.ts';
import { openDomain, storeScheduleSource, type Domain } from './domain/domain.ts';
import { createHealthMonitor } from './domain/alerts/health-monitor.ts';
import { IntegrationService } from './domain/integrations.ts';
import type { Logger } from './logger.ts';
import { createProcessors } from './queue/processors/index.ts';
import { startRuntime, type ProcessorServices, type Runtime } from './runtime.ts';
import type { ProcessorRegistry } from './queue/processors/types.ts';

export interface System {
  runtime: Runtime;
  domain: Domain;
  integrations: IntegrationService;
  stop(): Promise<{ timedOut: boolean }>;
}

/**
 * What both entry points start: the domain store, then Redis, queues and (behind their switches)
 * the workers with the real processors and the scheduler reading the store.
 */
export async function bootSystem(opts: {
  config: Config;
  log: Logger;
  runWorkers: boolean;
  runScheduler: boolean;
  /** Lets a test server wrap a processor (the browser tests make some jobs fail on purpose). */
  adjustProcessors?: (registry: ProcessorRegistry) => ProcessorRegistry;
  /** Runs before the workers start (e.g. seeding and publishing the demo stand-ins). */
  beforeWorkers?: (domain: Domain, services: ProcessorServices) => Promise<void>;
}): Promise<System> {
  const domain = await openDomain(opts.config, opts.log);
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      config: opts.config,
      log: opts.log,
      processors: ({ queueService, connection }) => {
        const registry = createProcessors({ store: domain.store, queueService, connection, config: opts.config, log: opts.log });
        return opts.adjustProcessors ? opts.adjustProcessors(registry) : registry;
      },
      beforeWorkers: opts.beforeWorkers ? (services) => opts.beforeWorkers!(domain, services) : undefined,
      scheduleSource: storeScheduleSource(domain.store),
      runWorkers: opts.runWorkers,
      runScheduler: opts.runScheduler,
    });
  } catch (err) {
    await domain.close();
    throw err;
  }
  // The queue-health monitor runs with the scheduler (a Redis lock lets one process check per interval).
  const health = createHealthMonitor({
    store: domain.store,
    queueService: runtime.queueService,
    connection: runtime.connection,
    prefix: opts.config.QUEUE_PREFIX,
    thresholds: { maxWaiting: opts.config.HEALTH_MAX_WAITING, maxFailureRate: opts.config.HEALTH_MAX_FAILURE_RATE, minFinishedForRate: 10 },
    log: opts.log,
  });
  if (opts.runScheduler) health.start(opts.config.HEALTH_CHECK_INTERVAL_MS);
  return {
    runtime,
    domain,
    integrations: new IntegrationService({ store: domain.store, jobScheduler: runtime.jobScheduler }),
    async stop() {
      health.stop();
      const result = await runtime.stop();
      await domain.close();
      return result;
    },
  };
}
