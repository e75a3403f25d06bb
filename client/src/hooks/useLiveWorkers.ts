import { useQuery } from '@tanstack/react-query';
import type { QueueName } from '../../../shared/queues.ts';
import { liveWorkersByQueue } from '../../../shared/workers.ts';
import { useTRPC } from '../trpc.ts';

/** Per queue, the live worker processes serving it (from their heartbeats); undefined until known. */
export function useLiveWorkerCounts(): Record<QueueName, number> | undefined {
  const trpc = useTRPC();
  return useQuery(trpc.workers.list.queryOptions(undefined, { refetchInterval: 5_000, select: liveWorkersByQueue })).data;
}
