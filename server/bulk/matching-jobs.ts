import { LISTS_BY_STATE } from '../queue/state-lists.ts';
import type { BulkFilter, BulkPreview } from '../../shared/bulk.ts';
import type { QueueName } from '../../shared/queues.ts';
import { searchJobs } from '../monitoring/job-search.ts';
import type { JobListType, QueueService } from '../queue/queue-service.ts';
import type { Redis } from '../redis.ts';

/**
 * The ids of an error group's failed jobs, `count` from position `from` (Helper GROUPS's server/failures
 * module provides it); fewer than `count` means the end.
 */
export type GroupJobIds = (queue: QueueName, fingerprint: string, from: number, count: number) => Promise<string[]>;

export interface MatchingDeps {
  /** Reads of the request path: counts, searches, BullMQ's keys. */
  queueService: QueueService;
  connection: Redis;
  groupJobIds?: GroupJobIds;
}

/** Ids read per Redis call while collecting (ids only, no job data: cheap). */
const ID_PAGE = 5000;
/** Jobs a search reads per call while collecting or counting (job data included, as the queue page's search). */
const SEARCH_PAGE = 5000;
/** The most jobs a preview's search reads before it answers "at least N". */
export const PREVIEW_MAX_SCAN = 200_000;

/** `waiting` and `paused` are the same lists; which one they are depends on the queue. */
async function listsOf(queueService: QueueService, filter: BulkFilter): Promise<JobListType[]> {
  if (filter.state === 'waiting' || filter.state === 'paused') {
    const paused = await queueService.isPaused(filter.queue);
    if (paused !== (filter.state === 'paused')) return [];
  }
  return LISTS_BY_STATE[filter.state];
}

/** How many jobs the filter matches now: one count for a state, a full read for a search or a group. */
export async function countMatching(deps: MatchingDeps, filter: BulkFilter): Promise<BulkPreview> {
  if (filter.group || filter.search) {
    let count = 0;
    let scanned = 0;
    for await (const page of matchingIds(deps, filter, { maxScan: PREVIEW_MAX_SCAN, onScanned: (n) => (scanned = n) })) count += page.length;
    return { count, complete: scanned < PREVIEW_MAX_SCAN };
  }
  const lists = await listsOf(deps.queueService, filter);
  return { count: lists.length ? await deps.queueService.countJobs(filter.queue, lists) : 0, complete: true };
}

/**
 * The ids of every job the filter matches, in pages, each id once. A state's sorted sets are read by
 * score, oldest first, up to the moment collecting began (jobs failing meanwhile are not part of it);
 * the wait list and searches by position, newest first, with repeats dropped (a job pushed meanwhile shifts
 * positions).
 */
export async function* matchingIds(
  deps: MatchingDeps,
  filter: BulkFilter,
  opts: { maxScan?: number; onScanned?: (n: number) => void } = {},
): AsyncGenerator<string[]> {
  if (filter.group) {
    if (!deps.groupJobIds) throw new Error('Error groups are not available on this server');
    for (let from = 0; ; from += ID_PAGE) {
      const ids = await deps.groupJobIds(filter.queue, filter.group, from, ID_PAGE);
      if (ids.length) yield ids;
      if (ids.length < ID_PAGE) return;
    }
  }
  if (filter.search) {
    yield* searched(deps.queueService, filter, filter.search, opts);
    return;
  }
  const q = deps.queueService.queue(filter.queue);
  const until = Date.now();
  for (const list of await listsOf(deps.queueService, filter)) {
    const key = q.keys[list];
    if (list === 'wait' || list === 'active') yield* byPosition(deps.connection, key);
    else yield* byScore(deps.connection, key, list === 'failed' || list === 'completed' ? String(until) : '+inf');
  }
}

async function* searched(
  queueService: QueueService,
  filter: BulkFilter,
  text: string,
  opts: { maxScan?: number; onScanned?: (n: number) => void },
): AsyncGenerator<string[]> {
  const seen = new Set<string>();
  let from = 0;
  let scanned = 0;
  const max = opts.maxScan ?? Number.POSITIVE_INFINITY;
  while (scanned < max) {
    const r = await searchJobs(queueService, filter.queue, {
      text,
      state: filter.state,
      limit: SEARCH_PAGE,
      maxScan: Math.min(SEARCH_PAGE, max - scanned),
      from,
    });
    scanned += r.scanned;
    opts.onScanned?.(scanned);
    const ids = r.jobs.map((j) => j.id).filter((id) => !seen.has(id));
    for (const id of ids) seen.add(id);
    if (ids.length) yield ids;
    if (r.next === null) return;
    from = r.next;
  }
}

/** A sorted set by score, inclusive bounds with an offset within the last score seen (ties are common). */
async function* byScore(connection: Redis, key: string, max: string): AsyncGenerator<string[]> {
  let min = '-inf';
  let atMin = 0;
  for (;;) {
    const flat = await connection.zrangebyscore(key, min, max, 'WITHSCORES', 'LIMIT', atMin, ID_PAGE);
    const ids: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      ids.push(flat[i]);
      if (flat[i + 1] === min) atMin++;
      else {
        min = flat[i + 1];
        atMin = 1;
      }
    }
    if (ids.length) yield ids;
    if (ids.length < ID_PAGE) return;
  }
}

async function* byPosition(connection: Redis, key: string): AsyncGenerator<string[]> {
  const seen = new Set<string>();
  for (let start = 0; ; start += ID_PAGE) {
    const page = await connection.lrange(key, start, start + ID_PAGE - 1);
    const ids = page.filter((id) => !seen.has(id));
    for (const id of ids) seen.add(id);
    if (ids.length) yield ids;
    if (page.length < ID_PAGE) return;
  }
}
