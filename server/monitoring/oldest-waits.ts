import { QUEUE_NAMES, type OldestWaits } from '../../shared/queues.ts';
import type { QueueService } from '../queue/queue-service.ts';

/** What the oldest-wait read takes of the queue service. */
export type OldestWaitSource = Pick<QueueService, 'getOldestWaitingAt'>;

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
  const readyAts = await Promise.all(QUEUE_NAMES.map((q) => source.getOldestWaitingAt(q)));
  const at = now();
  return { at, ageMs: Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, waitedMs(readyAts[i], at)])) as OldestWaits['ageMs'] };
}
