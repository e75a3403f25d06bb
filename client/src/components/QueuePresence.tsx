import { useQuery } from '@tanstack/react-query';
import type { OldestWaits } from '../../../shared/queues.ts';
import { formatDuration, plural } from '../lib/format.ts';
import { useTRPC } from '../trpc.ts';

/** Per queue, how long its oldest waiting job has waited (ms, as the server read it); undefined until known. */
export function useOldestWaits(): OldestWaits['ageMs'] | undefined {
  const trpc = useTRPC();
  // Its own read every 10 s: the overview's live stream stays one round trip.
  return useQuery(trpc.queues.oldestWaits.queryOptions(undefined, { refetchInterval: 10_000, select: (d) => d.ageMs })).data;
}

/** "4 min", or "under 1 s" for a job that has only just become ready. */
export function waitAge(ms: number): string {
  return ms < 1000 ? 'under 1 s' : formatDuration(ms);
}

/**
 * A queue's worker presence beside its status badge: how many live worker processes serve it (from their
 * heartbeats) and how long its oldest waiting job has waited. "…" while not yet read.
 */
export function QueuePresence({
  workers,
  oldestWaitMs,
  testId,
  className = '',
}: {
  workers: number | undefined;
  oldestWaitMs: number | null | undefined;
  testId?: string;
  className?: string;
}) {
  return (
    <p className={`flex flex-wrap gap-x-3 text-xs text-slate-600 dark:text-slate-300 ${className}`} data-testid={testId}>
      <span data-testid="worker-count">{workers === undefined ? '… workers' : plural(workers, 'worker', 'workers')}</span>
      <span data-testid="oldest-wait">
        {oldestWaitMs === undefined ? 'oldest waiting …' : oldestWaitMs === null ? 'none waiting' : `oldest waiting ${waitAge(oldestWaitMs)}`}
      </span>
    </p>
  );
}
