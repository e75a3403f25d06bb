/**
 * Whether the console can reach its server and the server its Redis: pure rules, read by the connection monitor
 * (connection-monitor.ts) and tested on their own.
 */

export type ConnectionState =
  | { status: 'ok' }
  /** The server answers, but says Redis does not (REDIS_UNAVAILABLE, or /healthz `redis: down`). */
  | { status: 'redis-down'; since: number }
  /** No answer from the server itself: a network failure, a timeout, or a proxy's error page. */
  | { status: 'server-down'; since: number };

export type ConnectionEvent = { type: 'healthy' } | { type: 'redis-down'; at: number } | { type: 'server-down'; at: number };

export const CONNECTED: ConnectionState = { status: 'ok' };

/** The state after an event. An outage keeps the time it started while it lasts, so "since" does not move. */
export function nextState(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  if (event.type === 'healthy') return state.status === 'ok' ? state : CONNECTED;
  if (state.status === event.type) return state;
  return { status: event.type, since: event.at };
}

/** What a /healthz answer says (status and body text); anything but our JSON is a proxy talking for a missing server. */
export function readHealth(status: number, body: string, at: number): ConnectionEvent {
  let redis: unknown;
  try {
    redis = (JSON.parse(body) as { redis?: unknown }).redis;
  } catch {
    redis = undefined;
  }
  if (redis === 'up') return { type: 'healthy' };
  if (redis === 'down') return { type: 'redis-down', at };
  return status >= 500 || status === 0 ? { type: 'server-down', at } : { type: 'healthy' };
}

/**
 * What an API answer says about the connection: `redis-down` when the server says so (REST's REDIS_UNAVAILABLE
 * code, tRPC's appCode), `suspect` for a gateway error that is not ours (check /healthz), else nothing.
 */
export function readAnswer(status: number, contentType: string, body: string): 'redis-down' | 'suspect' | undefined {
  if (status < 500) return undefined;
  if (body.includes('"REDIS_UNAVAILABLE"')) return 'redis-down';
  if ([502, 503, 504].includes(status) && !contentType.includes('json')) return 'suspect';
  return undefined;
}

/** "14:05": the outage banner's clock, 24-hour, local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
