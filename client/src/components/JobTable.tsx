import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../trpc.ts';
import { formatDuration, formatRelative, keyData, plural, truncate } from '../lib/format.ts';
import { Link } from '../router/router.tsx';
import { Table } from './ui.tsx';

export type JobRow = inferRouterOutputs<AppRouter>['jobs']['list']['jobs'][number];

interface Props {
  jobs: JobRow[];
  queue: string;
  selectable?: boolean;
  selected?: Set<string>;
  onToggle?: (id: string) => void;
  onToggleAll?: (ids: string[], on: boolean) => void;
  showReason?: boolean;
}

/** Jobs as a table: id, name, key data, attempts, age, duration, failure reason; rows open the job. */
export function JobTable({ jobs, queue, selectable, selected, onToggle, onToggleAll, showReason }: Props) {
  const allOn = jobs.length > 0 && jobs.every((j) => selected?.has(j.id));
  const now = Date.now();
  return (
    <Table
      testId="job-table"
      columns={[
        ...(selectable
          ? [
              <input
                key="all"
                type="checkbox"
                aria-label="Select all on this page"
                checked={allOn}
                onChange={(e) =>
                  onToggleAll?.(
                    jobs.map((j) => j.id),
                    e.target.checked,
                  )
                }
              />,
            ]
          : []),
        'Id',
        'Name',
        'Data',
        'Attempts',
        'Created',
        'Duration',
        ...(showReason ? ['Failed reason'] : []),
      ]}
    >
      {jobs.map((j) => (
        <tr key={j.id} className="hover:bg-slate-50 dark:hover:bg-slate-800/60" data-testid={`job-row-${j.id}`}>
          {selectable && (
            <td className="px-3 py-2">
              <input type="checkbox" aria-label={`Select job ${j.id}`} checked={selected?.has(j.id) ?? false} onChange={() => onToggle?.(j.id)} />
            </td>
          )}
          <td className="px-3 py-2 font-mono text-xs">
            <Link to={`/queues/${queue}/jobs/${encodeURIComponent(j.id)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
              {truncate(j.id, 28)}
            </Link>
          </td>
          <td className="px-3 py-2">{j.name}</td>
          <td className="max-w-64 truncate px-3 py-2 text-slate-600 dark:text-slate-300" title={keyData(j.data)}>
            {keyData(j.data)}
          </td>
          <td className="px-3 py-2 tabular-nums">
            {j.attemptsMade}/{String(j.opts.attempts ?? 1)}
          </td>
          <td className="whitespace-nowrap px-3 py-2 text-slate-600 dark:text-slate-300" title={new Date(j.timestamp).toLocaleString()}>
            {formatRelative(j.timestamp, now)}
          </td>
          <td className="whitespace-nowrap px-3 py-2 tabular-nums">{j.finishedOn && j.processedOn ? formatDuration(j.finishedOn - j.processedOn) : '—'}</td>
          {showReason && (
            <td className="max-w-80 truncate px-3 py-2 text-red-700 dark:text-red-400" title={j.failedReason ?? ''}>
              {j.failedReason}
            </td>
          )}
        </tr>
      ))}
    </Table>
  );
}

export function Pagination({
  page,
  pages,
  total,
  onPage,
  noun = ['job', 'jobs'],
}: {
  page: number;
  pages: number;
  total: number;
  onPage: (p: number) => void;
  noun?: [string, string];
}) {
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between text-sm text-slate-600 dark:text-slate-300">
      <span>
        {plural(total, ...noun)} · page {page} of {pages}
      </span>
      <span className="flex gap-1">
        <button
          type="button"
          className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40 dark:ring-slate-600"
          disabled={page <= 1}
          onClick={() => onPage(page - 1)}
        >
          ← Previous
        </button>
        <button
          type="button"
          className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40 dark:ring-slate-600"
          disabled={page >= pages}
          onClick={() => onPage(page + 1)}
        >
          Next →
        </button>
      </span>
    </nav>
  );
}
