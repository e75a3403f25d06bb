import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { SEARCH_DEEPEST_SCAN, SEARCH_MAX_SCAN } from '../../../shared/api.ts';
import type { JobStateName, QueueName } from '../../../shared/queues.ts';
import { jobsRead, mergeChunk, nextChunk, searchStop, type SearchProgress } from '../lib/deep-search.ts';
import { formatNumber } from '../lib/format.ts';
import { SLOW_REQUEST, errorMessage, useTRPC, useTRPCClient } from '../trpc.ts';
import { JobTable, type JobRow } from './JobTable.tsx';
import { Button, EmptyState, ErrorBox, Skeleton } from './ui.tsx';

/** Matches shown at most; the wording says so when there may be more. */
const LIMIT = 50;
/** Jobs one "Search deeper" call reads: progress moves every call, and each call stays short. */
const CHUNK = 10_000;

type Deep = { progress: SearchProgress<JobRow>; running: boolean; cancelled: boolean; error?: string };

/**
 * A queue's search results. The first call reads the newest SEARCH_MAX_SCAN jobs; "Search deeper" goes on
 * in calls of CHUNK jobs up to SEARCH_DEEPEST_SCAN, with a progress bar and Cancel.
 */
export function SearchResults({ queue, text, state }: { queue: QueueName; text: string; state: JobStateName }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [allStates, setAllStates] = useState(true);
  const scope = allStates ? undefined : state;
  const first = useQuery(
    trpc.jobs.search.queryOptions({ queue, text, state: scope, limit: LIMIT, maxScan: SEARCH_MAX_SCAN }, { ...SLOW_REQUEST, refetchOnWindowFocus: false }),
  );

  // A deeper search belongs to one question: another text or scope starts afresh (and stops a running one).
  const key = `${queue}\n${text}\n${scope ?? ''}`;
  const [deep, setDeep] = useState<Deep & { key: string }>();
  const abort = useRef<AbortController | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key is the point: a new question (or leaving) stops the running one.
  useEffect(() => () => abort.current?.abort(), [key]);

  if (first.error) return <ErrorBox error={first.error} />;
  if (!first.data) return <Skeleton className="h-40" />;
  const progress: SearchProgress<JobRow> = deep?.key === key ? deep.progress : first.data;
  const stop = searchStop(progress, LIMIT, SEARCH_DEEPEST_SCAN);
  const running = deep?.key === key && deep.running;

  async function searchDeeper(from: SearchProgress<JobRow>) {
    const controller = new AbortController();
    abort.current?.abort();
    abort.current = controller;
    let p = from;
    setDeep({ key, progress: p, running: true, cancelled: false });
    try {
      for (let input = nextChunk(p, { limit: LIMIT, chunk: CHUNK, deepest: SEARCH_DEEPEST_SCAN }); input; ) {
        const chunk = await client.jobs.search.query(
          { queue, text, state: scope, ...input },
          { signal: controller.signal, context: SLOW_REQUEST.trpc.context },
        );
        p = mergeChunk(p, chunk, LIMIT);
        setDeep({ key, progress: p, running: true, cancelled: false });
        input = nextChunk(p, { limit: LIMIT, chunk: CHUNK, deepest: SEARCH_DEEPEST_SCAN });
      }
      setDeep({ key, progress: p, running: false, cancelled: false });
    } catch (err) {
      if (controller.signal.aborted) setDeep((d) => (d?.key === key ? { key, progress: p, running: false, cancelled: true } : d));
      else setDeep({ key, progress: p, running: false, cancelled: false, error: errorMessage(err) });
    }
  }

  const n = progress.jobs.length;
  const read = formatNumber(jobsRead(progress));
  const total = formatNumber(progress.total);
  const readText =
    stop === 'all-read'
      ? `read all ${total} job${progress.total === 1 ? '' : 's'}`
      : deep?.key === key && deep.cancelled
        ? `cancelled after reading ${read} of ${total} jobs`
        : `read ${read} of ${total} jobs`;

  return (
    <div className="space-y-2" data-testid="search-results">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-600 dark:text-slate-300">
        <p aria-live="polite" data-testid="search-summary">
          {n} match{n === 1 ? '' : 'es'} for “{text}”{stop === 'limit' && ` (first ${LIMIT} shown; more may match)`} · {readText}
          {stop === 'deepest' &&
            ` — ${formatNumber(SEARCH_DEEPEST_SCAN)} is the most a search reads${allStates ? '; searching one state reaches further into it' : ''}`}
        </p>
        <label className="inline-flex items-center gap-1">
          <input type="checkbox" checked={allStates} disabled={running} onChange={(e) => setAllStates(e.target.checked)} /> all states
        </label>
      </div>
      {running ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <div
            role="progressbar"
            aria-label="Search progress"
            aria-valuemin={0}
            aria-valuemax={progress.total}
            aria-valuenow={jobsRead(progress)}
            aria-valuetext={`read ${read} of ${total} jobs`}
            className="h-2 w-48 overflow-hidden rounded bg-slate-200 dark:bg-slate-700"
          >
            <div className="h-full bg-indigo-600" style={{ width: `${progress.total ? (100 * jobsRead(progress)) / progress.total : 100}%` }} />
          </div>
          <span className="tabular-nums" data-testid="search-progress">
            read {read} of {total}
          </span>
          <Button onClick={() => abort.current?.abort()}>Cancel</Button>
        </div>
      ) : (
        stop === 'more' && (
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <Button onClick={() => void searchDeeper(progress)}>Search deeper</Button>
            <span className="text-slate-600 dark:text-slate-300">
              reads on from job {read}, up to {formatNumber(SEARCH_DEEPEST_SCAN)} in all
            </span>
          </div>
        )
      )}
      {deep?.key === key && deep.error && <ErrorBox error={`Search deeper stopped: ${deep.error}`} />}
      {n === 0 ? (
        <EmptyState title={stop === 'all-read' ? 'No jobs match' : running ? 'No match yet' : 'No match in the jobs read'}>
          Search looks at job ids, names and data; an exact job id is found wherever it is.
        </EmptyState>
      ) : (
        <JobTable jobs={progress.jobs} queue={queue} showReason showState />
      )}
    </div>
  );
}
