import { useQuery } from '@tanstack/react-query';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricRange } from '../../../shared/api.ts';
import type { QueueName } from '../../../shared/queues.ts';
import { useTRPC } from '../trpc.ts';
import { Card, EmptyState, Skeleton } from './ui.tsx';

const RANGES: MetricRange[] = ['1h', '24h', '7d'];

export function RangePicker({ value, onChange }: { value: MetricRange; onChange: (r: MetricRange) => void }) {
  return (
    <fieldset className="inline-flex overflow-hidden rounded-md ring-1 ring-slate-300 dark:ring-slate-600">
      <legend className="sr-only">Time range</legend>
      {RANGES.map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={value === r}
          onClick={() => onChange(r)}
          className={`px-2.5 py-1 text-xs font-medium ${value === r ? 'bg-indigo-600 text-white' : 'bg-white text-slate-700 hover:bg-slate-50 dark:bg-slate-800 dark:text-slate-200'}`}
        >
          {r}
        </button>
      ))}
    </fieldset>
  );
}

const tick = (range: MetricRange) => (t: number) =>
  range === '7d'
    ? new Date(t).toLocaleDateString(undefined, { weekday: 'short', hour: '2-digit' })
    : new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

const axis = { stroke: '#94a3b8', fontSize: 11 };

/** Completed and failed per bucket, from BullMQ's per-minute metrics. */
export function ThroughputChart({ queue, range, refreshMs = 15_000 }: { queue?: QueueName; range: MetricRange; refreshMs?: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.metrics.throughput.queryOptions({ queue, range }, { refetchInterval: refreshMs }));
  const points = q.data?.points ?? [];
  const total = points.reduce((s, p) => s + p.completed + p.failed, 0);
  return (
    <Card title={`Throughput${q.data ? ` (jobs per ${q.data.bucketMinutes === 1 ? 'minute' : `${q.data.bucketMinutes} min`})` : ''}`}>
      {q.isPending ? (
        <Skeleton className="h-48" />
      ) : total === 0 ? (
        <EmptyState title="No finished jobs in this range">Completed and failed jobs appear here as workers process them.</EmptyState>
      ) : (
        <div className="h-48" data-testid="throughput-chart">
          <ResponsiveContainer>
            <BarChart data={points}>
              <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
              <XAxis dataKey="t" tickFormatter={tick(range)} {...axis} minTickGap={30} />
              <YAxis allowDecimals={false} {...axis} width={40} />
              <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} />
              <Legend />
              <Bar dataKey="completed" stackId="a" fill="#10b981" name="Completed" isAnimationActive={false} />
              <Bar dataKey="failed" stackId="a" fill="#ef4444" name="Failed" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </Card>
  );
}

/** Waiting, active and failed over time, from the sampled depth history. */
export function DepthChart({ queue, range, refreshMs = 10_000 }: { queue?: QueueName; range: MetricRange; refreshMs?: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.metrics.depth.queryOptions({ queue, range }, { refetchInterval: refreshMs }));
  const points = q.data?.points ?? [];
  return (
    <Card title="Queue depth">
      {q.isPending ? (
        <Skeleton className="h-48" />
      ) : points.length < 2 ? (
        <EmptyState title="Collecting samples">Depth is sampled every 10 seconds; the chart fills in as samples arrive.</EmptyState>
      ) : (
        <div className="h-48" data-testid="depth-chart">
          <ResponsiveContainer>
            <AreaChart data={points}>
              <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
              <XAxis dataKey="t" tickFormatter={tick(range)} {...axis} minTickGap={30} />
              <YAxis allowDecimals={false} {...axis} width={40} />
              <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} />
              <Legend />
              <Area type="monotone" dataKey="waiting" stroke="#0ea5e9" fill="#0ea5e9" fillOpacity={0.2} name="Waiting" isAnimationActive={false} />
              <Area type="monotone" dataKey="active" stroke="#f59e0b" fill="#f59e0b" fillOpacity={0.2} name="Active" isAnimationActive={false} />
              <Area type="monotone" dataKey="failed" stroke="#ef4444" fill="#ef4444" fillOpacity={0.1} name="Failed" isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </div>
      )}
    </Card>
  );
}
