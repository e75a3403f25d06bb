import { useQuery } from '@tanstack/react-query';
import { metricRangeSchema } from '../../../shared/api.ts';
import { QUEUE_NAMES } from '../../../shared/queues.ts';
import { DepthChart, RangePicker, ThroughputChart } from '../components/Charts.tsx';
import { QueueLatencyStats } from '../components/LatencyStats.tsx';
import { LiveIndicator } from '../components/LiveIndicator.tsx';
import { QueuePresence, useOldestWaits } from '../components/QueuePresence.tsx';
import { QueueStatusBadge } from '../components/QueueStatusBadge.tsx';
import { StatGrid } from '../components/StatGrid.tsx';
import { ErrorBox, Skeleton } from '../components/ui.tsx';
import { useLiveOverview } from '../hooks/useLiveOverview.ts';
import { useLiveWorkerCounts } from '../hooks/useLiveWorkers.ts';
import { failureRate, formatNumber } from '../lib/format.ts';
import { Link, useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

export function OverviewPage() {
  const { overview, mode, updatedAt, error } = useLiveOverview();
  const workers = useLiveWorkerCounts();
  const oldestWaits = useOldestWaits();
  const trpc = useTRPC();
  const rates = useQuery(trpc.metrics.rates.queryOptions(undefined, { refetchInterval: 15_000 }));
  // One read for every card: wait and processing percentiles over the last hour (cached 5 s server-side).
  const latency = useQuery(trpc.metrics.latency.queryOptions({ range: '1h' }, { refetchInterval: 10_000 }));
  const [range, setRange] = useSearchParam('range', metricRangeSchema, '1h');

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Overview</h1>
        <LiveIndicator mode={mode} updatedAt={updatedAt} />
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {overview ? <StatGrid stats={overview.totals} testId="totals" /> : <Skeleton className="h-20" />}

      <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3" data-testid="queue-cards">
        {overview
          ? overview.queues.map((q) => (
              <Link
                key={q.name}
                to={`/queues/${q.name}`}
                data-testid={`queue-card-${q.name}`}
                className="block rounded-lg bg-white p-4 ring-1 ring-slate-200 transition hover:ring-indigo-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:bg-slate-900 dark:ring-slate-700"
              >
                <div className="flex items-center justify-between">
                  <h2 className="font-semibold">{q.name}</h2>
                  <QueueStatusBadge isPaused={q.isPaused} waiting={q.stats.waiting} workers={workers?.[q.name]} />
                </div>
                <QueuePresence workers={workers?.[q.name]} oldestWaitMs={oldestWaits?.[q.name]} testId="queue-presence" className="mt-1" />
                <dl className="mt-3 grid grid-cols-3 gap-y-2 text-sm">
                  {(['waiting', 'active', 'completed', 'failed', 'delayed', 'paused'] as const).map((k) => (
                    <div key={k}>
                      <dt className="text-xs text-slate-500 dark:text-slate-400">{k}</dt>
                      <dd className="font-medium tabular-nums" data-stat={k}>
                        {formatNumber(q.stats[k])}
                      </dd>
                    </div>
                  ))}
                </dl>
                <QueueLatencyStats latency={latency.data?.[q.name]} failed={latency.isError} />
                <div className="mt-3 flex justify-between border-t border-slate-100 pt-2 text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400">
                  <span>failure rate {failureRate(q.stats.completed, q.stats.failed)}</span>
                  <span>{rates.data ? `${rates.data[q.name].perMinute} jobs/min` : '… jobs/min'}</span>
                </div>
              </Link>
            ))
          : QUEUE_NAMES.map((name) => <Skeleton key={name} className="h-60" />)}
      </div>

      <div className="flex items-center justify-between">
        <h2 className="text-lg font-semibold">Activity</h2>
        <RangePicker value={range} onChange={(r) => setRange(r, { replace: true })} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <ThroughputChart range={range} />
        <DepthChart range={range} />
      </div>
    </div>
  );
}
