import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LatencyPoint, MetricRange, Percentiles } from '../../../shared/api.ts';
import type { QueueName } from '../../../shared/queues.ts';
import { compactAxisWidth, compactNumber, depthSummary, tableTime, throughputSummary } from '../lib/chart-format.ts';
import { formatNumber } from '../lib/format.ts';
import { formatSeconds, latencySummary, latencyTicks, rangePhrase } from '../lib/latency-format.ts';
import { useTRPC } from '../trpc.ts';
import { Card, EmptyState, ErrorBox, ScrollBox, Skeleton } from './ui.tsx';

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

/**
 * Axis lines and tick labels in the text colour of the chart's box (slate-500 / dark slate-400: 4.8:1 and
 * 6.8:1 on the cards), since recharts fills tick text with the axis stroke.
 */
const axis = { stroke: 'currentColor', fontSize: 11 };
const AXIS_TEXT = 'text-slate-500 dark:text-slate-400';

/** Legend entries in body text colour: the series colours themselves are too light to read as text. */
const legendText = (value: ReactNode) => <span className="text-xs text-slate-700 dark:text-slate-200">{value}</span>;

interface TableView {
  /** Column headers after "Time". */
  columns: string[];
  rows: Array<{ t: number; cells: ReactNode[] }>;
}

/**
 * A chart with its text equivalents: a one-line summary above it (also the chart's accessible name, the
 * chart being one image to assistive technology: recharts' own keyboard layer is off), and a toggle to
 * read the same numbers as a table.
 */
