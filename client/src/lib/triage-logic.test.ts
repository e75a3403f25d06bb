/** The pure parts of the queue page's triage: numbered paging, and "Search deeper" as successive calls. */
import { describe, expect, it } from 'vitest';
import { jobsRead, mergeChunk, nextChunk, searchStop, type SearchProgress } from './deep-search.ts';
import { pageWindow } from './paging.ts';

describe('pageWindow', () => {
  it('offers first, last and two either side, with gaps', () => {
    expect(pageWindow(1000, 2001)).toEqual([1, null, 998, 999, 1000, 1001, 1002, null, 2001]);
    expect(pageWindow(1, 2001)).toEqual([1, 2, 3, null, 2001]);
    expect(pageWindow(2001, 2001)).toEqual([1, null, 1999, 2000, 2001]);
  });

  it('names a single skipped page instead of a gap, and lists few pages whole', () => {
    expect(pageWindow(5, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pageWindow(1, 1)).toEqual([1]);
    expect(pageWindow(3, 4)).toEqual([1, 2, 3, 4]);
  });

  it('a page past the end still offers the real ones', () => {
    expect(pageWindow(7, 1)).toEqual([1]);
  });
});

const job = (id: string) => ({ id });
const opts = { limit: 3, chunk: 1000, deepest: 2500 };

describe('Search deeper', () => {
  it('resumes where the last call stopped, reading at most a chunk and never past the deepest', () => {
    const p: SearchProgress<{ id: string }> = { jobs: [], next: 1000, total: 50_000 };
    expect(nextChunk(p, opts)).toEqual({ from: 1000, maxScan: 1000, limit: 3 });
    expect(nextChunk({ ...p, next: 2000 }, opts)).toEqual({ from: 2000, maxScan: 500, limit: 3 });
    expect(nextChunk({ ...p, next: 2500 }, opts)).toBeUndefined();
    expect(searchStop({ ...p, next: 2500 }, 3, 2500)).toBe('deepest');
  });

  it('asks only for the matches still missing, and stops at the limit', () => {
    const p = { jobs: [job('a'), job('b')], next: 1000, total: 50_000 };
    expect(nextChunk(p, opts)).toEqual({ from: 1000, maxScan: 1000, limit: 1 });
    const full = mergeChunk(p, { jobs: [job('c'), job('d')], next: 1200, total: 50_000 }, 3);
    expect(full.jobs.map((j) => j.id)).toEqual(['a', 'b', 'c']);
    expect(searchStop(full, 3, 2500)).toBe('limit');
    expect(nextChunk(full, opts)).toBeUndefined();
  });

  it('counts a job read twice (lists shift between calls) once, and takes the latest count', () => {
    const merged = mergeChunk({ jobs: [job('a')], next: 1000, total: 40_000 }, { jobs: [job('a'), job('b')], next: 2000, total: 40_100 }, 50);
    expect(merged).toEqual({ jobs: [job('a'), job('b')], next: 2000, total: 40_100 });
    expect(jobsRead(merged)).toBe(2000);
  });

  it('is done once every job is read: read N of N', () => {
    const done = mergeChunk(undefined, { jobs: [], next: null, total: 1234 }, 50);
    expect(searchStop(done, 50, 100_000)).toBe('all-read');
    expect(jobsRead(done)).toBe(1234);
    expect(nextChunk(done, opts)).toBeUndefined();
  });
});
