import type { inferRouterOutputs } from '@trpc/server';
import { useEffect, useState, type FormEvent } from 'react';
import type { JobStateName } from '../../../shared/queues.ts';
import type { AppRouter } from '../trpc.ts';
import { formatDuration, formatRelative, keyData, plural, truncate } from '../lib/format.ts';
import { pageWindow } from '../lib/paging.ts';
import { Link } from '../router/router.tsx';
import { Badge, STATE_COLORS } from './ui.tsx';

/** A job as the lists send it; search results also say the state each was found in. */
export type JobRow = inferRouterOutputs<AppRouter>['jobs']['list']['jobs'][number] & { state?: JobStateName };

interface Props {
  jobs: JobRow[];
  queue: string;
  selectable?: boolean;
  selected?: Set<string>;
  onToggle?: (id: string) => void;
  onToggleAll?: (ids: string[], on: boolean) => void;
  /** Each row's failed reason as a line under the name, and its latest stack trace to expand in the row. */
  showReason?: boolean;
  /** A state column (search results span states). */
  showState?: boolean;
}

// Long unbroken values (ids, URLs, reasons) wrap anywhere: unlike break-words, overflow-wrap: anywhere also
// lowers a table column's minimum width, so a row never pushes the page sideways.
const WRAP = 'wrap-anywhere';

/**
 * Jobs as a table, laid out for triage: the job column holds id, name and (failed jobs) the reason and an
 * expandable stack trace, so what went wrong is read without scrolling sideways; on phones the other columns
 * fold into a line under it.
 */
