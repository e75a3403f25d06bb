import type { Config } from './config.ts';
import { openDomain, storeScheduleSource, type Domain } from './domain/domain.ts';
import { IntegrationService } from './domain/integrations.ts';
import type { Logger } from './logger.ts';
import { createProcessors } from './queue/processors/index.ts';
import { startRuntime, type Runtime } from './runtime.ts';

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
export async function bootSystem(opts: { config: Config; log: Logger; runWorkers: boolean; runScheduler: boolean }): Promise<System> {
  const domain = await openDomain(opts.config, opts.log);
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      config: opts.config,
      log: opts.log,
      processors: ({ queueService, connection }) => createProcessors({ store: domain.store, queueService, connection, config: opts.config, log: opts.log }),
      scheduleSource: storeScheduleSource(domain.store),
      runWorkers: opts.runWorkers,
      runScheduler: opts.runScheduler,
    });
  } catch (err) {
    await domain.close();
    throw err;
  }
  return {
    runtime,
    domain,
    integrations: new IntegrationService({ store: domain.store, jobScheduler: runtime.jobScheduler }),
    async stop() {
      const result = await runtime.stop();
      await domain.close();
      return result;
    },
  };
}
