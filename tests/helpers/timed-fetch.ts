import { performance } from 'node:perf_hooks';

export interface TimedAnswer {
  /** 0 when no answer came (refused, reset, or given up). */
  status: number;
  ms: number;
  headers: Headers;
  /** The body; empty for a live stream; the error's message when there was no answer. */
  text: string;
}

/**
 * One request, timed, given up after `giveUpMs` (status 0), so a hang fails an assertion instead of the test's
 * timeout. A live stream that opened is an answer too: its first bytes are not awaited.
 */
export async function timedFetch(url: string, init: RequestInit = {}, giveUpMs = 5_000): Promise<TimedAnswer> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(giveUpMs) });
    const streaming = res.headers.get('content-type')?.startsWith('text/event-stream');
    if (streaming) await res.body?.cancel();
    const text = streaming ? '' : await res.text();
    return { status: res.status, ms: performance.now() - t0, headers: res.headers, text };
  } catch (err) {
    return { status: 0, ms: performance.now() - t0, headers: new Headers(), text: (err as Error).message };
  }
}
