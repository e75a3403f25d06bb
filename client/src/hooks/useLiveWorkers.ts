import { useQuery } from '@tanstack/react-query';
import type { QueueName } from '../../../shared/queues.ts';
import { liveWorkersByQueue, withBullFallback } from '../../../shared/workers.ts';
import { useTRPC } from '../trpc.ts';

/**
 * Per queue, the live worker processes serving it: from their heartbeats where any serve it, else BullMQ's own
 * worker list (workers that send no heartbeat); undefined until the heartbeats are known.
 */
export function useLiveWorkerCounts(): Record<QueueName, number> | undefined {
  const trpc = useTRPC();
  const beats = useQuery(trpc.workers.list.queryOptions(undefined, { refetchInterval: 5_000, select: liveWorkersByQueue })).data;
  // The same query (and cache) as the oldest waits beside it: no extra request.
  const bull = useQuery(trpc.queues.oldestWaits.queryOptions(undefined, { refetchInterval: 10_000, select: (d) => d.bullWorkers })).data;
  return beats && withBullFallback(beats, bull);
}
