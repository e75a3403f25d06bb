/** The pure parts of a job's history: the audit's data diff, the attempt timeline, the options an edited retry keeps. */
import { describe, expect, it } from 'vitest';
import { diffJson } from '../../server/job-history/data-diff.ts';
import { optionsToCarry } from '../../server/job-history/edit-retry.ts';
import { buildTimeline } from '../../server/job-history/timeline.ts';

describe('diffJson', () => {
  it('a value nested deeper than the stack is one change of the whole, not an exception', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let deepObject: unknown = 1;
    for (let i = 0; i < 100_000; i++) deepObject = { a: deepObject };
    expect(diffJson({ x: 1 }, { x: 1, extra: deep })).toEqual([{ path: 'extra', op: 'added', to: '(too deeply nested to show)' }]);
    expect(diffJson({ a: 1 }, deepObject)).toEqual([{ path: 'a', op: 'changed', from: '1', to: '(too deeply nested to show)' }]);
    // Both sides deep: the walk itself runs out of stack.
    expect(diffJson(deepObject, { a: deepObject })).toEqual([
      { path: '(root)', op: 'changed', from: '(too deeply nested to show)', to: '(too deeply nested to show)' },
    ]);
  });

  it('lists changed, added and removed paths, walking objects and comparing arrays whole', () => {
    expect(diffJson({ a: 1, b: { c: 'x', d: [1, 2] }, e: true }, { a: 2, b: { c: 'x', d: [1, 3] }, f: null })).toEqual([
      { path: 'a', op: 'changed', from: '1', to: '2' },
      { path: 'b.d', op: 'changed', from: '[1,2]', to: '[1,3]' },
      { path: 'e', op: 'removed', from: 'true' },
      { path: 'f', op: 'added', to: 'null' },
    ]);
    expect(diffJson({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('abbreviates long values and caps the number of paths', () => {
    const [c] = diffJson({ s: 'a' }, { s: 'b'.repeat(1000) });
    expect(c.to?.length).toBeLessThan(210);
    const before = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i]));
    const after = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i + 1]));
    expect(diffJson(before, after)).toHaveLength(50);
  });
});

describe('buildTimeline', () => {
  const failed = [
    { n: 1, s: 100, e: 150, m: 'boom 1' },
    { n: 2, s: 200, e: 260, m: 'boom 2' },
  ];
  it('adds the running attempt after the recorded failures', () => {
    expect(buildTimeline(failed, { state: 'active', attemptsMade: 2, processedOn: 300, finishedOn: null, failedReason: 'boom 2' }).at(-1)).toEqual({
      attempt: 3,
      startedAt: 300,
      endedAt: null,
      outcome: 'running',
    });
  });
  it('adds the completed attempt; a failure already recorded is not repeated', () => {
    expect(buildTimeline(failed, { state: 'completed', attemptsMade: 3, processedOn: 300, finishedOn: 350, failedReason: null }).map((a) => a.outcome)).toEqual(
      ['failed', 'failed', 'completed'],
    );
    expect(buildTimeline(failed, { state: 'failed', attemptsMade: 2, processedOn: 200, finishedOn: 260, failedReason: 'boom 2' })).toHaveLength(2);
  });
  it('a failure no worker recorded comes from the job itself; a job never started has none', () => {
    expect(buildTimeline([], { state: 'failed', attemptsMade: 1, processedOn: 10, finishedOn: 20, failedReason: 'x' })).toEqual([
      { attempt: 1, startedAt: 10, endedAt: 20, outcome: 'failed', error: 'x' },
    ]);
    expect(buildTimeline([], { state: 'waiting', attemptsMade: 0, processedOn: null, finishedOn: null, failedReason: null })).toEqual([]);
  });
});

describe('optionsToCarry', () => {
  it('keeps how the job retries and runs, not its id, delay or deduplication', () => {
    expect(
      optionsToCarry({ attempts: 5, backoff: { type: 'fixed', delay: 10 }, priority: 2, timeout: 1000, jobId: 'x', delay: 50, removeOnFail: { age: 1 } }),
    ).toEqual({ attempts: 5, backoff: { type: 'fixed', delay: 10 }, priority: 2, timeout: 1000 });
    expect(optionsToCarry({ attempts: 500 })).toBeUndefined();
    expect(optionsToCarry({ priority: 0 })).toBeUndefined();
  });
});
