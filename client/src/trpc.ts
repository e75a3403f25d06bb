import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../../server/http/trpc/router.ts';

export type { AppRouter };

/** The one tRPC context of the console: useTRPC() gives typed queryOptions / mutationOptions. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Queries and mutations go batched over HTTP; subscriptions over SSE (EventSource sends the cookie). */
export function createClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/trpc' }),
        false: httpBatchLink({ url: '/trpc' }),
      }),
    ],
  });
}

export function isUnauthorized(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { httpStatus?: number } | undefined)?.httpStatus === 401;
}

/** Field errors the server attached to a failed call (zod or job payload), keyed by path. */
export function fieldErrorsOf(err: unknown): Record<string, string[]> | undefined {
  if (err instanceof TRPCClientError) return (err.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors ?? undefined;
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A 401 anywhere sends the console back to the sign-in page. */
export function createQueryClient(onUnauthorized: () => void) {
  const onError = (err: unknown) => {
    if (isUnauthorized(err)) onUnauthorized();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (count, err) => !isUnauthorized(err) && count < 2,
        staleTime: 1_000,
        refetchOnWindowFocus: true,
      },
    },
  });
}
