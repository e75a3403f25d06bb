import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { errorMessage, useTRPCClient } from '../trpc.ts';
import { useToast } from './useToast.tsx';

/**
 * Runs an admin action through the typed client: a toast with the outcome (the server's message
 * on failure), then every query refetches so the page shows the new state at once.
 */
export function useAction() {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { show } = useToast();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async <T,>(fn: (c: typeof client) => Promise<T>, success: (result: T) => string): Promise<T | undefined> => {
      setBusy(true);
      try {
        const result = await fn(client);
        show('success', success(result));
        return result;
      } catch (err) {
        show('error', errorMessage(err));
        return undefined;
      } finally {
        setBusy(false);
        void queryClient.invalidateQueries();
      }
    },
    [client, queryClient, show],
  );
  return { run, busy, client };
}
