import { useQuery } from '@tanstack/react-query';
import { INSIGHT_PERIODS, insightPeriodSchema } from '../../../shared/jobs.ts';
import { OrgPicker } from '../components/OrgPicker.tsx';
import { Badge, Button, Card, EmptyState, ErrorBox, Skeleton, compactInputClass } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { useOrganizations } from '../hooks/useOrganizations.ts';
import { formatMetricNumber, formatRelative } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const SEVERITY_COLOR = { critical: 'red', warning: 'amber', positive: 'green', info: 'gray' } as const;

export function InsightsPage() {
  const trpc = useTRPC();
  const { isAdmin } = useAuth();
  const { orgs, selected, setOrg } = useOrganizations();
  const [period, setPeriod] = useSearchParam('period', insightPeriodSchema, '30d');
  const q = useQuery(trpc.insights.get.queryOptions({ organizationId: selected?.id ?? '', period }, { enabled: Boolean(selected), refetchInterval: 15_000 }));
  // The insights themselves arrive when the job has run (the page polls); now only the queue changes.
  const generate = useActionMutation(trpc.insights.generate.mutationOptions(), {
    success: (r) => `Insights job ${r.jobId} queued`,
    invalidates: jobChanges(trpc),
  });

  if (orgs.error) return <ErrorBox error={orgs.error} />;
  if (!orgs.data) return <Skeleton className="h-64" />;
  if (!selected) return <EmptyState title="No organizations yet">Seed the demo (npm run seed:demo) or add an organization.</EmptyState>;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="mr-auto text-2xl font-semibold">Insights</h1>
        <OrgPicker orgs={orgs.data} value={selected.id} onChange={(id) => setOrg(id)} />
        <select
          className={compactInputClass}
          aria-label="Period"
          value={period}
          onChange={(e) => setPeriod(insightPeriodSchema.safeParse(e.target.value).data, { replace: true })}
        >
          {INSIGHT_PERIODS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        {isAdmin && (
          <Button variant="primary" disabled={generate.isPending} onClick={() => generate.mutate({ organizationId: selected.id, period })}>
            Generate now
          </Button>
        )}
      </div>
      {q.error ? (
        <ErrorBox error={q.error} />
      ) : q.isPending ? (
        <Skeleton className="h-64" />
      ) : !q.data ? (
        <EmptyState title="No insights for this period yet">They are generated every 6 hours and after each sync with new data.</EmptyState>
      ) : (
        <>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            {selected.name}, {q.data.windowStart} to {q.data.windowEnd} · generated {formatRelative(Date.parse(q.data.generatedAt))}
          </p>
          {q.data.insights.length === 0 ? (
            <EmptyState title="Nothing notable">No metric moved enough to mention.</EmptyState>
          ) : (
            <div className="grid gap-3 md:grid-cols-2" data-testid="insights">
              {q.data.insights.map((i) => (
                <Card key={`${i.type}/${i.metric ?? ''}/${i.headline}`}>
                  <div className="mb-1 flex items-center gap-2">
                    <Badge color={SEVERITY_COLOR[i.severity]}>{i.severity}</Badge>
                    <span className="text-xs text-slate-500">{i.type.replace('_', ' ')}</span>
                  </div>
                  <h2 className="font-semibold">{i.headline}</h2>
                  <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">{i.detail}</p>
                  <dl className="mt-2 grid grid-cols-2 gap-x-3 text-xs text-slate-500">
                    {Object.entries(i.numbers).map(([k2, v]) => (
                      <div key={k2} className="flex justify-between gap-2">
                        <dt>{k2}</dt>
                        <dd className="font-mono">{v === null ? '—' : typeof v === 'number' ? formatMetricNumber(v) : v}</dd>
                      </div>
                    ))}
                  </dl>
                </Card>
              ))}
            </div>
          )}
        </>
      )}
    </div>
  );
}
