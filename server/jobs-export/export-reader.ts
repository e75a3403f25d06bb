import { LISTS_BY_STATE } from '../queue/state-lists.ts';
import type { JobStateName, QueueName } from '../../shared/queues.ts';
import { jobMatches } from '../monitoring/job-search.ts';
import type { JobView } from '../queue/job-view.ts';
import type { QueueService } from '../queue/queue-service.ts';

export type ExportSource = Pick<QueueService, 'isPaused' | 'countJobs' | 'scanJobs' | 'findJob'>;

/** An error group's job ids still failed, in pages (server/failures FailureReader.groupJobIds). */
export type GroupJobIds = (queue: QueueName, fingerprint: string, from: number, count: number) => Promise<string[]>;

/** Jobs read per Redis call: one page's data in memory at a time. */
export const EXPORT_PAGE = 500;

/**
 * A state's jobs, newest first, that match `text` (when given), at most `limit`, read a page at a time: the
 * caller pulls (a stream that waits for the client between pages), so memory holds one page whatever the
 * limit. Jobs that move while it reads can shift the lists; a job read twice is given once.
 */
export async function* readForExport(
  source: ExportSource,
  queue: QueueName,
  opts: { state: JobStateName; limit: number; text?: string; group?: { fingerprint: string; ids: GroupJobIds } },
): AsyncGenerator<JobView> {
  if (opts.group) {
    yield* readGroup(source, queue, opts.group, opts.limit, opts.text?.trim());
    return;
  }
  if (opts.state === 'waiting' || opts.state === 'paused') {
    if ((await source.isPaused(queue)) !== (opts.state === 'paused')) return;
  }
  const seen = new Set<string>();
  const text = opts.text?.trim();
  for (const type of LISTS_BY_STATE[opts.state]) {
    const count = await source.countJobs(queue, [type]);
    for (let start = 0; start < count; start += EXPORT_PAGE) {
      const page = await source.scanJobs(queue, type, start, Math.min(count, start + EXPORT_PAGE) - 1);
      if (page.length === 0) break;
      for (const job of page) {
        if (seen.has(job.id) || (text && !jobMatches(job, text))) continue;
        seen.add(job.id);
        yield job;
        if (seen.size >= opts.limit) return;
      }
    }
  }
}

/** An error group's jobs still failed, a page of ids at a time; each page's jobs read side by side (one round trip). */
async function* readGroup(
  source: ExportSource,
  queue: QueueName,
  group: { fingerprint: string; ids: GroupJobIds },
  limit: number,
  text: string | undefined,
): AsyncGenerator<JobView> {
  const seen = new Set<string>();
  for (let from = 0; ; from += EXPORT_PAGE) {
    const ids = await group.ids(queue, group.fingerprint, from, EXPORT_PAGE);
    const found = await Promise.all(ids.map((id) => source.findJob(queue, id)));
    for (const f of found) {
      if (!f || seen.has(f.job.id) || (text && !jobMatches(f.job, text))) continue;
      seen.add(f.job.id);
      yield f.job;
      if (seen.size >= limit) return;
    }
    if (ids.length < EXPORT_PAGE) return;
  }
}
