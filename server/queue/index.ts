import type { JobScheduler } from './job-scheduler.ts';
import type { QueueService } from './queue-service.ts';

export { QueueName, QUEUE_NAMES, QUEUE_POLICIES } from '../../shared/queues.ts';
export { QueueService } from './queue-service.ts';
export { JobScheduler } from './job-scheduler.ts';
export * from './errors.ts';

let current: { queueService: QueueService; jobScheduler: JobScheduler } | undefined;

/** Makes these instances the process's `queueService` / `jobScheduler` (startRuntime calls it). */
export function bindQueues(instances: { queueService: QueueService; jobScheduler: JobScheduler }): void {
  current = instances;
}

export function unbindQueues(): void {
  current = undefined;
}

function facade<T extends object>(pick: (c: NonNullable<typeof current>) => T, name: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      if (!current) throw new Error(`${name} is not ready: start the runtime (startRuntime) first`);
      const target = pick(current);
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The guide's importable singletons; they forward to the instances of the running process. */
export const queueService: QueueService = facade((c) => c.queueService, 'queueService');
export const jobScheduler: JobScheduler = facade((c) => c.jobScheduler, 'jobScheduler');
