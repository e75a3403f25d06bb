import { useMutation, useQueryClient, type QueryFilters, type UseMutationOptions } from '@tanstack/react-query';
import { errorMessage, type useTRPC } from '../trpc.ts';
import { useToast } from './useToast.tsx';

interface ActionFeedback<TData, TVariables> {
  /** The success toast. */
  success: (data: TData, variables: TVariables) => string;
  /** The queries the action changes (e.g. `trpc.jobs.pathFilter()`); only these refetch. */
  invalidates: QueryFilters[];
}

/**
 * A console action as a react-query mutation (pass `trpc.x.y.mutationOptions(...)`): a toast with the
 * outcome (the server's message on failure), then a refetch of just the queries it affects. That
 * refetch also runs after a failure (the page was likely out of date) and keeps `isPending` true until
 * the page shows the new state, so buttons disabled on it stay so until then.
 */
export function useActionMutation<TData, TError, TVariables, TOnMutateResult>(
  options: UseMutationOptions<TData, TError, TVariables, TOnMutateResult>,
  { success, invalidates }: ActionFeedback<TData, TVariables>,
) {
  const queryClient = useQueryClient();
  const { show } = useToast();
  return useMutation({
    ...options,
    onSuccess: (data, variables, ...rest) => {
      show('success', success(data, variables));
      return options.onSuccess?.(data, variables, ...rest);
    },
    onError: (err, variables, ...rest) => {
      show('error', errorMessage(err));
      return options.onError?.(err, variables, ...rest);
    },
    onSettled: async (...args) => {
      await Promise.all(invalidates.map((filters) => queryClient.invalidateQueries(filters)));
      return options.onSettled?.(...args);
    },
  });
}

/** What adding, retrying, moving or removing jobs changes: queue counts and flags, job lists, searches and job pages. */
export function jobChanges(trpc: ReturnType<typeof useTRPC>): QueryFilters[] {
  return [trpc.queues.pathFilter(), trpc.jobs.pathFilter()];
}
