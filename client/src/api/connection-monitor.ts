import { CONNECTED, nextState, readAnswer, readHealth, type ConnectionEvent, type ConnectionState } from './connection-state.ts';

/**
 * The console's view of its connection: one store for the page, fed by every API answer (trackedFetch) and by a
 * /healthz poll, every few seconds while all is well and more often during an outage, so the outage banner comes
 * within seconds and goes by itself. Only /healthz ends an outage: one answer that happened to succeed does not.
 */

/** How long a query may take before the console gives up on it (and checks whether the server is there). */
export const QUERY_TIMEOUT_MS = 8_000;
/** The same for an action: longer, as a bulk action at depth may take seconds. */
export const ACTION_TIMEOUT_MS = 20_000;
/** For a query known to be slow (a deep search): long, but still bounded. */
export const SLOW_QUERY_TIMEOUT_MS = 60_000;

const POLL_MS = 4_000;
const OUTAGE_POLL_MS = 2_000;
const HEALTH_TIMEOUT_MS = 5_000;

/** The request got no answer in time; the server may or may not have acted on it. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  constructor(
    readonly timeoutMs: number,
    /** A change (not a read) that timed out may still have been made. */
    readonly wasChange: boolean,
  ) {
    super(`The server did not answer within ${Math.round(timeoutMs / 1000)} s`);
  }
}

/** The request got no answer at all (network down, server stopped, or a proxy's error page). */
export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError';
  constructor() {
    super('Could not reach the server');
  }
}

let state: ConnectionState = CONNECTED;
const listeners = new Set<(now: ConnectionState, before: ConnectionState) => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
let probing: Promise<void> | undefined;

function dispatch(event: ConnectionEvent): void {
  const before = state;
  state = nextState(state, event);
  if (state === before) return;
  for (const l of [...listeners]) l(state, before);
  // A new state sets its own pace: quicker while something is down.
  if (timer !== undefined) schedule();
}

/** Asks /healthz now (one probe at a time); what it says becomes the state. */
export function checkNow(): Promise<void> {
  probing ??= (async () => {
    try {
      const res = await fetch('/healthz', { cache: 'no-store', signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      dispatch(readHealth(res.status, await res.text(), Date.now()));
    } catch {
      dispatch({ type: 'server-down', at: Date.now() });
    } finally {
      probing = undefined;
    }
  })();
  return probing;
}

function schedule(): void {
  clearTimeout(timer);
  const ok = state.status === 'ok';
  timer = setTimeout(
    async () => {
      // A hidden tab need not watch a healthy server; it still watches an outage end, to refresh on return.
      if (!ok || document.visibilityState === 'visible') await checkNow();
      if (listeners.size > 0) schedule();
    },
    ok ? POLL_MS : OUTAGE_POLL_MS,
  );
}

export function connectionState(): ConnectionState {
  return state;
}

/** Listens for changes (and keeps the /healthz poll running while anyone listens); returns the unsubscribe. */
export function subscribeConnection(listener: (now: ConnectionState, before: ConnectionState) => void): () => void {
  listeners.add(listener);
  if (timer === undefined) schedule();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

/** Runs `fn` each time an outage ends; returns the unsubscribe. */
export function onRecovered(fn: () => void): () => void {
  return subscribeConnection((now, before) => {
    if (now.status === 'ok' && before.status !== 'ok') fn();
  });
}

/**
 * fetch with a time limit, telling the monitor what the answer says: REDIS_UNAVAILABLE marks the outage at once;
 * no answer, a timeout or a gateway's error page has /healthz asked at once (one slow request alone is no outage).
 * A request its caller cancelled says nothing. Failures are thrown with messages fit for a toast.
 */
export async function trackedFetch(input: RequestInfo | URL, init: RequestInit = {}, timeoutMs = QUERY_TIMEOUT_MS): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(input, { ...init, signal });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    void checkNow();
    const method = (init.method ?? 'GET').toUpperCase();
    throw timeout.aborted ? new RequestTimeoutError(timeoutMs, method !== 'GET' && method !== 'HEAD') : new ServerUnreachableError();
  }
  if (res.status >= 500) {
    const contentType = res.headers.get('content-type') ?? '';
    const said = readAnswer(res.status, contentType, await res.clone().text());
    if (said === 'redis-down') dispatch({ type: 'redis-down', at: Date.now() });
    if (said === 'suspect') {
      void checkNow();
      throw new ServerUnreachableError();
    }
  }
  return res;
}
