/**
 * Waiting in tests: for the condition the test cares about (a job's state, a count, a log line, a
 * key), never for a fixed time, so a test is as fast as the system under it and, when it fails, says
 * what it last saw. These use real timers and a monotonic clock: a test that fakes Date still waits
 * correctly, one that fakes setTimeout must advance its timers instead of waiting.
 */

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Poll this often (default 20 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout error; a function is read when the wait fails. */
  message?: string | (() => string);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeValue(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 500 ? `${json.slice(0, 500)}…` : json;
  } catch {
    return String(value);
  }
}

async function poll<T>(attempt: () => Promise<{ done: true; value: T } | { done: false; last: unknown }>, opts: WaitOptions, what: string): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20 } = opts;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = await attempt();
    if (r.done) return r.value;
    if (performance.now() >= deadline) {
      const message = typeof opts.message === 'function' ? opts.message() : (opts.message ?? 'condition');
      throw new Error(`${message}: not met within ${timeoutMs} ms (${what}: ${describeValue(r.last)})`, { cause: r.last });
    }
    await pause(intervalMs);
  }
}

/**
 * Polls `condition` until it returns a truthy value, and returns that value. A condition that throws
 * fails the wait at once (a condition is a query; for assertions that may fail for a while, use
 * `eventually`). On timeout the error carries `message` and the last value seen.
 */
export function waitFor<T>(condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  return poll(
    async () => {
      const value = await condition();
      return value ? { done: true, value: value as NonNullable<T> } : { done: false, last: value };
    },
    opts,
    'last value',
  );
}

/**
 * Retries `assertion` until it stops throwing, and returns what it returned. On timeout the error
 * carries `message` and the last assertion error (also as its cause).
 */
export function eventually<T>(assertion: () => T | Promise<T>, opts: WaitOptions = {}): Promise<T> {
  return poll(
    async () => {
      try {
        return { done: true, value: await assertion() };
      } catch (err) {
        return { done: false, last: err };
      }
    },
    opts,
    'last error',
  );
}

/**
 * The promise's value, or a failure naming `what` once it has been pending for `ms`: a hang then
 * fails at once and says what hung, instead of at the test's timeout.
 */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lets real time pass. Only for what no event can show: that something did NOT happen within a
 * window (a paused queue's job is not picked up). Anything that does happen is awaited with waitFor.
 */
export const elapse = (ms: number): Promise<void> => pause(ms);