export function JobTable({ jobs, queue, selectable, selected, onToggle, onToggleAll, showReason, showState }: Props) {
  const allOn = jobs.length > 0 && jobs.every((j) => selected?.has(j.id));
  const now = Date.now();
  const wide = 'hidden sm:table-cell';
  const th = 'px-3 py-2';
  return (
    // The console's table look (ui.tsx Table), with header cells that fold away on phones like their columns.
    <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200 dark:ring-slate-700">
      <table className="min-w-full divide-y divide-slate-200 bg-white text-sm dark:divide-slate-700 dark:bg-slate-900" data-testid="job-table">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800 dark:text-slate-400">
          <tr>
            {selectable && (
              <th scope="col" className={th}>
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={allOn}
                  onChange={(e) =>
                    onToggleAll?.(
                      jobs.map((j) => j.id),
                      e.target.checked,
                    )
                  }
                />
              </th>
            )}
            <th scope="col" className={th}>
              Job
            </th>
            {showState && (
              <th scope="col" className={th}>
                State
              </th>
            )}
            <th scope="col" className={`${th} ${wide}`}>
              Data
            </th>
            <th scope="col" className={`${th} ${wide}`}>
              Attempts
            </th>
            <th scope="col" className={`${th} ${wide}`}>
              Created
            </th>
            <th scope="col" className={`${th} ${wide}`}>
              Duration
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {jobs.map((j) => {
            const attempts = `${j.attemptsMade}/${String(j.opts.attempts ?? 1)}`;
            const duration = j.finishedOn && j.processedOn ? formatDuration(j.finishedOn - j.processedOn) : '—';
            const stack = j.stacktrace.at(-1);
            return (
              <tr key={j.id} className="align-top hover:bg-slate-50 dark:hover:bg-slate-800/60" data-testid={`job-row-${j.id}`}>
                {selectable && (
                  <td className="px-3 py-2">
                    <input type="checkbox" aria-label={`Select job ${j.id}`} checked={selected?.has(j.id) ?? false} onChange={() => onToggle?.(j.id)} />
                  </td>
                )}
                <td className="min-w-0 px-3 py-2">
                  <Link
                    to={`/queues/${queue}/jobs/${encodeURIComponent(j.id)}`}
                    className="font-mono text-xs text-indigo-700 hover:underline dark:text-indigo-300"
                    title={j.id.length > 28 ? j.id : undefined}
                  >
                    {truncate(j.id, 28)}
                  </Link>
                  <div className={`text-slate-700 dark:text-slate-200 ${WRAP}`}>{j.name}</div>
                  {showReason && j.failedReason && (
                    <p className={`mt-0.5 text-red-700 dark:text-red-400 ${WRAP}`} data-testid="job-reason">
                      {j.failedReason}
                    </p>
                  )}
                  {showReason && stack && (
                    <details className="mt-1 text-xs">
                      <summary className="cursor-pointer text-slate-600 dark:text-slate-300">
                        Stack trace{j.stacktrace.length > 1 ? ` (latest of ${j.stacktrace.length})` : ''}
                      </summary>
                      {/* Shown whole when opened (no inner scroll region to reach by keyboard); wrapped, never wider than the row. */}
                      <pre className={`mt-1 whitespace-pre-wrap rounded bg-slate-950 p-2 font-mono text-slate-100 ${WRAP}`} data-testid="job-stack">
                        {stack}
                      </pre>
                    </details>
                  )}
                  <p className="mt-0.5 text-xs text-slate-600 sm:hidden dark:text-slate-300">
                    {attempts} attempts · {formatRelative(j.timestamp, now)}
                    {duration !== '—' && ` · took ${duration}`}
                  </p>
                </td>
                {showState && <td className="px-3 py-2">{j.state && <Badge color={STATE_COLORS[j.state] ?? 'gray'}>{j.state}</Badge>}</td>}
                <td className={`max-w-64 truncate px-3 py-2 text-slate-600 dark:text-slate-300 ${wide}`} title={keyData(j.data)}>
                  {keyData(j.data)}
                </td>
                <td className={`px-3 py-2 tabular-nums ${wide}`}>{attempts}</td>
                <td className={`whitespace-nowrap px-3 py-2 text-slate-600 dark:text-slate-300 ${wide}`} title={new Date(j.timestamp).toLocaleString()}>
                  {formatRelative(j.timestamp, now)}
                </td>
                <td className={`whitespace-nowrap px-3 py-2 tabular-nums ${wide}`}>{duration}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const pageButton =
  'min-w-8 rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40 dark:ring-slate-600 aria-[current=page]:bg-indigo-600 aria-[current=page]:text-white aria-[current=page]:ring-indigo-600';

/** Numbered pages with first, previous, next and last, and a box to jump to any page in one step. */
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
  const [box, setBox] = useState(String(page));
  useEffect(() => setBox(String(page)), [page]);
  const go = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(box);
    if (Number.isInteger(n)) onPage(Math.min(Math.max(1, n), pages));
  };
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600 dark:text-slate-300">
      <span>
        {plural(total, ...noun)} · page {page.toLocaleString('en-US')} of {pages.toLocaleString('en-US')}
      </span>
      {pages > 1 && (
        <span className="flex flex-wrap items-center gap-1">
          <button type="button" className={pageButton} disabled={page <= 1} onClick={() => onPage(1)} aria-label="First page">
            «
          </button>
          <button type="button" className={pageButton} disabled={page <= 1} onClick={() => onPage(page - 1)} aria-label="Previous page">
            ‹
          </button>
          {pageWindow(page, pages).map((p, i) =>
            p === null ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: a gap has no identity but its place.
              <span key={`gap-${i}`} aria-hidden className="px-1">
                …
              </span>
            ) : (
              <button
                key={p}
                type="button"
                className={`${pageButton} tabular-nums`}
                aria-current={p === page ? 'page' : undefined}
                aria-label={`Page ${p}`}
                onClick={() => onPage(p)}
              >
                {p}
              </button>
            ),
          )}
          <button type="button" className={pageButton} disabled={page >= pages} onClick={() => onPage(page + 1)} aria-label="Next page">
            ›
          </button>
          <button type="button" className={pageButton} disabled={page >= pages} onClick={() => onPage(pages)} aria-label="Last page">
            »
          </button>
          <form onSubmit={go} className="ml-1 flex items-center gap-1">
            <input
              type="number"
              min={1}
              max={pages}
              value={box}
              onChange={(e) => setBox(e.target.value)}
              aria-label={`Go to page (1 to ${pages})`}
              className="w-20 rounded border border-slate-300 bg-white px-1.5 py-1 text-slate-900 tabular-nums dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100"
            />
            <button type="submit" className={pageButton}>
              Go
            </button>
          </form>
        </span>
      )}
    </nav>
  );
}
