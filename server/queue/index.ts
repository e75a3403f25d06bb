import type { Config } from '../config.ts';
import { ConfigError, loadConfig } from '../config.ts';
import type { ScheduleSource } from '../jobs/contract.ts';
import { createRedisConnection } from '../redis.ts';
import { JobScheduler } from './job-scheduler.ts';
import { QueueService } from './queue-service.ts';

export { QueueName, QUEUE_NAMES, QUEUE_POLICIES } from '../../shared/queues.ts';
export { QueueService } from './queue-service.ts';
export { JobScheduler } from './job-scheduler.ts';
export * from './errors.ts';

interface Instances {
  queueService: QueueService;
  jobScheduler: JobScheduler;
  /** Set for the producer client this module made itself: what its close() releases. */
  release?: () => Promise<void>;
}

let bound: Instances | undefined;
let producer: Instances | undefined;

/** Makes these instances the process's `queueService` / `jobScheduler` (startRuntime calls it). */
export function bindQueues(instances: { queueService: QueueService; jobScheduler: JobScheduler }): void {
  bound = instances;
}

export function unbindQueues(): void {
  bound = undefined;
}

/**
 * A producer client for a process that did not start the runtime (a web app, a script): its own
 * connection from REDIS_URL (or REDIS_CLUSTER_NODES) and QUEUE_PREFIX, made on first use, no workers.
 * The scheduler reads integrations from the configured store (DATABASE_URL, or SQLite under DATA_DIR),
 * opened only when a schedule needs one.
 */
function createProducer(config: Config): Instances {
  if (!config.REDIS_URL) {
    throw new ConfigError('queueService: set REDIS_URL to the Redis the workers use (or start the runtime in this process)');
  }
  const connection = createRedisConnection(config.REDIS_URL, { name: 'bizinsights:producer' });
  const queueService = new QueueService({ connection, prefix: config.QUEUE_PREFIX });
  let domain: Promise<{ source: ScheduleSource; close(): Promise<void> }> | undefined;
  const openStore = () =>
    (domain ??= import('../domain/domain.ts').then(async ({ openDomain, storeScheduleSource }) => {
      const d = await openDomain(config);
      return { source: storeScheduleSource(d.store), close: () => d.close() };
    }));
  const source: ScheduleSource = {
    listIntegrations: async () => (await openStore()).source.listIntegrations(),
    listOrganizations: async () => (await openStore()).source.listOrganizations(),
    getIntegration: async (id) => (await openStore()).source.getIntegration(id),
  };
  const jobScheduler = new JobScheduler({ queueService, source });
  return {
    queueService,
    jobScheduler,
    async release() {
      producer = undefined;
      await queueService.close();
      await connection.quit().catch(() => connection.disconnect());
      if (domain) await (await domain).close();
    },
  };
}

function current(): Instances {
  if (bound) return bound;
  producer ??= createProducer(loadConfig(process.env, { producerOnly: true }));
  return producer;
}

function facade<T extends object>(pick: (c: Instances) => T, isQueueService: boolean): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const c = current();
      // The producer's close() releases its connection and store too; the runtime closes its own.
      if (isQueueService && prop === 'close' && c.release) return c.release;
      const target = pick(c);
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The guide's importable singletons. In the server and worker processes they forward to the runtime's
 * instances; anywhere else they are a producer client that connects on first use.
 */
export const queueService: QueueService = facade((c) => c.queueService, true);
export const jobScheduler: JobScheduler = facade((c) => c.jobScheduler, false);