function ChartView({
  title,
  summary,
  testId,
  height,
  table,
  children,
}: {
  title: string;
  summary: string;
  testId: string;
  height: string;
  table: TableView;
  children: ReactNode;
}) {
  const [asTable, setAsTable] = useState(false);
  return (
    <div className="min-w-0">
      <div className="mb-1 flex items-start justify-between gap-2">
        <p className="text-xs text-slate-600 dark:text-slate-300" data-testid={`${testId}-summary`}>
          {summary}
        </p>
        <button
          type="button"
          className="shrink-0 rounded text-xs font-medium text-indigo-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
          onClick={() => setAsTable((t) => !t)}
        >
          {asTable ? 'Show as chart' : 'Show as table'}
          <span className="sr-only"> for {title}</span>
        </button>
      </div>
      {asTable ? (
        <ScrollBox as="div" label={`${title} as a table`} className={`${height} rounded ring-1 ring-slate-200 dark:ring-slate-700`} testId={`${testId}-table`}>
          <table className="min-w-full text-xs tabular-nums">
            <thead className="sticky top-0 bg-slate-50 text-left text-slate-600 dark:bg-slate-800 dark:text-slate-300">
              <tr>
                {['Time', ...table.columns].map((c) => (
                  <th key={c} scope="col" className="px-2 py-1 font-medium">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {table.rows.map((r) => (
                <tr key={r.t}>
                  <th scope="row" className="whitespace-nowrap px-2 py-1 text-left font-normal">
                    {tableTime(r.t)}
                  </th>
                  {r.cells.map((c, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a row's cells are in column order; the position is the column.
                    <td key={i} className="px-2 py-1">
                      {c}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ) : (
        <div className={`${height} ${AXIS_TEXT}`} role="img" aria-label={summary} data-testid={testId}>
          {children}
        </div>
      )}
    </div>
  );
}

/** Completed and failed per bucket, from BullMQ's per-minute metrics. */
export function ThroughputChart({ queue, range, refreshMs = 15_000 }: { queue?: QueueName; range: MetricRange; refreshMs?: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.metrics.throughput.queryOptions({ queue, range }, { refetchInterval: refreshMs }));
  const points = q.data?.points ?? [];
  const total = points.reduce((s, p) => s + p.completed + p.failed, 0);
  const top = Math.max(0, ...points.map((p) => p.completed + p.failed));
  return (
    <Card title={`Throughput${q.data ? ` (jobs per ${q.data.bucketMinutes === 1 ? 'minute' : `${q.data.bucketMinutes} min`})` : ''}`}>
      {q.isPending ? (
        <Skeleton className="h-48" />
      ) : total === 0 || !q.data ? (
        <EmptyState title="No finished jobs in this range">Completed and failed jobs appear here as workers process them.</EmptyState>
      ) : (
        <ChartView
          title="Throughput"
          summary={throughputSummary(points, q.data.bucketMinutes, range)}
          testId="throughput-chart"
          height="h-48"
          table={{ columns: ['Completed', 'Failed'], rows: points.map((p) => ({ t: p.t, cells: [formatNumber(p.completed), formatNumber(p.failed)] })) }}
        >
          <ResponsiveContainer>
            <BarChart data={points} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
              <XAxis dataKey="t" tickFormatter={tick(range)} {...axis} minTickGap={30} />
              <YAxis allowDecimals={false} tickFormatter={compactNumber} {...axis} width={compactAxisWidth(top)} />
              <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} />
              <Legend formatter={legendText} />
              <Bar dataKey="completed" stackId="a" fill="#10b981" name="Completed" isAnimationActive={false} />
              <Bar dataKey="failed" stackId="a" fill="#ef4444" name="Failed" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </ChartView>
      )}
    </Card>
  );
}

/** Waiting, active and failed over time, from the sampled depth history. */
export function DepthChart({ queue, range, refreshMs = 10_000 }: { queue?: QueueName; range: MetricRange; refreshMs?: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.metrics.depth.queryOptions({ queue, range }, { refetchInterval: refreshMs }));
  const points = q.data?.points ?? [];
  const top = Math.max(0, ...points.flatMap((p) => [p.waiting, p.active, p.failed]));
  return (
    <Card title="Queue depth">
      {q.isPending ? (
        <Skeleton className="h-48" />
      ) : points.length < 2 ? (
        <EmptyState title="Collecting samples">Depth is sampled every 10 seconds; the chart fills in as samples arrive.</EmptyState>
      ) : (
        <ChartView
          title="Queue depth"
          summary={depthSummary(points, range)}
          testId="depth-chart"
          height="h-48"
          table={{
            columns: ['Waiting', 'Active', 'Failed'],
            rows: points.map((p) => ({ t: p.t, cells: [formatNumber(p.waiting), formatNumber(p.active), formatNumber(p.failed)] })),
          }}
        >
          <ResponsiveContainer>
            <AreaChart data={points} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
              <XAxis dataKey="t" tickFormatter={tick(range)} {...axis} minTickGap={30} />
              {/* Compact ticks ("200k", "1.2M") in an axis wide enough for them: "200000" used to be cut to ":00000". */}
              <YAxis allowDecimals={false} tickFormatter={compactNumber} {...axis} width={compactAxisWidth(top)} />
              <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} formatter={(v) => (typeof v === 'number' ? formatNumber(v) : v)} />
              <Legend formatter={legendText} />
              <Area type="monotone" dataKey="waiting" stroke="#0ea5e9" fill="#0ea5e9" fillOpacity={0.2} name="Waiting" isAnimationActive={false} />
              <Area type="monotone" dataKey="active" stroke="#f59e0b" fill="#f59e0b" fillOpacity={0.2} name="Active" isAnimationActive={false} />
              <Area type="monotone" dataKey="failed" stroke="#ef4444" fill="#ef4444" fillOpacity={0.1} name="Failed" isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </ChartView>
      )}
    </Card>
  );
}

const LATENCY_KINDS = [
  { kind: 'wait', label: 'Wait', meaning: 'from ready to started', none: 'No job started' },
  { kind: 'processing', label: 'Processing', meaning: 'time in the processor', none: 'No job finished' },
] as const;

const PERCENTILE_LINES = [
  { key: 'p50', color: '#10b981' },
  { key: 'p95', color: '#f59e0b' },
  { key: 'p99', color: '#ef4444' },
] as const;

/**
 * Wait and processing p50/p95/p99 per minute (1 h) or hour (24 h, 7 d), side by side. Each chart is an
 * image named by its summary over the whole range (from `metrics.latency`, since per-bucket percentiles
 * cannot be combined into the range's).
 */
export function LatencyChart({ queue, range, refreshMs = 10_000 }: { queue: QueueName; range: MetricRange; refreshMs?: number }) {
  const trpc = useTRPC();
  const series = useQuery(trpc.metrics.latencySeries.queryOptions({ queue, range }, { refetchInterval: refreshMs }));
  const totals = useQuery(trpc.metrics.latency.queryOptions({ range }, { refetchInterval: refreshMs }));
  const error = series.error ?? totals.error;
  return (
    <Card title="Latency (p50 / p95 / p99)" className="lg:col-span-2">
      {error ? (
        <ErrorBox error={error} />
      ) : !series.data || !totals.data ? (
        <Skeleton className="h-48" />
      ) : (
        <div className="grid gap-4 md:grid-cols-2" data-testid="latency-chart">
          {LATENCY_KINDS.map((k) => (
            <LatencyPanel key={k.kind} {...k} range={range} points={series.data} total={totals.data[queue][k.kind]} />
          ))}
        </div>
      )}
    </Card>
  );
}

function LatencyPanel({
  kind,
  label,
  meaning,
  none,
  range,
  points,
  total,
}: (typeof LATENCY_KINDS)[number] & { range: MetricRange; points: LatencyPoint[]; total: Percentiles }) {
  const rows = points.map((p) => ({ t: p.t, ...p[kind] }));
  const hasData = total.count > 0 || rows.some((r) => r.count > 0);
  const ticks = latencyTicks(Math.max(0, ...rows.flatMap((r) => [r.p50 ?? 0, r.p95 ?? 0, r.p99 ?? 0])));
  return (
    <div className="min-w-0">
      <h3 className="text-xs font-medium text-slate-600 dark:text-slate-300">
        {label} <span className="font-normal text-slate-500 dark:text-slate-400">({meaning})</span>
      </h3>
      {!hasData ? (
        <div className="mt-2">
          <EmptyState title={`${none} in ${rangePhrase(range)}`}>Percentiles appear here as workers process jobs.</EmptyState>
        </div>
      ) : (
        <div className="mt-1">
          <ChartView
            title={`${label} latency`}
            summary={latencySummary(label, total, range)}
            testId={`latency-chart-${kind}`}
            height="h-44"
            table={{
              columns: ['p50', 'p95', 'p99', 'Jobs'],
              rows: rows.map((r) => ({ t: r.t, cells: [formatSeconds(r.p50), formatSeconds(r.p95), formatSeconds(r.p99), formatNumber(r.count)] })),
            }}
          >
            <ResponsiveContainer>
              <LineChart data={rows} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
                <XAxis dataKey="t" tickFormatter={tick(range)} {...axis} minTickGap={30} />
                <YAxis
                  domain={[0, ticks[ticks.length - 1]]}
                  ticks={ticks}
                  interval={0}
                  tickFormatter={(s: number) => (s === 0 ? '0' : formatSeconds(s))}
                  {...axis}
                  width={60}
                />
                <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} formatter={(v) => (typeof v === 'number' ? formatSeconds(v) : '—')} />
                <Legend formatter={legendText} />
                {PERCENTILE_LINES.map((l) => (
                  <Line
                    key={l.key}
                    type="monotone"
                    dataKey={l.key}
                    name={l.key}
                    stroke={l.color}
                    strokeWidth={l.key === 'p95' ? 2 : 1.5}
                    dot={{ r: 1.5 }}
                    connectNulls
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </ChartView>
        </div>
      )}
    </div>
  );
}
