import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { METRIC_RANGES, metricRangeSchema, type MetricRange } from '../../../shared/api.ts';
import type { FailureGroupDetail, FailureGroupSummary } from '../../../shared/failures.ts';
import { QUEUE_NAMES, queueNameSchema } from '../../../shared/queues.ts';
import { pageParamSchema } from '../../../shared/url-params.ts';
import { BulkBar } from '../components/BulkBar.tsx';
import { ExportMenu } from '../components/ExportMenu.tsx';
import { Sparkline, sparklineLabel } from '../components/Sparkline.tsx';
import { Badge, Button, Card, EmptyState, QueryView, Table, compactInputClass, TimeCell } from '../components/ui.tsx';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatNumber, formatTime, plural } from '../lib/format.ts';
import { Link, useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const REFRESH_MS = 5_000;
const fingerprintParam = z.string().regex(/^[0-9a-f]{16}$/);
const RANGE_WORDS: Record<MetricRange, string> = { '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days' };

/**
 * Failures: failed-for-good jobs grouped by cause (error class, normalised message, our code's top frame), newest
 * spike first; a group opens its sample, stack and the jobs still failed. The view lives in the URL (queue, range,
 * group, page).
 */
export function FailuresPage() {
  const [group] = useSearchParam('group', fingerprintParam);
  return group ? <GroupView fingerprint={group} /> : <GroupList />;
}

function GroupList() {
  const trpc = useTRPC();
  const [queue, setQueue] = useSearchParam('queue', queueNameSchema);
  const [range, setRange] = useSearchParam('range', metricRangeSchema, '24h');
  const q = useQuery(trpc.failures.groups.queryOptions({ queue, range }, { refetchInterval: REFRESH_MS }));
  const total = q.data?.reduce((n, g) => n + g.count, 0) ?? 0;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Failures</h1>
        {q.data && q.data.length > 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-300" aria-live="polite" data-testid="failures-summary">
            {plural(q.data.length, 'group', 'groups')}, {plural(total, 'failure', 'failures')} in the {RANGE_WORDS[range]}
          </p>
        )}
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Jobs that failed for good, grouped by cause: the error, its message with ids, numbers and quoted values set aside, and where in our code it was thrown.
        The group with the most failures in the last hour comes first.
      </p>
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="mb-1 block font-medium">Queue</span>
          <select
            className={compactInputClass}
            value={queue ?? ''}
            onChange={(e) => setQueue(e.target.value ? queueNameSchema.parse(e.target.value) : undefined)}
          >
            <option value="">All queues</option>
            {QUEUE_NAMES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="inline-flex overflow-hidden rounded-md ring-1 ring-slate-300 dark:ring-slate-600">
          <legend className="sr-only">Time range</legend>
          {METRIC_RANGES.map((r) => (
            <button
              key={r}
              type="button"
              aria-pressed={range === r}
              onClick={() => setRange(r, { replace: true })}
              className={`px-2.5 py-1.5 text-xs font-medium ${range === r ? 'bg-indigo-600 text-white' : 'bg-white text-slate-700 hover:bg-slate-50 dark:bg-slate-800 dark:text-slate-200'}`}
            >
              {r}
            </button>
          ))}
        </fieldset>
      </div>
      <QueryView
        query={q}
        isEmpty={(d) => d.length === 0}
        skeleton="h-48"
        empty={
          <EmptyState title={`No failures in the ${RANGE_WORDS[range]}`}>
            {queue ? `No job of ${queue} failed for good in this range.` : 'No job failed for good in this range.'}
          </EmptyState>
        }
      >
        {(groups) => (
          <Table testId="failure-groups" columns={['Cause', 'Queue', 'Count', 'Last hour', '24 h', 'First seen', 'Last seen', 'Touches']}>
            {groups.map((g) => (
              <GroupRow key={g.fingerprint} group={g} range={range} />
            ))}
          </Table>
        )}
      </QueryView>
    </div>
  );
}

