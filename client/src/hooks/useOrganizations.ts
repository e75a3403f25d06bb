import { useQuery } from '@tanstack/react-query';
import { textParamSchema } from '../../../shared/url-params.ts';
import { useTRPC } from '../trpc.ts';
import { useSearchParam } from '../router/router.tsx';

/** The organizations, and the one picked in the URL (?org=), defaulting to the first. */
export function useOrganizations() {
  const trpc = useTRPC();
  const orgs = useQuery(trpc.orgs.list.queryOptions(undefined, { staleTime: 30_000 }));
  const [orgParam, setOrg] = useSearchParam('org', textParamSchema, '');
  const selected = orgs.data?.find((o) => o.id === orgParam) ?? orgs.data?.[0];
  return { orgs, selected, setOrg };
}
