import { QUEUE_NAMES, type OldestWaits } from '../../shared/queues.ts';
import type { QueueService } from '../queue/queue-service.ts';

/** What the oldest-wait read takes of the queue service. */
export type OldestWaitSource = Pick<QueueService, 'getOldestWaitingAt' | 'getWorkerCount'>;

/** How long a job ready at `readyAt` has waited by `now`; a job stamped ahead of this clock (skew) has waited 0. */
export function waitedMs(readyAt: number | null, now: number): number | null {
  return readyAt === null ? null : Math.max(0, now - readyAt);
}

/**
 * Per queue, how long its oldest waiting job has waited, by this server's clock (the browser's may differ):
 * one small script call per queue, all sent at once. Kept apart from the overview, which stays one round
 * trip for the live stream; the console reads this every 10 s.
 */
export async function readOldestWaits(source: OldestWaitSource, now: () => number = Date.now): Promise<OldestWaits> {
  const [readyAts, bullWorkers] = await Promise.all([
    Promise.all(QUEUE_NAMES.map((q) => source.getOldestWaitingAt(q))),
    // BullMQ's own worker list (CLIENT LIST), for workers that send no heartbeat (another app's plain BullMQ
    // Worker, an older release); null where Redis refuses CLIENT LIST, as managed services may.
    Promise.all(QUEUE_NAMES.map((q) => source.getWorkerCount(q).catch(() => null))),
  ]);
  const at = now();
  const perQueue = <T>(values: T[]) => Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, values[i]]));
  return {
    at,
    ageMs: perQueue(readyAts.map((r) => waitedMs(r, at))) as OldestWaits['ageMs'],
    bullWorkers: perQueue(bullWorkers) as OldestWaits['bullWorkers'],
  };
}
