import type { JobStateName, QueueName } from '../../shared/queues.ts';
import type { JobView } from '../queue/job-view.ts';
import type { JobListType, QueueService } from '../queue/queue-service.ts';

/** What a search reads of the queue service. */
export type JobScanSource = Pick<QueueService, 'isPaused' | 'findJob' | 'countJobs' | 'scanJobs'>;

export interface SearchResult {
  jobs: JobView[];
  /** Jobs read to answer. */
  scanned: number;
  /** True when the scan stopped at maxScan with jobs left unread: narrow by state or text. */
  truncated: boolean;
  maxScan: number;
}

const TYPES_BY_STATE: Record<JobStateName, JobListType[]> = {
  waiting: ['wait', 'prioritized'],
  paused: ['wait', 'prioritized'],
  active: ['active'],
  delayed: ['delayed'],
  failed: ['failed'],
  completed: ['completed'],
};
const ALL_TYPES: JobListType[] = ['active', 'wait', 'prioritized', 'delayed', 'failed', 'completed'];
const PAGE = 500;

/** Case-insensitive match of the text against the job's id, name and JSON data. */
export function jobMatches(job: Pick<JobView, 'id' | 'name' | 'data'>, needle: string): boolean {
  const n = needle.toLowerCase();
  if (job.id.toLowerCase().includes(n) || job.name.toLowerCase().includes(n)) return true;
  return JSON.stringify(job.data ?? null)
    .toLowerCase()
    .includes(n);
}

/**
 * Searches a queue's jobs, newest first per state, reading at most `maxScan` jobs in pages of 500
 * (one Redis call each, job data included), so it stays cheap on a queue of a million. An exact
 * job id is found at once whatever its position.
 */
export async function searchJobs(
  source: JobScanSource,
  queue: QueueName,
  opts: { text: string; state?: JobStateName; limit: number; maxScan: number },
): Promise<SearchResult> {
  const empty = { jobs: [], scanned: 0, truncated: false, maxScan: opts.maxScan };
  // `waiting` and `paused` are the same lists; which one they are depends on the queue (as in listJobs).
  if (opts.state === 'waiting' || opts.state === 'paused') {
    if ((await source.isPaused(queue)) !== (opts.state === 'paused')) return empty;
  }
  const types = opts.state ? TYPES_BY_STATE[opts.state] : ALL_TYPES;
  const found = new Map<string, JobView>();

  const exact = await source.findJob(queue, opts.text).catch(() => undefined);
  if (exact && types.includes((exact.state === 'waiting' ? 'wait' : exact.state) as JobListType)) found.set(exact.job.id, exact.job);

  let scanned = 0;
  let truncated = false;
  outer: for (let t = 0; t < types.length; t++) {
    const type = types[t];
    for (let start = 0; ; ) {
      if (found.size >= opts.limit) break outer;
      const room = opts.maxScan - scanned;
      if (room <= 0) {
        const rest = types.slice(t + 1);
        truncated = (await source.countJobs(queue, [type])) > start || (rest.length > 0 && (await source.countJobs(queue, rest)) > 0);
        break outer;
      }
      const want = Math.min(PAGE, room);
      const jobs = await source.scanJobs(queue, type, start, start + want - 1);
      start += want;
      scanned += jobs.length;
      for (const job of jobs) {
        if (found.size >= opts.limit) break;
        if (jobMatches(job, opts.text)) found.set(job.id, job);
      }
      if (jobs.length < want) break;
    }
  }
  return { jobs: [...found.values()], scanned, truncated, maxScan: opts.maxScan };
}
