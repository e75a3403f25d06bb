import { useQuery } from '@tanstack/react-query';
import { WORKER_GONE_AFTER_MS, type WorkerInfo } from '../../../shared/workers.ts';
import { Badge, EmptyState, QueryView, Table, TimeCell } from '../components/ui.tsx';
import { formatDuration, formatTime, plural } from '../lib/format.ts';
import { useTRPC } from '../trpc.ts';

/** Often enough that a worker that stopped shows as gone within a few seconds of the server saying so. */
const REFRESH_MS = 2_000;

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;
const ago = (ms: number) => (ms < 1_000 ? 'just now' : `${formatDuration(ms)} ago`);

export function WorkersPage() {
  const trpc = useTRPC();
  const q = useQuery(trpc.workers.list.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const live = q.data?.filter((w) => w.status === 'live').length ?? 0;
  const gone = (q.data?.length ?? 0) - live;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Workers</h1>
        {q.data && q.data.length > 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-300" aria-live="polite" data-testid="workers-summary">
            {plural(live, 'live worker', 'live workers')}
            {gone > 0 && `, ${gone} gone`}
          </p>
        )}
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Every worker process writes a heartbeat every 5 s. One that misses them for {WORKER_GONE_AFTER_MS / 1000} s is shown as gone (stopped, killed or cut off
        from Redis); its jobs are taken over by another worker once their locks lapse. Gone workers leave the list after an hour.
      </p>
      <QueryView
        query={q}
        isEmpty={(d) => d.length === 0}
        skeleton="h-48"
        empty={
          <EmptyState title="No worker processes are running">
            Jobs wait until one starts: <code className="font-mono">npm run worker</code> (or <code className="font-mono">npm start</code> with workers on).
          </EmptyState>
        }
      >
        {(workers) => (
          <>
            {live === 0 && (
              <p
                role="alert"
                className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900"
              >
                No live worker: jobs wait until one starts (npm run worker).
              </p>
            )}
            <Table
              testId="workers-table"
              columns={['Name', 'Status', 'Host', 'PID', 'Version', 'Started', 'Queues (active/concurrency)', 'RSS', 'Last heartbeat']}
            >
              {workers.map((w) => (
                <WorkerRow key={w.name} worker={w} />
              ))}
            </Table>
          </>
        )}
      </QueryView>
    </div>
  );
}

function WorkerRow({ worker: w }: { worker: WorkerInfo }) {
  const gone = w.status === 'gone';
  return (
    <tr data-testid={`worker-${w.name}`} data-status={w.status} className={gone ? 'text-slate-500 dark:text-slate-400' : undefined}>
      <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-medium">
        {w.name}
      </th>
      <td className="px-3 py-2" data-testid="worker-status">
        <Badge color={gone ? 'red' : 'green'}>{w.status}</Badge>
      </td>
      <td className="px-3 py-2">{w.host}</td>
      <td className="px-3 py-2 tabular-nums">{w.pid}</td>
      <td className="px-3 py-2 font-mono text-xs">{w.version}</td>
      <TimeCell at={w.startedAt} />
      <td className="px-3 py-2">
        {w.queues.length === 0 ? (
          '—'
        ) : (
          <ul className="flex flex-wrap gap-x-3 gap-y-1">
            {w.queues.map((q) => (
              <li key={q.queue} className="whitespace-nowrap">
                <span className="text-xs">{q.queue}</span>{' '}
                <span className="font-medium tabular-nums" aria-hidden>
                  {q.active}/{q.concurrency}
                </span>
                <span className="sr-only">
                  {q.active} of {q.concurrency} busy
                </span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="whitespace-nowrap px-3 py-2 tabular-nums">{mb(w.rssBytes)}</td>
      <td className="whitespace-nowrap px-3 py-2" title={formatTime(w.lastSeen)}>
        {ago(w.lastSeenAgoMs)}
      </td>
    </tr>
  );
}
