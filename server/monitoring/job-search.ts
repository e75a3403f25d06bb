import type { Job, Queue } from 'bullmq';
import type { JobStateName } from '../../shared/queues.ts';
import { toJobView, type JobView } from '../queue/job-view.ts';

export interface SearchResult {
  jobs: JobView[];
  /** Jobs read to answer. */
  scanned: number;
  /** True when the scan stopped at maxScan with jobs left unread: narrow by state or text. */
  truncated: boolean;
  maxScan: number;
}

type BullType = 'wait' | 'prioritized' | 'active' | 'delayed' | 'failed' | 'completed';
const TYPES_BY_STATE: Record<JobStateName, BullType[]> = {
  waiting: ['wait', 'prioritized'],
  paused: ['wait', 'prioritized'],
  active: ['active'],
  delayed: ['delayed'],
  failed: ['failed'],
  completed: ['completed'],
};
const ALL_TYPES: BullType[] = ['active', 'wait', 'prioritized', 'delayed', 'failed', 'completed'];
const PAGE = 500;

/** Case-insensitive match of the text against the job's id, name and JSON data. */
export function jobMatches(job: Pick<Job, 'id' | 'name' | 'data'>, needle: string): boolean {
  const n = needle.toLowerCase();
  if (String(job.id).toLowerCase().includes(n) || job.name.toLowerCase().includes(n)) return true;
  return JSON.stringify(job.data ?? null).toLowerCase().includes(n);
}

/**
 * Searches a queue's jobs, newest first per state, reading at most `maxScan` jobs in pages of 500
 * (one Redis call each, job data included), so it stays cheap on a queue of a million. An exact
 * job id is found at once whatever its position.
 */
export async function searchJobs(
  queue: Queue,
  opts: { text: string; state?: JobStateName; limit: number; maxScan: number },
): Promise<SearchResult> {
  const empty = { jobs: [], scanned: 0, truncated: false, maxScan: opts.maxScan };
  // `waiting` and `paused` are the same lists; which one they are depends on the queue (as in listJobs).
  if (opts.state === 'waiting' || opts.state === 'paused') {
    if ((await queue.isPaused()) !== (opts.state === 'paused')) return empty;
  }
  const types = opts.state ? TYPES_BY_STATE[opts.state] : ALL_TYPES;
  const found = new Map<string, JobView>();

  const exact = await queue.getJob(opts.text).catch(() => undefined);
  if (exact) {
    const st = await exact.getState();
    if (types.includes((st === 'waiting' ? 'wait' : st) as BullType)) found.set(String(exact.id), toJobView(exact));
  }

  let scanned = 0;
  let truncated = false;
  outer: for (let t = 0; t < types.length; t++) {
    const type = types[t];
    for (let start = 0; ; ) {
      if (found.size >= opts.limit) break outer;
      const room = opts.maxScan - scanned;
      if (room <= 0) {
        const rest = types.slice(t + 1);
        truncated = (await queue.getJobCountByTypes(type)) > start || (rest.length > 0 && (await queue.getJobCountByTypes(...rest)) > 0);
        break outer;
      }
      const want = Math.min(PAGE, room);
      const jobs = (await queue.getJobs([type], start, start + want - 1, false)).filter(Boolean);
      start += want;
      scanned += jobs.length;
      for (const job of jobs) {
        if (found.size >= opts.limit) break;
        if (jobMatches(job, opts.text)) found.set(String(job.id), toJobView(job));
      }
      if (jobs.length < want) break;
    }
  }
  return { jobs: [...found.values()], scanned, truncated, maxScan: opts.maxScan };
}
