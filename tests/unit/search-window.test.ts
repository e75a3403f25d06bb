/** Where a resumed search starts (a position over the lists laid end to end), the state a list means, a wait's age. */
import { describe, expect, it } from 'vitest';
import { locate, stateOfList } from '../../server/monitoring/job-search.ts';
import { waitedMs } from '../../server/monitoring/oldest-waits.ts';

describe('locate', () => {
  it('maps a position to its list and the offset in it, skipping empty lists', () => {
    const counts = [2, 0, 5, 3];
    expect(locate(counts, 0)).toEqual({ list: 0, start: 0 });
    expect(locate(counts, 1)).toEqual({ list: 0, start: 1 });
    expect(locate(counts, 2)).toEqual({ list: 2, start: 0 });
    expect(locate(counts, 6)).toEqual({ list: 2, start: 4 });
    expect(locate(counts, 7)).toEqual({ list: 3, start: 0 });
    expect(locate(counts, 9)).toEqual({ list: 3, start: 2 });
  });

  it('past the end: the list after the last', () => {
    expect(locate([2, 3], 5)).toEqual({ list: 2, start: 0 });
    expect(locate([2, 3], 500)).toEqual({ list: 2, start: 0 });
    expect(locate([], 0)).toEqual({ list: 0, start: 0 });
  });
});

describe('stateOfList', () => {
  it('the wait lists are waiting, or paused while the queue is; other lists are their own state', () => {
    expect(stateOfList('wait', false)).toBe('waiting');
    expect(stateOfList('prioritized', false)).toBe('waiting');
    expect(stateOfList('wait', true)).toBe('paused');
    expect(stateOfList('prioritized', true)).toBe('paused');
    expect(stateOfList('failed', true)).toBe('failed');
    expect(stateOfList('delayed', false)).toBe('delayed');
  });
});

describe('waitedMs', () => {
  it('is the time since the job became ready; none waiting is null; a job stamped ahead of the clock has waited 0', () => {
    expect(waitedMs(1_000, 61_000)).toBe(60_000);
    expect(waitedMs(null, 61_000)).toBeNull();
    expect(waitedMs(70_000, 61_000)).toBe(0);
  });
});