function GroupRow({ group: g, range }: { group: FailureGroupSummary; range: MetricRange }) {
  return (
    <tr data-testid={`failure-group-${g.fingerprint}`} data-count={g.count}>
      <th scope="row" className="max-w-xl px-3 py-2 text-left font-normal">
        <Link to={`/failures?group=${g.fingerprint}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300" data-testid="group-message">
          {g.message || '(no message)'}
        </Link>
        <div className="mt-0.5 font-mono text-xs text-slate-500 dark:text-slate-400">
          {g.errorName}
          {g.frame && ` · ${g.frame}`}
        </div>
      </th>
      <td className="px-3 py-2">
        <Link to={`/queues/${g.queue}`} className="hover:underline">
          {g.queue}
        </Link>
      </td>
      <td className="px-3 py-2 font-medium tabular-nums" data-testid="group-count" title={`failures in the ${RANGE_WORDS[range]}`}>
        {formatNumber(g.count)}
      </td>
      <td className="px-3 py-2 tabular-nums">{formatNumber(g.lastHour)}</td>
      <td className="px-3 py-2">
        <Sparkline values={g.sparkline} label={sparklineLabel(g.sparkline)} />
      </td>
      <TimeCell at={g.firstSeen} />
      <TimeCell at={g.lastSeen} />
      <td className="px-3 py-2">
        <Touches organizations={g.organizations} platforms={g.platforms} />
      </td>
    </tr>
  );
}

function Touches({ organizations, platforms }: { organizations: string[]; platforms: string[] }) {
  if (organizations.length === 0 && platforms.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <div className="flex max-w-xs flex-wrap gap-1">
      {platforms.map((p) => (
        <Badge key={`p-${p}`} color="blue">
          {p}
        </Badge>
      ))}
      {organizations.slice(0, 5).map((o) => (
        <Badge key={`o-${o}`}>{o}</Badge>
      ))}
      {organizations.length > 5 && <span className="text-xs text-slate-500 dark:text-slate-400">+{organizations.length - 5} more</span>}
    </div>
  );
}

function GroupView({ fingerprint }: { fingerprint: string }) {
  const trpc = useTRPC();
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  const q = useQuery(trpc.failures.group.queryOptions({ fingerprint, page }, { refetchInterval: REFRESH_MS }));
  return (
    <div className="space-y-4">
      <Link to="/failures" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
        ← All failures
      </Link>
      <QueryView query={q} isEmpty={() => false} empty={null} skeleton="h-64">
        {(g) => <GroupDetail group={g} onPage={(p) => setPage(p)} />}
      </QueryView>
    </div>
  );
}

function GroupDetail({ group: g, onPage }: { group: FailureGroupDetail; onPage: (p: number) => void }) {
  const { can } = useAuth();
  const pages = Math.max(1, Math.ceil(g.stillFailed / g.pageSize));
  return (
    <>
      <div className="space-y-1">
        <h1 className="text-xl font-semibold" data-testid="group-title">
          {g.message || '(no message)'}
        </h1>
        <p className="font-mono text-xs text-slate-600 dark:text-slate-300">
          {g.errorName}
          {g.frame && ` · ${g.frame}`} · <Link to={`/queues/${g.queue}`}>{g.queue}</Link>
        </p>
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        <Card title="Occurrences">
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-500 dark:text-slate-400">Last 24 hours</dt>
            <dd className="tabular-nums">{formatNumber(g.count)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Last hour</dt>
            <dd className="tabular-nums">{formatNumber(g.lastHour)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Since first seen</dt>
            <dd className="tabular-nums">{formatNumber(g.total)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">First seen</dt>
            <dd>{formatTime(g.firstSeen)}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Last seen</dt>
            <dd>{formatTime(g.lastSeen)}</dd>
          </dl>
          <div className="mt-3">
            <Sparkline values={g.sparkline} label={sparklineLabel(g.sparkline)} width={240} height={40} />
          </div>
          <div className="mt-3">
            <Touches organizations={g.organizations} platforms={g.platforms} />
          </div>
        </Card>
        <Card title="Sample">
          <p className="break-words text-sm" data-testid="group-sample">
            {g.sampleMessage}
          </p>
          <details className="mt-2">
            <summary className="cursor-pointer text-sm text-indigo-700 dark:text-indigo-300">Stack trace</summary>
            <pre className="mt-2 max-h-80 overflow-auto rounded bg-slate-50 p-2 text-xs dark:bg-slate-800">{g.sampleStack || '(none recorded)'}</pre>
          </details>
        </Card>
      </div>
      <Card
        title={
          <span data-testid="group-still-failed">
            {formatNumber(g.stillFailed)} of {plural(g.recorded, 'job', 'jobs')} still failed
          </span>
        }
      >
        {/* "Retry all in group" (and remove): every still-failed job of the group, with a confirmation, progress and Cancel. */}
        {can('operator') && (
          <div className="mb-3" data-testid="group-bulk-slot">
            <BulkBar filter={{ queue: g.queue, state: 'failed', group: g.fingerprint }} />
          </div>
        )}
        <div className="mb-3">
          <ExportMenu queue={g.queue} state="failed" group={g.fingerprint} />
        </div>
        {g.jobs.length === 0 ? (
          <EmptyState title="No job of this group is still failed">They were retried or removed; the group keeps counting new failures.</EmptyState>
        ) : (
          <Table testId="group-jobs" columns={['Job', 'Name', 'Failed reason', 'Attempts', 'Failed']}>
            {g.jobs.map((j) => (
              <tr key={j.id}>
                <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-medium">
                  <Link to={`/queues/${g.queue}/jobs/${encodeURIComponent(j.id)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                    {j.id}
                  </Link>
                </th>
                <td className="px-3 py-2">{j.name}</td>
                <td className="max-w-md truncate px-3 py-2" title={j.failedReason ?? ''}>
                  {j.failedReason ?? '—'}
                </td>
                <td className="px-3 py-2 tabular-nums">{j.attemptsMade}</td>
                <TimeCell at={j.finishedOn} />
              </tr>
            ))}
          </Table>
        )}
        {pages > 1 && (
          <nav aria-label="Pages of jobs" className="mt-3 flex items-center gap-2 text-sm">
            <Button disabled={g.page <= 1} onClick={() => onPage(g.page - 1)}>
              Previous
            </Button>
            <span>
              Page {g.page} of {pages}
            </span>
            <Button disabled={g.page >= pages} onClick={() => onPage(g.page + 1)}>
              Next
            </Button>
          </nav>
        )}
      </Card>
    </>
  );
}
