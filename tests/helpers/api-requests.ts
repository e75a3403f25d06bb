import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Redis } from '../../server/redis.ts';
import type { AuditEntry } from '../../shared/audit.ts';
import type { QueueName } from '../../shared/queues.ts';
import { API_TOKEN, type ApiApp } from './api-app.ts';

/*
 * Raw HTTP requests for the access-control tests (the api-auth-* files): requests built by hand and
 * sent with fetch, so each test says exactly which credential, Origin and headers go with them.
 */

/** A parsed response body, read by path in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the server sent (JSON, or undefined when not JSON); tests read them by path and assert on the values, so a static type would only restate the assertions.
export type Json = any;

export interface Req {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with content-type application/json. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface Res {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

export async function send(base: string, req: Req): Promise<Res> {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.raw !== undefined) {
    body = req.raw;
    headers['content-type'] ??= 'application/json';
  } else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  const r = await fetch(base + req.path, { method: req.method, headers, body, redirect: 'manual' });
  const text = await r.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, body: json, text };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The error code of either envelope: tRPC's `error.data.code` or REST's `error.code`. */
export const errorCode = (body: Json): string | undefined => body?.error?.data?.code ?? body?.error?.code;
/** Our own code: REST's error.code, or tRPC's data.appCode (tRPC's data.code is its generic one). */
export const appCode = (body: Json): string | undefined => body?.error?.data?.appCode ?? body?.error?.code;

export const trpcQuery = (path: string, input?: unknown): Req => ({
  method: 'GET',
  path: `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
});
export const trpcMutation = (path: string, input: unknown): Req => ({ method: 'POST', path: `/trpc/${path}`, body: input });
export const restPost = (path: string, body?: unknown): Req => ({ method: 'POST', path, body });
export const boardPut = (path: string): Req => ({ method: 'PUT', path: `/admin/queues${path}` });

export function withHeaders(req: Req, headers: Record<string, string>): Req {
  return { ...req, headers: { ...req.headers, ...headers } };
}

export const alertData = (n = 0) => ({
  organizationId: `org-${n}`,
  alertType: 'DATA_ANOMALY',
  severity: 'HIGH',
  message: `Revenue dropped ${n}%`,
  metadata: { n },
});

export function loginReq(username: string, password: string, headers: Record<string, string> = {}): Req {
  return { method: 'POST', path: '/api/auth/login', body: { username, password }, headers };
}

export async function isPaused(app: ApiApp, queue: QueueName): Promise<boolean> {
  const res = await send(app.base, withHeaders(trpcQuery('queues.overview'), bearer(API_TOKEN)));
  expect(res.status).toBe(200);
  const q = (res.body.result.data.queues as Array<{ name: string; isPaused: boolean }>).find((x) => x.name === queue);
  expect(q).toBeDefined();
  return q!.isPaused;
}

export async function auditList(app: ApiApp, page = 1, pageSize = 50): Promise<{ entries: AuditEntry[]; total: number; page: number; pageSize: number }> {
  const res = await send(app.base, withHeaders(trpcQuery('audit.list', { page, pageSize }), bearer(API_TOKEN)));
  expect(res.status).toBe(200);
  return res.body.result.data;
}

export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

export const sessionKey = (app: ApiApp, cookie: string) =>
  `${app.prefix}:console:session:${createHash('sha256')
    .update(decodeURIComponent(cookie.split('=')[1]))
    .digest('base64url')}`;

/** Set-Cookie split into its value and attributes (attribute names lower-cased). */
export function parseSetCookie(header: string | null) {
  expect(header, 'a Set-Cookie header').toMatch(/^[^=;\s]+=/);
  const [pair, ...attrs] = header!.split(';').map((s) => s.trim());
  const i = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const a of attrs) {
    const j = a.indexOf('=');
    attributes.set((j < 0 ? a : a.slice(0, j)).toLowerCase(), j < 0 ? '' : a.slice(j + 1));
  }
  return { name: pair.slice(0, i), value: pair.slice(i + 1), attributes };
}
