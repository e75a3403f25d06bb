import { keepPreviousData, useQuery, type QueryKey } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { jobStateSchema, metricRangeSchema } from '../../../shared/api.ts';
import { isQueueName, type JobStateName, type QueueName } from '../../../shared/queues.ts';
import { pageParamSchema, textParamSchema } from '../../../shared/url-params.ts';
import { DepthChart, LatencyChart, RangePicker, ThroughputChart } from '../components/Charts.tsx';
import { BulkBar } from '../components/BulkBar.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { JobTable, Pagination } from '../components/JobTable.tsx';
import { LiveIndicator } from '../components/LiveIndicator.tsx';
import { ExportMenu } from '../components/ExportMenu.tsx';
import { QueueActions } from '../components/QueueActions.tsx';
import { QueuePresence, useOldestWaits } from '../components/QueuePresence.tsx';
import { QueueStatusBadge } from '../components/QueueStatusBadge.tsx';
import { SearchResults } from '../components/SearchResults.tsx';
import { StateTabs } from '../components/StateTabs.tsx';
import { StatGrid } from '../components/StatGrid.tsx';
import { Button, EmptyState, ErrorBox, Skeleton, inputClass } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { useLiveOverview } from '../hooks/useLiveOverview.ts';
import { useLiveWorkerCounts } from '../hooks/useLiveWorkers.ts';
import { plural } from '../lib/format.ts';
import { Link, useLocation, useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';
import { NotFoundPage } from './NotFoundPage.tsx';

const PAGE_SIZE = 25;

export function QueuePage({ name }: { name: string }) {
  if (!isQueueName(name)) return <NotFoundPage what={`Queue "${name}"`} />;
  return <QueueView queue={name} />;
}

function QueueView({ queue }: { queue: QueueName }) {
  const { overview, mode, updatedAt } = useLiveOverview();
  const { can } = useAuth();
  const [state, setTab] = useSearchParam('tab', jobStateSchema, 'failed');
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  const [q, setQ] = useSearchParam('q', textParamSchema, '');
  const [range, setRange] = useSearchParam('range', metricRangeSchema, '1h');
  const info = overview?.queues.find((x) => x.name === queue);
  const workers = useLiveWorkerCounts()?.[queue];
  const oldestWait = useOldestWaits()?.[queue];

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <div className="flex items-center gap-3">
            <h1 className="text-2xl font-semibold">{queue}</h1>
            {info && <QueueStatusBadge isPaused={info.isPaused} waiting={info.stats.waiting} workers={workers} />}
          </div>
          <QueuePresence workers={workers} oldestWaitMs={oldestWait} testId="queue-presence" className="mt-1" />
        </div>
        <LiveIndicator mode={mode} updatedAt={updatedAt} />
      </div>
      {info ? <StatGrid stats={info.stats} testId="queue-stats" /> : <Skeleton className="h-20" />}
      {can('operator') && info && <QueueActions queue={queue} stats={info.stats} isPaused={info.isPaused} />}

      <SearchBox value={q} onSearch={(text) => setQ(text, { reset: ['page'] })} />
      <ExportMenu queue={queue} state={state} search={q} />
      {/* Everything the tab (and search) matches, not just this page: operators retry and promote, admins remove too. */}
      {can('operator') && <BulkBar filter={{ queue, state, search: q || undefined }} />}
      {q ? (
        <SearchResults queue={queue} text={q} state={state} />
      ) : (
        <>
          <StateTabs value={state} counts={info?.stats} onSelect={(s, opts) => setTab(s, { reset: ['page'], ...opts })} />
          <JobList queue={queue} state={state} page={page} onPage={(p) => setPage(p)} liveCount={info?.stats[state]} />
        </>
      )}

      {/* After the jobs, on every screen: what the on-call engineer opens the page for comes first. */}
      <div className="flex items-center justify-between">
        <h2 className="text-lg font-semibold">Activity</h2>
        <RangePicker value={range} onChange={(r) => setRange(r, { replace: true })} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <ThroughputChart queue={queue} range={range} />
        <DepthChart queue={queue} range={range} />
        <LatencyChart queue={queue} range={range} />
      </div>
    </div>
  );
}

function SearchBox({ value, onSearch }: { value: string; onSearch: (text: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <search>
      <form
        className="flex gap-2"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          onSearch(text.trim());
        }}
      >
        <input
          className={inputClass}
          type="search"
          placeholder="Search job ids, names and data…"
          aria-label="Search jobs"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit">Search</Button>
        {value && (
          <Button variant="ghost" onClick={() => onSearch('')}>
            Clear
          </Button>
        )}
      </form>
    </search>
  );
}

