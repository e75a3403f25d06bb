import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a platform behaviour sees it. */
export interface StandinCall {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined. */
  body: unknown;
}

export interface StandinReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What makes a stand-in one platform: its credentials check, its error bodies, its routes. */
export interface PlatformBehaviour {
  authorize(call: StandinCall): boolean;
  /** The platform's 401. */
  unauthorized(call: StandinCall): StandinReply;
  /** The platform's error body for a status forced by failNext. */
  errorBody(status: number, message: string): unknown;
  handle(call: StandinCall): StandinReply;
}

/** Thrown by a behaviour to answer with an error (a bad parameter, an unknown route). */
export class ReplyError extends Error {
  constructor(readonly reply: StandinReply) {
    super(`standin reply ${reply.status}`);
  }
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  at: number;
  /** Set once answered. */
  status?: number;
}

export interface FailOptions {
  /** Sent as Retry-After (seconds). */
  retryAfterSec?: number;
  /** How many of the next requests fail (default 1). */
  times?: number;
}

export interface StandinServer {
  url: string;
  port: number;
  /** Every request received, oldest first (its length is the counter). */
  requests: RequestLogEntry[];
  /** The next request(s) answer `status` with the platform's error body, whatever they ask. */
  failNext(status: number, opts?: FailOptions): void;
  /** Every answer waits this long first (0: none). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  port?: number;
}

const send = (res: http.ServerResponse, reply: StandinReply) => {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
  res.end(text);
};

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  // OAuth token endpoints (Google's /token) take form bodies: they arrive as an object of their fields.
  if (text && /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return Object.fromEntries(new URLSearchParams(text));
  return text ? JSON.parse(text) : undefined;
}

/** A node:http server around one platform behaviour, with the fault knobs tests and demos need. */
export async function serveStandin(behaviour: PlatformBehaviour, opts: ListenOptions = {}): Promise<StandinServer> {
  const requests: RequestLogEntry[] = [];
  const failures: { status: number; retryAfterSec?: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let delayMs = 0;

  const wait = (ms: number, res: http.ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve(true);
      }, ms);
      timers.add(t);
      // The client gave up (e.g. an aborted fetch): answer nothing.
      res.once('close', () => {
        if (!timers.delete(t)) return;
        clearTimeout(t);
        resolve(false);
      });
    });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), at: Date.now() };
    requests.push(entry);
    res.once('finish', () => (entry.status = res.statusCode));
    try {
      let body: unknown;
      try {
        body = await readBody(req);
      } catch {
        return send(res, { status: 400, body: behaviour.errorBody(400, 'request body is not JSON') });
      }
      if (delayMs > 0 && !(await wait(delayMs, res))) return;
      const fail = failures.shift();
      if (fail) {
        const headers: Record<string, string> = fail.retryAfterSec !== undefined ? { 'Retry-After': String(fail.retryAfterSec) } : {};
        return send(res, { status: fail.status, body: behaviour.errorBody(fail.status, `forced ${fail.status}`), headers });
      }
      const call: StandinCall = { method: entry.method, url, headers: req.headers, body };
      send(res, behaviour.authorize(call) ? behaviour.handle(call) : behaviour.unauthorized(call));
    } catch (err) {
      if (err instanceof ReplyError) return send(res, err.reply);
      send(res, { status: 500, body: behaviour.errorBody(500, err instanceof Error ? err.message : String(err)) });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    failNext(status, o = {}) {
      for (let i = 0; i < (o.times ?? 1); i++) failures.push({ status, retryAfterSec: o.retryAfterSec });
    },
    setDelay(ms) {
      delayMs = Math.max(0, ms);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
