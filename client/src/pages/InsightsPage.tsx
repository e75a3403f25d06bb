import { useQuery } from '@tanstack/react-query';
import { formatAmount, formatDay } from '../../../shared/insight-format.ts';
import type { InsightView, InsightsView } from '../../../shared/insights.ts';
import { INSIGHT_PERIODS, insightPeriodSchema } from '../../../shared/jobs.ts';
import { InsightChart } from '../components/InsightChart.tsx';
import { OrgPicker } from '../components/OrgPicker.tsx';
import { Badge, Button, Card, EmptyState, ErrorBox, ScrollBox, Skeleton, compactInputClass } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { useOrganizations } from '../hooks/useOrganizations.ts';
import { formatRelative } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const SEVERITY = {
  critical: { color: 'red', label: 'Needs attention' },
  warning: { color: 'amber', label: 'Worth a look' },
  positive: { color: 'green', label: 'Good news' },
  info: { color: 'gray', label: 'For information' },
} as const;

const KIND: Record<InsightView['type'], string> = {
  anomaly: 'Unusual day',
  total_change: 'Period total',
  trend: 'Trend',
  best_day: 'Best day',
  worst_day: 'Weakest day',
  roas: 'Return on ad spend',
};

const REFERENCE_LABEL: Record<InsightView['type'], string> = {
  anomaly: 'typical day',
  total_change: 'daily average before',
  trend: 'average day',
  best_day: 'average day',
  worst_day: 'average day',
  roas: '',
};

/** How many of the first insights get a wide card with a taller chart. */
const LEAD = 2;

const METRIC_WORDS: Record<string, string> = { refund_amount: 'refund amount', ad_spend: 'ad spend' };

export function InsightsPage() {
  const trpc = useTRPC();
  const { can } = useAuth();
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
        {can('operator') && (
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
          <div className="space-y-1 text-sm text-slate-600 dark:text-slate-300">
            <p>
              {selected.name}, {q.data.windowStart} to {q.data.windowEnd} · generated {formatRelative(Date.parse(q.data.generatedAt))}
              {q.data.currency && <> · amounts in {q.data.currency}</>}
            </p>
            <CurrencyNote view={q.data} />
          </div>
          {q.data.insights.length === 0 ? (
            <EmptyState title="Nothing notable">No metric moved enough to mention.</EmptyState>
          ) : (
            <>
              <p className="text-sm text-slate-600 dark:text-slate-300">Largest effect first: money before counts, changes before best and weakest days.</p>
              <ol className="grid gap-3 md:grid-cols-2" data-testid="insights">
                {q.data.insights.map((i, idx) => (
                  <li key={`${i.type}/${i.metric ?? ''}/${i.date ?? ''}/${i.headline}`} className={`min-w-0 ${idx < LEAD ? 'md:col-span-2' : ''}`}>
                    <InsightCard insight={i} view={q.data!} lead={idx < LEAD} />
                  </li>
                ))}
              </ol>
            </>
          )}
        </>
      )}
    </div>
  );
}

/** Said when the sales come in more than one currency: the money metrics add them up unconverted. */
function CurrencyNote({ view }: { view: InsightsView }) {
  if (view.currencies.length < 2) return null;
  const parts = view.currencies.map((c) => `${c.currency} (${Math.round(c.share * 100)}%)`);
  return (
    <p data-testid="currency-note">
      Sales are in {parts.slice(0, -1).join(', ')} and {parts[parts.length - 1]}: revenue and refunds add them up as they are, without converting. Amounts are
      shown in {view.currency}, the largest share.
    </p>
  );
}

function InsightCard({ insight: i, view, lead }: { insight: InsightView; view: InsightsView; lead: boolean }) {
  const points = i.metric ? (view.series[i.metric] ?? []) : [];
  const metricWords = i.metric ? (METRIC_WORDS[i.metric] ?? i.metric) : '';
  const chartLabel =
    `${i.summary}. Daily ${metricWords} from ${formatDay(view.windowStart)} to ${formatDay(view.windowEnd)}` +
    (i.date ? `, ${formatDay(i.date)} marked` : '') +
    (i.reference !== null ? `; dashed line: ${REFERENCE_LABEL[i.type]} (${formatAmount(i.reference, i.unit, view.currency)})` : '') +
    '.';
  const severity = SEVERITY[i.severity];
  return (
    <Card className="h-full">
      <div className="mb-1 flex flex-wrap items-center gap-2">
        <Badge color={severity.color}>{severity.label}</Badge>
        <span className="text-xs text-slate-600 dark:text-slate-300">{KIND[i.type]}</span>
      </div>
      <h2 className={`font-semibold break-words ${lead ? 'text-lg' : ''}`}>{i.summary}</h2>
      {points.length > 1 && (
        <InsightChart
          points={points}
          unit={i.unit}
          currency={view.currency}
          markDate={i.date}
          reference={i.reference}
          referenceLabel={REFERENCE_LABEL[i.type]}
          tone={i.tone}
          label={chartLabel}
          tall={lead}
        />
      )}
      <details className="mt-2 text-sm" data-testid="insight-details">
        <summary className="cursor-pointer font-medium text-indigo-700 dark:text-indigo-300">Details</summary>
        <p className="mt-1 text-slate-700 dark:text-slate-200">{i.detail}</p>
        <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[minmax(0,1fr)_auto]">
          {i.statistics.map((s) => (
            <div key={s.label} className="contents">
              <dt className="text-slate-600 dark:text-slate-300">{s.label}</dt>
              <dd className="font-mono break-words text-slate-900 sm:text-right dark:text-slate-100">{s.value}</dd>
            </div>
          ))}
        </dl>
        {points.length > 0 && (
          // The chart's numbers as text, the insight's day in bold.
          <ScrollBox
            as="div"
            label={`Daily ${metricWords}, ${formatDay(view.windowStart)} to ${formatDay(view.windowEnd)}, as a table`}
            className="mt-2 max-h-48 rounded ring-1 ring-slate-200 dark:ring-slate-700"
          >
            <table className="min-w-full text-xs tabular-nums">
              <thead className="sticky top-0 bg-slate-50 text-left text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                <tr>
                  <th scope="col" className="px-2 py-1 font-medium">
                    Day
                  </th>
                  <th scope="col" className="px-2 py-1 text-right font-medium">
                    Daily {metricWords}
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {points.map((p) => (
                  <tr key={p.date} className={p.date === i.date ? 'font-semibold' : ''}>
                    <th scope="row" className={`whitespace-nowrap px-2 py-1 text-left ${p.date === i.date ? 'font-semibold' : 'font-normal'}`}>
                      {formatDay(p.date, view.period === '1y')}
                    </th>
                    <td className="px-2 py-1 text-right">{formatAmount(p.value, i.unit, view.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        )}
      </details>
    </Card>
  );
}
