import { vi } from 'vitest';

/**
 * Fakes only Date, set to `at`: code that reads the wall clock (a budget's minute window, an alert's
 * fold window, a job's timestamp) sees the time the test chose, while timers, sockets, BullMQ and
 * waitFor keep running on real time. `ticking` (the default) lets the faked clock run on with real
 * time from `at`; without it the clock stands still until the test sets it again. The test undoes
 * it with vi.useRealTimers().
 */
export function fakeWallClock(at: number, opts: { ticking?: boolean } = {}): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: opts.ticking ?? true });
  vi.setSystemTime(at);
}