function JobList({
  queue,
  state,
  page,
  onPage,
  liveCount,
}: {
  queue: QueueName;
  state: JobStateName;
  page: number;
  onPage: (p: number) => void;
  /** The state's job count as the live overview has it now. */
  liveCount: number | undefined;
}) {
  const trpc = useTRPC();
  const { can } = useAuth();
  // Operators retry failed jobs and run delayed ones now; removing (any state but active) is for admins.
  const canRemove = can('admin') && state !== 'active';
  const selectable = canRemove || (can('operator') && (state === 'failed' || state === 'delayed'));
  const { path, search } = useLocation();
  const listId = `${queue}/${state}`;
  const list = useQuery(
    trpc.jobs.list.queryOptions(
      { queue, state, page, pageSize: PAGE_SIZE },
      {
        // Live on page 1 only: a further page stays as it was opened (rows moving under the reader lose their
        // place, and an idle page 1000 costs nothing); it says how many jobs came since instead.
        refetchInterval: page === 1 ? 3000 : false,
        refetchOnWindowFocus: page === 1,
        // Another page of the same list shows the last one (dimmed) while it loads; another tab or queue shows
        // a skeleton, never the previous tab's rows.
        placeholderData: (prev, prevQuery) => (listOfKey(prevQuery?.queryKey) === listId ? keepPreviousData(prev) : undefined),
      },
    ),
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // A selection belongs to one page of one list: another queue, state or page starts with none. Reset while
  // rendering (React's "adjusting state when a prop changes"), so no render shows the old page's selection.
  const listKey = `${queue}/${state}/${page}`;
  const [selectionList, setSelectionList] = useState(listKey);
  if (selectionList !== listKey) {
    setSelectionList(listKey);
    setSelected(new Set());
  }
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const invalidates = jobChanges(trpc);
  const retry = useActionMutation(trpc.jobs.retry.mutationOptions(), { success: bulkSummary('retried'), invalidates });
  const remove = useActionMutation(trpc.jobs.remove.mutationOptions(), { success: bulkSummary('removed'), invalidates });
  const promote = useActionMutation(trpc.jobs.promote.mutationOptions(), { success: bulkSummary('promoted'), invalidates });
  const busy = retry.isPending || remove.isPending || promote.isPending;

  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Skeleton className="h-64" />;
  const ids = [...selected];
  // Net new jobs in this state since this page was read (it is not refetched past page 1).
  const newSince = page > 1 && !list.isPlaceholderData && liveCount !== undefined ? liveCount - list.data.total : 0;
  const page1 = new URLSearchParams(search);
  page1.delete('page');
  const bulk = (action: typeof retry) => action.mutate({ queue, ids }, { onSettled: () => setSelected(new Set()) });

  return (
    <div className={`space-y-3 ${list.isPlaceholderData ? 'opacity-60' : ''}`} aria-busy={list.isPlaceholderData}>
      {newSince > 0 && (
        <p
          className="rounded-md bg-sky-50 p-2 text-sm text-sky-900 ring-1 ring-sky-200 dark:bg-sky-950 dark:text-sky-100 dark:ring-sky-900"
          data-testid="new-jobs"
        >
          {plural(newSince, `new ${state} job`, `new ${state} jobs`)} since you opened this page ·{' '}
          <Link to={`${path}${page1.size ? `?${page1}` : ''}`} className="font-medium underline">
            back to page 1
          </Link>
        </p>
      )}
      {selectable && selected.size > 0 && (
        <div className="flex flex-wrap items-center gap-2 rounded-md bg-indigo-50 p-2 text-sm dark:bg-indigo-950">
          <span>{selected.size} selected</span>
          {state === 'failed' && (
            <Button disabled={busy} onClick={() => bulk(retry)}>
              Retry selected
            </Button>
          )}
          {state === 'delayed' && (
            <Button disabled={busy} onClick={() => bulk(promote)}>
              Run selected now
            </Button>
          )}
          {canRemove && (
            <Button
              variant="danger"
              disabled={busy}
              onClick={() =>
                setConfirm({
                  title: `Remove ${selected.size} job(s)?`,
                  danger: true,
                  body: `The selected ${state} job(s) are deleted with their data and logs.`,
                  confirmLabel: 'Remove',
                  onConfirm: () => bulk(remove),
                })
              }
            >
              Remove selected
            </Button>
          )}
        </div>
      )}
      {list.data.jobs.length === 0 ? (
        <EmptyState title={`No ${state} jobs`}>
          {page > 1 ? `This page is past the end of the list (${plural(list.data.pages, 'page', 'pages')}).` : `Jobs that are ${state} show up here.`}
        </EmptyState>
      ) : (
        <JobTable
          jobs={list.data.jobs}
          queue={queue}
          showReason={state === 'failed'}
          selectable={selectable}
          selected={selected}
          onToggle={(id) => setSelected((s) => toggle(s, id))}
          onToggleAll={(all, on) => setSelected((s) => new Set(on ? [...s, ...all] : [...s].filter((x) => !all.includes(x))))}
        />
      )}
      <Pagination page={page} pages={list.data.pages} total={list.data.total} onPage={onPage} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}

/** Which queue and state a job-list query key asks for (tRPC keys are [path, {input, type}]). */
function listOfKey(key: QueryKey | undefined): string | undefined {
  const input = (key?.[1] as { input?: { queue?: string; state?: string } } | undefined)?.input;
  return input ? `${input.queue}/${input.state}` : undefined;
}

/** The toast of a bulk job action: how many were done, and why the first of any others was not. */
function bulkSummary(verb: string) {
  return (r: { done: unknown[]; failed: Array<{ error: string }> }) =>
    `${r.done.length} job(s) ${verb}${r.failed.length ? `, ${r.failed.length} could not be: ${r.failed[0].error}` : ''}`;
}

function toggle(set: Set<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
