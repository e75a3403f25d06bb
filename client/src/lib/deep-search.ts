/**
 * "Search deeper": one search read in successive calls, each resuming where the last stopped (its `next`),
 * until enough matches, the end of the lists, or the deepest a search reads. Pure: unit-tested.
 */

/** What each search call answers (tRPC jobs.search), as far as the merge reads it. */
export interface SearchChunk<J extends { id: string }> {
  jobs: J[];
  next: number | null;
  total: number;
}

export interface SearchProgress<J extends { id: string }> {
  /** Matches so far, each once, at most the limit. */
  jobs: J[];
  /** Where the next call resumes; null when every job of the searched lists was read. */
  next: number | null;
  /** Jobs in the searched lists, as the latest call counted them. */
  total: number;
}

/** Why a search stands where it does: enough matches, all read, as deep as a search goes, or more to read. */
export type SearchStop = 'limit' | 'all-read' | 'deepest' | 'more';

/** Adds one call's answer to what earlier calls found (a job read twice, as lists shift, counts once). */
export function mergeChunk<J extends { id: string }>(prev: SearchProgress<J> | undefined, chunk: SearchChunk<J>, limit: number): SearchProgress<J> {
  const byId = new Map<string, J>();
  for (const j of [...(prev?.jobs ?? []), ...chunk.jobs]) if (!byId.has(j.id)) byId.set(j.id, j);
  return { jobs: [...byId.values()].slice(0, limit), next: chunk.next, total: chunk.total };
}

/** Jobs read so far: the position reached, or all of them once the lists are done. */
export const jobsRead = (p: SearchProgress<{ id: string }>): number => p.next ?? p.total;

export function searchStop(p: SearchProgress<{ id: string }>, limit: number, deepest: number): SearchStop {
  if (p.jobs.length >= limit) return 'limit';
  if (p.next === null) return 'all-read';
  if (p.next >= deepest) return 'deepest';
  return 'more';
}

/** The next call's window, or undefined when the search is done. */
export function nextChunk(
  p: SearchProgress<{ id: string }>,
  opts: { limit: number; chunk: number; deepest: number },
): { from: number; maxScan: number; limit: number } | undefined {
  if (searchStop(p, opts.limit, opts.deepest) !== 'more' || p.next === null) return undefined;
  return { from: p.next, maxScan: Math.min(opts.chunk, opts.deepest - p.next), limit: opts.limit - p.jobs.length };
}
