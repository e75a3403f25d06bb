import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../../server/http/trpc/router.ts';
import {
  ACTION_TIMEOUT_MS,
  QUERY_TIMEOUT_MS,
  RequestTimeoutError,
  SLOW_QUERY_TIMEOUT_MS,
  ServerUnreachableError,
  trackedFetch,
} from './api/connection-monitor.ts';

export type { AppRouter };

/** The one tRPC context of the console: useTRPC() gives typed queryOptions / mutationOptions. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * For a query known to take long (a deep search): `queryOptions(input, SLOW_REQUEST)` gives it its own request with
 * a longer time limit.
 */
export const SLOW_REQUEST = { trpc: { context: { slow: true } } };

/** A batch link whose requests give up after `ms` (queries) or ACTION_TIMEOUT_MS (mutations, POST). */
const batchLink = (queryTimeoutMs: number) =>
  httpBatchLink({
    url: '/trpc',
    fetch: (input, init) => trackedFetch(input, init as RequestInit, init?.method === 'POST' ? ACTION_TIMEOUT_MS : queryTimeoutMs),
  });

/**
 * Queries and mutations go batched over HTTP, each request with a time limit and watched by the connection monitor
 * (the outage banner); subscriptions over SSE (EventSource sends the cookie).
 */
export function createClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/trpc' }),
        false: splitLink({
          condition: (op) => op.context.slow === true,
          true: batchLink(SLOW_QUERY_TIMEOUT_MS),
          false: batchLink(QUERY_TIMEOUT_MS),
        }),
      }),
    ],
  });
}

export function isUnauthorized(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { httpStatus?: number } | undefined)?.httpStatus === 401;
}

function isForbidden(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { httpStatus?: number } | undefined)?.httpStatus === 403;
}

/**
 * Redis unavailable, the server unreachable, or no answer in time: not worth retrying at once (the outage banner
 * says it, and the console refetches everything when it ends).
 */
export function isOutage(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  if ((err.data as { appCode?: string } | undefined)?.appCode === 'REDIS_UNAVAILABLE') return true;
  return err.cause instanceof ServerUnreachableError || err.cause instanceof RequestTimeoutError;
}

/** Field errors the server attached to a failed call (zod or job payload), keyed by path. */
export function fieldErrorsOf(err: unknown): Record<string, string[]> | undefined {
  if (err instanceof TRPCClientError) return (err.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors ?? undefined;
  return undefined;
}

/** A failure as the console tells it; an action with no answer in time may still have been done. */
export function errorMessage(err: unknown): string {
  const cause = err instanceof TRPCClientError ? err.cause : err;
  if (cause instanceof RequestTimeoutError && cause.wasChange) {
    return `${cause.message}: the action may still have been applied; check before trying again`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A 401 anywhere sends the console back to the sign-in page; a 403 (the role was lowered since the page was loaded)
 * has the signed-in user read again, so the buttons the role no longer allows go away.
 */
export function createQueryClient(onUnauthorized: () => void, onForbidden: () => void = () => {}) {
  const onError = (err: unknown) => {
    if (isUnauthorized(err)) onUnauthorized();
    else if (isForbidden(err)) onForbidden();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (count, err) => !isUnauthorized(err) && !isOutage(err) && count < 2,
        staleTime: 1_000,
        refetchOnWindowFocus: true,
      },
    },
  });
}
