import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../trpc.ts';

export type LiveMode = 'live' | 'polling' | 'connecting';

/**
 * The overview, pushed over SSE by the server's shared poll; when the stream fails (a proxy that
 * buffers SSE, say) it falls back to polling every 3 s and retries the stream in the background.
 */
export function useLiveOverview() {
  const trpc = useTRPC();
  const sub = useSubscription(trpc.queues.live.subscriptionOptions(undefined));
  const [failedOnce, setFailedOnce] = useState(false);
  useEffect(() => {
    if (sub.status === 'error') setFailedOnce(true);
    if (sub.status === 'pending' && sub.data) setFailedOnce(false);
  }, [sub.status, sub.data]);

  const streaming = sub.status === 'pending' && Boolean(sub.data);
  const poll = useQuery(trpc.queues.overview.queryOptions(undefined, { refetchInterval: 3000, enabled: !streaming }));
  const overview = streaming ? sub.data : (poll.data ?? sub.data);
  const mode: LiveMode = streaming ? 'live' : failedOnce || poll.data ? 'polling' : 'connecting';
  return { overview, mode, updatedAt: overview?.at, error: !streaming && poll.error ? poll.error : undefined };
}
