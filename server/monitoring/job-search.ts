import { LISTS_BY_STATE } from '../queue/state-lists.ts';
import type { JobStateName, QueueName } from '../../shared/queues.ts';
import type { JobView } from '../queue/job-view.ts';
import type { JobListType, QueueService } from '../queue/queue-service.ts';

/** What a search reads of the queue service. */
export type JobScanSource = Pick<QueueService, 'isPaused' | 'findJob' | 'countJobs' | 'scanJobs'>;

/** A matching job and the state it was found in (the list it sits in). */
export type FoundJob = JobView & { state: JobStateName };

export interface SearchResult {
  jobs: FoundJob[];
  /** Jobs read to answer (in this call). */
  scanned: number;
  /** True when the scan stopped at maxScan with jobs left unread. */
  truncated: boolean;
  maxScan: number;
  /** Where this call started: jobs of the searched lists before it, newest first. */
  from: number;
  /** Where a further call resumes (its `from`), or null when no job is left unread. */
  next: number | null;
  /** Jobs in the searched lists when the search ran (the M of "read N of M"). */
  total: number;
}

const ALL_TYPES: JobListType[] = ['active', 'wait', 'prioritized', 'delayed', 'failed', 'completed'];
const PAGE = 500;

/** The console's state of a job in BullMQ's list `type`; the wait lists are `paused` while the queue is. */
export function stateOfList(type: JobListType, queuePaused: boolean): JobStateName {
  if (type === 'wait' || type === 'prioritized') return queuePaused ? 'paused' : 'waiting';
  return type;
}

/** Case-insensitive match of the text against the job's id, name and JSON data. */
export function jobMatches(job: Pick<JobView, 'id' | 'name' | 'data'>, needle: string): boolean {
  const n = needle.toLowerCase();
  if (job.id.toLowerCase().includes(n) || job.name.toLowerCase().includes(n)) return true;
  return JSON.stringify(job.data ?? null)
    .toLowerCase()
    .includes(n);
}

/**
 * Which list a position of the searched lists (laid end to end, in `counts` order) falls in, and where in
 * it; past the end: the list index `counts.length`.
 */
export function locate(counts: readonly number[], position: number): { list: number; start: number } {
  let rest = position;
  for (let list = 0; list < counts.length; list++) {
    if (rest < counts[list]) return { list, start: rest };
    rest -= counts[list];
  }
  return { list: counts.length, start: 0 };
}

/**
 * Searches a queue's jobs, newest first per state, reading at most `maxScan` jobs in pages of 500 (one
 * Redis call each, job data included), so it stays cheap on a queue of a million. An exact job id is found
 * at once whatever its position (in the first call, `from` 0). A deeper search is successive calls, each
 * starting at the previous answer's `next`: the lists are counted in each call, so a list that changes in
 * between shifts which jobs a position names (a job may be read twice or skipped; a search is a look, not
 * a snapshot).
 */
export async function searchJobs(
  source: JobScanSource,
  queue: QueueName,
  opts: { text: string; state?: JobStateName; limit: number; maxScan: number; from?: number },
): Promise<SearchResult> {
  const from = opts.from ?? 0;
  const paused = await source.isPaused(queue);
  // `waiting` and `paused` are the same lists; which one they are depends on the queue (as in listJobs).
  if ((opts.state === 'waiting' || opts.state === 'paused') && paused !== (opts.state === 'paused')) {
    return { jobs: [], scanned: 0, truncated: false, maxScan: opts.maxScan, from, next: null, total: 0 };
  }
  const types = opts.state ? LISTS_BY_STATE[opts.state] : ALL_TYPES;
  const counts = await Promise.all(types.map((t) => source.countJobs(queue, [t])));
  const total = counts.reduce((a, b) => a + b, 0);
  const found = new Map<string, FoundJob>();

  if (from === 0) {
    const exact = await source.findJob(queue, opts.text).catch(() => undefined);
    const type = (exact?.state === 'waiting' ? 'wait' : exact?.state) as JobListType | undefined;
    if (exact && type && types.includes(type)) found.set(exact.job.id, { ...exact.job, state: stateOfList(type, paused) });
  }

  let { list, start } = locate(counts, from);
  let scanned = 0;
  let stoppedAtMaxScan = false;
  while (list < types.length && found.size < opts.limit) {
    // The lists are read as far as this call counted them.
    if (start >= counts[list]) {
      list++;
      start = 0;
      continue;
    }
    const room = opts.maxScan - scanned;
    if (room <= 0) {
      stoppedAtMaxScan = true;
      break;
    }
    const want = Math.min(PAGE, room, counts[list] - start);
    const jobs = await source.scanJobs(queue, types[list], start, start + want - 1);
    let read = 0;
    for (const job of jobs) {
      read++;
      scanned++;
      if (jobMatches(job, opts.text)) found.set(job.id, { ...job, state: stateOfList(types[list], paused) });
      if (found.size >= opts.limit) break;
    }
    // Stopped at the limit: the next call resumes after the last job read (a job that finished meanwhile
    // leaves a hole in the page, so a position may then be read twice). Otherwise the page is done, holes too.
    if (found.size < opts.limit) read = want;
    start += read;
  }
  const position = Math.min(total, counts.slice(0, list).reduce((a, b) => a + b, 0) + start);
  const left = position < total;
  return {
    jobs: [...found.values()],
    scanned,
    truncated: stoppedAtMaxScan && left,
    maxScan: opts.maxScan,
    from,
    next: left ? position : null,
    total,
  };
}
