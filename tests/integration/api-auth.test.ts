/**
 * The monitoring API's access control over real HTTP and real Redis: who may call what (REST, tRPC,
 * Bull Board), CSRF on cookie-borne writes, sign-in and sessions, the login rate limit, bearer
 * tokens, the audit log, security headers and body limits.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../server/auth/sessions.ts';
import type { AppRouter } from '../../server/http/trpc/router.ts';
import type { Redis } from '../../server/redis.ts';
import type { AuditEntry } from '../../shared/audit.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { connect, removeKeys, testPrefix, waitFor } from '../helpers/redis.ts';

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Req {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with content-type application/json. */
  raw?: string;
  headers?: Record<string, string>;
}

interface Res {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

async function send(base: string, req: Req): Promise<Res> {
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

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The error code of either envelope: tRPC's `error.data.code` or REST's `error.code`. */
const errorCode = (body: Json): string | undefined => body?.error?.data?.code ?? body?.error?.code;
/** Our own code: REST's error.code, or tRPC's data.appCode (tRPC's data.code is its generic one). */
const appCode = (body: Json): string | undefined => body?.error?.data?.appCode ?? body?.error?.code;

const trpcQuery = (path: string, input?: unknown): Req => ({
  method: 'GET',
  path: `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
});
const trpcMutation = (path: string, input: unknown): Req => ({ method: 'POST', path: `/trpc/${path}`, body: input });
const restPost = (path: string, body?: unknown): Req => ({ method: 'POST', path, body });
const boardPut = (path: string): Req => ({ method: 'PUT', path: `/admin/queues${path}` });

function withHeaders(req: Req, headers: Record<string, string>): Req {
  return { ...req, headers: { ...req.headers, ...headers } };
}

const alertData = (n = 0) => ({ organizationId: `org-${n}`, alertType: 'DATA_ANOMALY', severity: 'HIGH', message: `Revenue dropped ${n}%`, metadata: { n } });

function loginReq(username: string, password: string, headers: Record<string, string> = {}): Req {
  return { method: 'POST', path: '/api/auth/login', body: { username, password }, headers };
}

async function isPaused(app: ApiApp, queue: QueueName): Promise<boolean> {
  const res = await send(app.base, withHeaders(trpcQuery('queues.overview'), bearer(API_TOKEN)));
  expect(res.status).toBe(200);
  const q = (res.body.result.data.queues as Array<{ name: string; isPaused: boolean }>).find((x) => x.name === queue);
  expect(q).toBeDefined();
  return q!.isPaused;
}

async function auditList(app: ApiApp, page = 1, pageSize = 50): Promise<{ entries: AuditEntry[]; total: number; page: number; pageSize: number }> {
  const res = await send(app.base, withHeaders(trpcQuery('audit.list', { page, pageSize }), bearer(API_TOKEN)));
  expect(res.status).toBe(200);
  return res.body.result.data;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

const sessionKey = (app: ApiApp, cookie: string) =>
  `${app.prefix}:console:session:${createHash('sha256').update(decodeURIComponent(cookie.split('=')[1])).digest('base64url')}`;

/** Set-Cookie split into its value and attributes (attribute names lower-cased). */
function parseSetCookie(header: string | null) {
  expect(header).toBeTruthy();
  const [pair, ...attrs] = header!.split(';').map((s) => s.trim());
  const i = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const a of attrs) {
    const j = a.indexOf('=');
    attributes.set((j < 0 ? a : a.slice(0, j)).toLowerCase(), j < 0 ? '' : a.slice(j + 1));
  }
  return { name: pair.slice(0, i), value: pair.slice(i + 1), attributes };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The shared app (SESSION_TTL_SEC not the default, so the cookie's Max-Age must follow config)
// ---------------------------------------------------------------------------------------------

const SESSION_TTL_SEC = 3600;
let app: ApiApp;
let existingJobId: string;

beforeAll(async () => {
  app = await startApiApp({ env: { SESSION_TTL_SEC: String(SESSION_TTL_SEC) } });
  const job = await app.runtime.queueService.addJob('report-generation', {
    reportId: 'rep-1',
    organizationId: 'org-1',
    reportType: 'weekly',
    period: '2024-W01',
  });
  existingJobId = String(job.id);
});

afterAll(async () => {
  await app?.close();
});

// ---------------------------------------------------------------------------------------------
// 1. The auth matrix
// ---------------------------------------------------------------------------------------------

type Kind = 'read' | 'write' | 'board-write';
interface Route {
  name: string;
  kind: Kind;
  req: () => Req;
}

const schedule = { queue: 'alerts', name: 'matrix-schedule' };
const ROUTES: Route[] = [
  // REST
  { name: 'REST GET /api/jobs/monitoring', kind: 'read', req: () => ({ method: 'GET', path: '/api/jobs/monitoring' }) },
  { name: 'REST GET /api/jobs/alerts', kind: 'read', req: () => ({ method: 'GET', path: '/api/jobs/alerts' }) },
  { name: 'REST POST /api/jobs/alerts?action=pause', kind: 'write', req: () => restPost('/api/jobs/alerts?action=pause') },
  { name: 'REST POST /api/jobs/alerts?action=resume', kind: 'write', req: () => restPost('/api/jobs/alerts?action=resume') },
  { name: 'REST POST /api/jobs/alerts?action=empty', kind: 'write', req: () => restPost('/api/jobs/alerts?action=empty') },
  { name: 'REST POST /api/jobs/alerts?action=clean', kind: 'write', req: () => restPost('/api/jobs/alerts?action=clean', { state: 'completed', grace: 0 }) },
  { name: 'REST POST /api/jobs/monitoring/retry', kind: 'write', req: () => restPost('/api/jobs/monitoring/retry', { queueName: 'alerts' }) },
  // tRPC queries
  { name: 'tRPC queues.overview', kind: 'read', req: () => trpcQuery('queues.overview') },
  { name: 'tRPC queues.get', kind: 'read', req: () => trpcQuery('queues.get', { queue: 'alerts' }) },
  { name: 'tRPC jobs.list', kind: 'read', req: () => trpcQuery('jobs.list', { queue: 'report-generation', state: 'waiting' }) },
  { name: 'tRPC jobs.get', kind: 'read', req: () => trpcQuery('jobs.get', { queue: 'report-generation', id: existingJobId }) },
  { name: 'tRPC jobs.search', kind: 'read', req: () => trpcQuery('jobs.search', { queue: 'report-generation', text: 'rep-1' }) },
  { name: 'tRPC metrics.throughput', kind: 'read', req: () => trpcQuery('metrics.throughput', { range: '1h' }) },
  { name: 'tRPC metrics.depth', kind: 'read', req: () => trpcQuery('metrics.depth', { range: '1h' }) },
  { name: 'tRPC schedules.list', kind: 'read', req: () => trpcQuery('schedules.list') },
  { name: 'tRPC audit.list', kind: 'read', req: () => trpcQuery('audit.list', { page: 1, pageSize: 10 }) },
  { name: 'tRPC auth.me', kind: 'read', req: () => trpcQuery('auth.me') },
  // tRPC mutations
  { name: 'tRPC queues.pause', kind: 'write', req: () => trpcMutation('queues.pause', { queue: 'alerts' }) },
  { name: 'tRPC queues.resume', kind: 'write', req: () => trpcMutation('queues.resume', { queue: 'alerts' }) },
  { name: 'tRPC queues.empty', kind: 'write', req: () => trpcMutation('queues.empty', { queue: 'alerts' }) },
  { name: 'tRPC queues.clean', kind: 'write', req: () => trpcMutation('queues.clean', { queue: 'alerts', state: 'completed', graceMs: 0 }) },
  { name: 'tRPC queues.retryAll', kind: 'write', req: () => trpcMutation('queues.retryAll', { queue: 'alerts' }) },
  { name: 'tRPC queues.promoteAll', kind: 'write', req: () => trpcMutation('queues.promoteAll', { queue: 'alerts' }) },
  { name: 'tRPC jobs.add', kind: 'write', req: () => trpcMutation('jobs.add', { queue: 'alerts', data: alertData(1) }) },
  { name: 'tRPC jobs.retry', kind: 'write', req: () => trpcMutation('jobs.retry', { queue: 'alerts', ids: ['matrix-missing'] }) },
  { name: 'tRPC jobs.remove', kind: 'write', req: () => trpcMutation('jobs.remove', { queue: 'alerts', ids: ['matrix-missing'] }) },
  { name: 'tRPC jobs.promote', kind: 'write', req: () => trpcMutation('jobs.promote', { queue: 'alerts', ids: ['matrix-missing'] }) },
  { name: 'tRPC schedules.upsert', kind: 'write', req: () => trpcMutation('schedules.upsert', { ...schedule, cron: '0 3 * * *', data: alertData(2) }) },
  { name: 'tRPC schedules.runNow', kind: 'write', req: () => trpcMutation('schedules.runNow', schedule) },
  { name: 'tRPC schedules.remove', kind: 'write', req: () => trpcMutation('schedules.remove', schedule) },
  // Bull Board
  { name: 'Bull Board GET /admin/queues', kind: 'read', req: () => ({ method: 'GET', path: '/admin/queues' }) },
  { name: 'Bull Board GET /admin/queues/api/queues', kind: 'read', req: () => ({ method: 'GET', path: '/admin/queues/api/queues' }) },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/pause', kind: 'board-write', req: () => boardPut('/api/queues/alerts/pause') },
];

interface Principals {
  anonymous: (write: boolean) => Record<string, string>;
  viewer: (write: boolean) => Record<string, string>;
  admin: (write: boolean) => Record<string, string>;
}

describe.each([
  { mode: 'bearer tokens' as const },
  { mode: 'session cookies' as const },
])('auth matrix with $mode', ({ mode }) => {
  let who: Principals;

  beforeAll(async () => {
    if (mode === 'bearer tokens') {
      who = { anonymous: () => ({}), viewer: () => bearer(VIEWER_API_TOKEN), admin: () => bearer(API_TOKEN) };
    } else {
      const adminCookie = await login(app.base, 'admin', ADMIN_PASSWORD);
      const viewerCookie = await login(app.base, 'viewer', VIEWER_PASSWORD);
      // Cookie-borne writes are same-origin, as the console's own requests are.
      const withCookie = (cookie: string) => (write: boolean) => ({ cookie, ...(write ? { origin: app.base } : {}) });
      who = { anonymous: withCookie('bj_session=not-a-real-session'), viewer: withCookie(viewerCookie), admin: withCookie(adminCookie) };
    }
  });

  it.each(ROUTES)('$name', async ({ kind, req }) => {
    const write = kind !== 'read';

    const anon = await send(app.base, withHeaders(req(), who.anonymous(write)));
    expect(anon.status, `anonymous: ${anon.text}`).toBe(401);
    expect(errorCode(anon.body)).toBe('UNAUTHORIZED');

    const viewer = await send(app.base, withHeaders(req(), who.viewer(write)));
    if (kind === 'read') {
      expect(viewer.status, `viewer: ${viewer.text.slice(0, 300)}`).toBe(200);
    } else if (kind === 'write') {
      expect(viewer.status, `viewer: ${viewer.text}`).toBe(403);
      expect(errorCode(viewer.body)).toBe('FORBIDDEN');
    } else {
      // The read-only board refuses writes itself.
      expect(viewer.status, `viewer: ${viewer.text}`).toBe(405);
    }

    const admin = await send(app.base, withHeaders(req(), who.admin(write)));
    expect(admin.status, `admin: ${admin.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
    expect(admin.status, `admin: ${admin.text.slice(0, 300)}`).toBeLessThan(300);
    const path = req().path;
    if (path.startsWith('/trpc/')) expect(admin.body.result).toBeDefined();
    if (path.startsWith('/api/')) expect(admin.body.success).toBe(true);
  });
});

describe('auth matrix: what the answers say', () => {
  it('/healthz answers without any credential', async () => {
    const res = await send(app.base, { method: 'GET', path: '/healthz' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', redis: 'up' });
  });

  it('a viewer reads the same data an admin does (tRPC auth.me tells who is calling)', async () => {
    const viewer = await send(app.base, withHeaders(trpcQuery('auth.me'), bearer(VIEWER_API_TOKEN)));
    expect(viewer.body.result.data.user).toEqual({ name: 'viewer-api-token', role: 'viewer', via: 'token' });
    const admin = await send(app.base, withHeaders(trpcQuery('auth.me'), bearer(API_TOKEN)));
    expect(admin.body.result.data.user).toEqual({ name: 'api-token', role: 'admin', via: 'token' });
  });

  it('a viewer gets the read-only Bull Board, an admin the writable one', async () => {
    const viewer = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues/api/queues' }, bearer(VIEWER_API_TOKEN)));
    const admin = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues/api/queues' }, bearer(API_TOKEN)));
    expect(viewer.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(viewer.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    expect(admin.body.queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
  });

  it('refused viewer writes changed nothing (the queue the viewer tried to pause still runs)', async () => {
    const queue: QueueName = 'insights-generation';
    await app.runtime.queueService.resumeQueue(queue);
    expect((await send(app.base, withHeaders(restPost(`/api/jobs/${queue}?action=pause`), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(app.base, withHeaders(trpcMutation('queues.pause', { queue }), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(app.base, withHeaders(boardPut(`/api/queues/${queue}/pause`), bearer(VIEWER_API_TOKEN)))).status).toBe(405);
    // The board's "pause all" skips read-only queues rather than refusing: it must still pause nothing.
    await send(app.base, withHeaders(boardPut('/api/queues/pause'), bearer(VIEWER_API_TOKEN)));
    expect(await isPaused(app, queue)).toBe(false);
  });

  // The console's own tRPC client (client/src/trpc.ts isUnauthorized: err.data.httpStatus === 401)
  // must be able to tell "signed out" from any other failure, to send the browser back to sign-in.
  it.each([
    { link: 'httpBatchLink (the console)', make: (url: string, headers: Record<string, string>) => httpBatchLink({ url, headers }) },
    { link: 'httpLink', make: (url: string, headers: Record<string, string>) => httpLink({ url, headers }) },
  ])('an anonymous tRPC call fails with a tRPC error the client reads as UNAUTHORIZED / 401 ($link)', async ({ make }) => {
    for (const headers of [{}, { cookie: 'bj_session=ended-or-expired-session' }] as Array<Record<string, string>>) {
      const client = createTRPCClient<AppRouter>({ links: [make(`${app.base}/trpc`, headers)] });
      const err = await client.queues.overview.query().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TRPCClientError);
      expect((err as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
      expect((err as TRPCClientError<AppRouter>).data?.httpStatus).toBe(401);
    }
  });

  it('a viewer tRPC mutation fails with a tRPC FORBIDDEN error the client reads', async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${app.base}/trpc`, headers: bearer(VIEWER_API_TOKEN) })] });
    const err = await client.queues.pause.mutate({ queue: 'alerts' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe('FORBIDDEN');
  });
});

// ---------------------------------------------------------------------------------------------
// 2. CSRF
// ---------------------------------------------------------------------------------------------

describe('CSRF on cookie-borne writes', () => {
  const queue: QueueName = 'email-sending';
  const EVIL = 'http://evil.example';
  let adminCookie: string;

  const writes: Array<{ name: string; req: () => Req }> = [
    { name: 'REST action', req: () => restPost(`/api/jobs/${queue}?action=pause`) },
    { name: 'tRPC mutation', req: () => trpcMutation('queues.pause', { queue }) },
    { name: 'Bull Board PUT', req: () => boardPut(`/api/queues/${queue}/pause`) },
  ];

  beforeAll(async () => {
    adminCookie = await login(app.base, 'admin', ADMIN_PASSWORD);
  });

  beforeEach(async () => {
    await app.runtime.queueService.resumeQueue(queue);
  });

  it.each(writes)('$name with a foreign Origin is 403 CSRF and changes nothing', async ({ req }) => {
    const before = (await auditList(app)).total;
    const res = await send(app.base, withHeaders(req(), { cookie: adminCookie, origin: EVIL }));
    expect(res.status, res.text).toBe(403);
    expect(appCode(res.body)).toBe('CSRF');
    expect(await isPaused(app, queue)).toBe(false);
    await sleep(100); // Bull Board writes are audited once answered
    expect((await auditList(app)).total).toBe(before);
  });

  it.each(writes)('$name with neither Origin nor Sec-Fetch-Site is refused', async ({ req }) => {
    const res = await send(app.base, withHeaders(req(), { cookie: adminCookie }));
    expect(res.status, res.text).toBe(403);
    expect(appCode(res.body)).toBe('CSRF');
    expect(await isPaused(app, queue)).toBe(false);
  });

  it.each<{ name: string; headers: Record<string, string> }>([
    { name: 'Sec-Fetch-Site: cross-site', headers: { 'sec-fetch-site': 'cross-site' } },
    { name: 'Sec-Fetch-Site: same-site', headers: { 'sec-fetch-site': 'same-site' } },
    { name: 'Origin: null', headers: { origin: 'null' } },
    { name: 'same host, another port', headers: { origin: 'http://127.0.0.1:1' } },
    { name: 'foreign Origin even with Sec-Fetch-Site: same-origin', headers: { origin: EVIL, 'sec-fetch-site': 'same-origin' } },
  ])('a REST action with $name is refused', async ({ headers }) => {
    const res = await send(app.base, withHeaders(restPost(`/api/jobs/${queue}?action=pause`), { cookie: adminCookie, ...headers }));
    expect(res.status, res.text).toBe(403);
    expect(errorCode(res.body)).toBe('CSRF');
    expect(await isPaused(app, queue)).toBe(false);
  });

  it.each(writes)('$name with Sec-Fetch-Site: same-origin and no Origin passes', async ({ req }) => {
    const res = await send(app.base, withHeaders(req(), { cookie: adminCookie, 'sec-fetch-site': 'same-origin' }));
    expect(res.status, res.text).toBe(200);
    expect(await isPaused(app, queue)).toBe(true);
  });

  it.each(writes)('$name with our own Origin passes', async ({ req }) => {
    const res = await send(app.base, withHeaders(req(), { cookie: adminCookie, origin: app.base }));
    expect(res.status, res.text).toBe(200);
    expect(await isPaused(app, queue)).toBe(true);
  });

  it.each(writes)('$name with a bearer token and a foreign Origin is not refused (no ambient credential)', async ({ req }) => {
    const res = await send(app.base, withHeaders(req(), { ...bearer(API_TOKEN), origin: EVIL }));
    expect(res.status, res.text).toBe(200);
    expect(await isPaused(app, queue)).toBe(true);
  });

  it('a tRPC mutation cannot be sent as a GET (which CSRF does not check)', async () => {
    const req = { method: 'GET' as const, path: `/trpc/queues.pause?input=${encodeURIComponent(JSON.stringify({ queue }))}` };
    const res = await send(app.base, withHeaders(req, { cookie: adminCookie, origin: EVIL }));
    expect(res.status).toBe(405);
    expect(await isPaused(app, queue)).toBe(false);
  });

  it('logout with a foreign Origin is 403 CSRF and the session lives on', async () => {
    const cookie = await login(app.base, 'admin', ADMIN_PASSWORD);
    const res = await send(app.base, { method: 'POST', path: '/api/auth/logout', headers: { cookie, origin: EVIL } });
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe('CSRF');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie } })).status).toBe(200);
  });

  it('login with a foreign Origin is refused and sets no cookie', async () => {
    const res = await send(app.base, loginReq('admin', ADMIN_PASSWORD, { origin: EVIL }));
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe('CSRF');
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Login, sessions, logout
// ---------------------------------------------------------------------------------------------

describe('login', () => {
  it('a wrong password is 401 INVALID_CREDENTIALS and sets no cookie', async () => {
    const res = await send(app.base, loginReq('admin', 'not-the-password'));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { code: 'INVALID_CREDENTIALS' } });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('missing fields are 400 and name the fields', async () => {
    const none = await send(app.base, { method: 'POST', path: '/api/auth/login', body: {} });
    expect(none.status).toBe(400);
    expect(none.body.success).toBe(false);
    expect(none.body.error.code).toBe('BAD_REQUEST');
    expect(Object.keys(none.body.error.fieldErrors).sort()).toEqual(['password', 'username']);

    const noPassword = await send(app.base, { method: 'POST', path: '/api/auth/login', body: { username: 'admin' } });
    expect(noPassword.status).toBe(400);
    expect(Object.keys(noPassword.body.error.fieldErrors)).toEqual(['password']);

    const emptyPassword = await send(app.base, loginReq('admin', ''));
    expect(emptyPassword.status).toBe(400);
    expect(emptyPassword.body.error.fieldErrors.password).toEqual(['is required']);

    const unknownUser = await send(app.base, loginReq('root', ADMIN_PASSWORD));
    expect(unknownUser.status).toBe(400);
    expect(Object.keys(unknownUser.body.error.fieldErrors)).toEqual(['username']);
    expect(unknownUser.headers.get('set-cookie')).toBeNull();
  });

  it('the viewer signs in only with VIEWER_PASSWORD, and gets the viewer role', async () => {
    expect((await send(app.base, loginReq('viewer', ADMIN_PASSWORD))).status).toBe(401);
    expect((await send(app.base, loginReq('admin', VIEWER_PASSWORD))).status).toBe(401);
    const ok = await send(app.base, loginReq('viewer', VIEWER_PASSWORD));
    expect(ok.status).toBe(200);
    expect(ok.body.data.user).toEqual({ name: 'viewer', role: 'viewer', via: 'session' });
    const cookie = parseSetCookie(ok.headers.get('set-cookie'));
    const me = await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(me.body.data.user).toEqual({ name: 'viewer', role: 'viewer', via: 'session' });
  });

  it('sets an HttpOnly, SameSite=Lax, Path=/ cookie living SESSION_TTL_SEC, not Secure over plain http', async () => {
    const t0 = Date.now();
    const res = await send(app.base, loginReq('admin', ADMIN_PASSWORD, { origin: app.base }));
    expect(res.status).toBe(200);
    const c = parseSetCookie(res.headers.get('set-cookie'));
    expect(c.name).toBe('bj_session');
    expect(c.value.length).toBeGreaterThanOrEqual(32);
    expect(c.attributes.has('httponly')).toBe(true);
    expect(c.attributes.get('samesite')?.toLowerCase()).toBe('lax');
    expect(c.attributes.get('path')).toBe('/');
    expect(c.attributes.get('max-age')).toBe(String(SESSION_TTL_SEC));
    expect(c.attributes.has('secure')).toBe(false);
    expect(c.attributes.has('domain')).toBe(false);
    expect(res.body.data.user).toEqual({ name: 'admin', role: 'admin', via: 'session' });
    expect(res.body.data.expiresAt).toBeGreaterThanOrEqual(t0 + SESSION_TTL_SEC * 1000);
    expect(res.body.data.expiresAt).toBeLessThanOrEqual(Date.now() + SESSION_TTL_SEC * 1000);

    // Redis keeps the session as long, under a hash of its id (a dump hands out no live session).
    const key = sessionKey(app, `${c.name}=${c.value}`);
    const ttl = await app.runtime.connection.ttl(key);
    expect(ttl).toBeGreaterThan(SESSION_TTL_SEC - 10);
    expect(ttl).toBeLessThanOrEqual(SESSION_TTL_SEC);
    const keys = await scanKeys(app.runtime.connection, `${app.prefix}:console:session:*`);
    expect(keys).toContain(key);
    expect(keys.some((k) => k.includes(decodeURIComponent(c.value)))).toBe(false);
  });

  it('gives a new session id at each login; both sessions are valid', async () => {
    const a = await login(app.base, 'admin', ADMIN_PASSWORD);
    const b = await login(app.base, 'admin', ADMIN_PASSWORD);
    expect(a).not.toBe(b);
    for (const cookie of [a, b]) {
      const me = await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie } });
      expect(me.status).toBe(200);
    }
  });

  it('a login that carries an old session cookie ends the old session (no fixation)', async () => {
    const old = await login(app.base, 'admin', ADMIN_PASSWORD);
    const res = await send(app.base, loginReq('admin', ADMIN_PASSWORD, { cookie: old, origin: app.base }));
    expect(res.status).toBe(200);
    const fresh = parseSetCookie(res.headers.get('set-cookie'));
    expect(`${fresh.name}=${fresh.value}`).not.toBe(old);
    expect((await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie: old } })).status).toBe(401);
    expect((await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie: `${fresh.name}=${fresh.value}` } })).status).toBe(200);
  });

  it('GET /api/auth/me returns the user (session or token), and 401 when signed out', async () => {
    const cookie = await login(app.base, 'admin', ADMIN_PASSWORD);
    const me = await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ success: true, data: { user: { name: 'admin', role: 'admin', via: 'session' }, viewerLogin: true } });
    const token = await send(app.base, { method: 'GET', path: '/api/auth/me', headers: bearer(VIEWER_API_TOKEN) });
    expect(token.body.data.user).toEqual({ name: 'viewer-api-token', role: 'viewer', via: 'token' });
    const anon = await send(app.base, { method: 'GET', path: '/api/auth/me' });
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('logout ends the session server-side: the old cookie is 401 everywhere, other sessions live on', async () => {
    const cookie = await login(app.base, 'admin', ADMIN_PASSWORD);
    const other = await login(app.base, 'admin', ADMIN_PASSWORD);
    const key = sessionKey(app, cookie);
    expect(await app.runtime.connection.exists(key)).toBe(1);

    const out = await send(app.base, { method: 'POST', path: '/api/auth/logout', headers: { cookie, origin: app.base } });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ success: true, data: { signedOut: true } });
    const cleared = parseSetCookie(out.headers.get('set-cookie'));
    expect(cleared.name).toBe('bj_session');
    expect(cleared.value).toBe('');
    expect(cleared.attributes.get('max-age')).toBe('0');
    expect(await app.runtime.connection.exists(key)).toBe(0);

    // A copy of the cookie kept by anyone is worth nothing now.
    for (const req of [
      { method: 'GET' as const, path: '/api/auth/me' },
      { method: 'GET' as const, path: '/api/jobs/monitoring' },
      trpcQuery('queues.overview'),
      { method: 'GET' as const, path: '/admin/queues' },
      { method: 'GET' as const, path: '/admin/queues/api/queues' },
    ]) {
      const res = await send(app.base, withHeaders(req, { cookie }));
      expect(res.status, req.path).toBe(401);
    }
    const write = await send(app.base, withHeaders(restPost('/api/jobs/alerts?action=pause'), { cookie, origin: app.base }));
    expect(write.status).toBe(401);

    expect((await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie: other } })).status).toBe(200);
  });

  it('a malformed session cookie is treated as no session (401), not a server error', async () => {
    const cookie = 'bj_session=%E0%A4%A';
    const me = await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie } });
    expect(me.status, me.text).toBe(401);
    const overview = await send(app.base, withHeaders(trpcQuery('queues.overview'), { cookie }));
    expect(overview.status, overview.text).toBe(401);
    // ...and the browser carrying it can still sign in.
    const res = await send(app.base, loginReq('admin', ADMIN_PASSWORD, { cookie, origin: app.base }));
    expect(res.status, res.text).toBe(200);
  });
});

describe('login without VIEWER_PASSWORD', () => {
  let noViewer: ApiApp;
  beforeAll(async () => {
    noViewer = await startApiApp({ env: { VIEWER_PASSWORD: '' } });
  });
  afterAll(async () => {
    await noViewer?.close();
  });

  it('refuses every viewer sign-in and says viewer login is off', async () => {
    for (const password of [VIEWER_PASSWORD, ADMIN_PASSWORD, '']) {
      const res = await send(noViewer.base, loginReq('viewer', password));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(402);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const cookie = await login(noViewer.base, 'admin', ADMIN_PASSWORD);
    const me = await send(noViewer.base, { method: 'GET', path: '/api/auth/me', headers: { cookie } });
    expect(me.body.data.viewerLogin).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Login rate limit
// ---------------------------------------------------------------------------------------------

describe('login rate limit (LOGIN_MAX_ATTEMPTS=3)', () => {
  let limited: ApiApp;
  const wrong = () => send(limited.base, loginReq('admin', 'wrong-password'));
  const right = () => send(limited.base, loginReq('admin', ADMIN_PASSWORD));

  beforeAll(async () => {
    limited = await startApiApp({ env: { LOGIN_MAX_ATTEMPTS: '3' } });
  });
  afterAll(async () => {
    await limited?.close();
  });
  beforeEach(async () => {
    const keys = await scanKeys(limited.runtime.connection, `${limited.prefix}:console:ratelimit:*`);
    if (keys.length) await limited.runtime.connection.del(...keys);
  });

  it('a success before the limit resets the counter', async () => {
    const statuses: number[] = [];
    // Without the reset, the 3rd failure (5th attempt) would have reached the limit.
    for (const attempt of [wrong, wrong, right, wrong, wrong, right]) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 200, 401, 401, 200]);
  });

  it('after 3 wrong passwords the 4th attempt, even with the right password, is 429 with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await wrong()).status).toBe(401);
    const blocked = await right();
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ success: false, error: { code: 'TOO_MANY_ATTEMPTS' } });
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(blocked.headers.get('set-cookie')).toBeNull();
    expect((await wrong()).status).toBe(429);
    // Tokens are not sign-ins: the API stays usable for programs.
    expect((await send(limited.base, withHeaders(trpcQuery('queues.overview'), bearer(API_TOKEN)))).status).toBe(200);
  });

  it('concurrent wrong passwords cannot get more than LOGIN_MAX_ATTEMPTS guesses checked', async () => {
    // A script's burst: 12 connections opened first, then all 12 guesses written in the same tick.
    const { port } = new URL(limited.base);
    const body = JSON.stringify({ username: 'admin', password: 'wrong-password' });
    const request =
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    const sockets = await Promise.all(
      Array.from({ length: 12 }, () => new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    const answers = sockets.map((socket) => new Promise<string>((resolve, reject) => {
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.once('end', () => resolve(data));
      socket.once('error', reject);
    }));
    // The limiter's Redis round trips are made slow (as a busy or remote Redis's are) by parking the
    // app's connection on a 0.5 s BLPOP: every guess's check queues behind it, as in any burst that
    // arrives within one round trip. An atomic limiter is not fooled by this; a check-then-hit one is.
    const stall = limited.runtime.connection.blpop(`${limited.prefix}:console:test-stall`, 0.5);
    for (const socket of sockets) socket.write(request);
    await stall;
    const statuses = (await Promise.all(answers)).map((raw) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]));
    expect(statuses.every((s) => s === 401 || s === 429), `statuses: ${statuses.join(',')}`).toBe(true);
    expect(statuses.filter((s) => s === 401).length, `statuses: ${statuses.join(',')}`).toBeLessThanOrEqual(3);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Session expiry
// ---------------------------------------------------------------------------------------------

describe('session expiry', () => {
  it('a SessionStore session is gone after its TTL (Redis expiry and its own expiresAt)', async () => {
    const redis = connect();
    const prefix = testPrefix('sess');
    try {
      const store = new SessionStore(redis, { prefix, ttlSec: 1 });
      const { id, session } = await store.create({ name: 'admin', role: 'admin' });
      expect(session.user).toEqual({ name: 'admin', role: 'admin', via: 'session' });
      expect(session.expiresAt - session.createdAt).toBe(1000);
      expect(await store.get(id)).toEqual(session);
      const keys = await scanKeys(redis, `${prefix}:session:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain(id);
      const pttl = await redis.pttl(keys[0]);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);

      // A second session whose Redis key outlives it: its own expiresAt still ends it.
      const kept = await store.create({ name: 'viewer', role: 'viewer' });
      const keptKey = (await scanKeys(redis, `${prefix}:session:*`)).find((k) => k !== keys[0])!;
      await redis.persist(keptKey);

      await sleep(1200);
      expect(await store.get(id)).toBeUndefined();
      expect(await redis.exists(keys[0])).toBe(0);
      expect(await redis.exists(keptKey)).toBe(1);
      expect(await store.get(kept.id)).toBeUndefined();

      expect(await store.get('')).toBeUndefined();
      expect(await store.get('x'.repeat(500))).toBeUndefined();
    } finally {
      await removeKeys(redis, prefix);
      await redis.quit();
    }
  });

  it('a session whose Redis key is gone is 401 through the app', async () => {
    const cookie = await login(app.base, 'admin', ADMIN_PASSWORD);
    expect((await send(app.base, { method: 'GET', path: '/api/auth/me', headers: { cookie } })).status).toBe(200);
    const keys = await scanKeys(app.runtime.connection, `${app.prefix}:console:session:*`);
    const key = sessionKey(app, cookie);
    expect(keys).toContain(key);
    await app.runtime.connection.del(key);

    for (const req of [{ method: 'GET' as const, path: '/api/auth/me' }, trpcQuery('auth.me'), { method: 'GET' as const, path: '/admin/queues' }]) {
      expect((await send(app.base, withHeaders(req, { cookie }))).status, req.path).toBe(401);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Bearer tokens
// ---------------------------------------------------------------------------------------------

describe('bearer tokens', () => {
  it('a wrong token is 401, not anonymous-but-allowed', async () => {
    const wrong = bearer('not-the-token');
    for (const req of [
      { method: 'GET' as const, path: '/api/jobs/monitoring' },
      { method: 'GET' as const, path: '/api/auth/me' },
      trpcQuery('queues.overview'),
      { method: 'GET' as const, path: '/admin/queues' },
      { method: 'GET' as const, path: '/admin/queues/api/queues' },
    ]) {
      const res = await send(app.base, withHeaders(req, wrong));
      expect(res.status, req.path).toBe(401);
    }
    const queue: QueueName = 'data-sync';
    await app.runtime.queueService.resumeQueue(queue);
    const write = await send(app.base, withHeaders(restPost(`/api/jobs/${queue}?action=pause`), wrong));
    expect(write.status).toBe(401);
    expect(errorCode(write.body)).toBe('UNAUTHORIZED');
    const mutation = await send(app.base, withHeaders(trpcMutation('queues.pause', { queue }), wrong));
    expect(mutation.status).toBe(401);
    expect(await isPaused(app, queue)).toBe(false);
  });

  it('Authorization: Bearer API_TOKEN opens Bull Board (HTML) and its API', async () => {
    const page = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues' }, bearer(API_TOKEN)));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('BizInsights Jobs');
    const api = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues/api/queues' }, bearer(API_TOKEN)));
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
  });

  it('a signed-in admin browser session opens Bull Board without a second login', async () => {
    const cookie = await login(app.base, 'admin', ADMIN_PASSWORD);
    const page = await send(app.base, { method: 'GET', path: '/admin/queues', headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await send(app.base, { method: 'GET', path: '/admin/queues/api/queues', headers: { cookie } });
    expect(api.status).toBe(200);
    expect(api.body.queues).toHaveLength(QUEUE_NAMES.length);
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Audit log
// ---------------------------------------------------------------------------------------------

describe('audit log', () => {
  let audited: ApiApp;
  let adminCookie: string;
  let viewerCookie: string;

  beforeAll(async () => {
    audited = await startApiApp();
    adminCookie = await login(audited.base, 'admin', ADMIN_PASSWORD);
    viewerCookie = await login(audited.base, 'viewer', VIEWER_PASSWORD);
  });
  afterAll(async () => {
    await audited?.close();
  });

  it('records admin actions of every source newest first, failures included, refused attempts not', async () => {
    const b = audited.base;
    const sessionWrite = (cookie: string) => ({ cookie, origin: b });

    // 1. REST pause by token
    expect((await send(b, withHeaders(restPost('/api/jobs/alerts?action=pause'), bearer(API_TOKEN)))).status).toBe(200);
    // 2. tRPC resume by session
    expect((await send(b, withHeaders(trpcMutation('queues.resume', { queue: 'alerts' }), sessionWrite(adminCookie)))).status).toBe(200);
    // 3. tRPC add by token
    const added = await send(b, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: alertData(7) }), bearer(API_TOKEN)));
    expect(added.status, added.text).toBe(200);
    // 4. Bull Board pause by session (recorded once the answer is sent)
    expect((await send(b, withHeaders(boardPut('/api/queues/alerts/pause'), sessionWrite(adminCookie)))).status).toBe(200);
    await waitFor(async () => (await auditList(audited)).total === 4);
    // 5. A failed action: retry of a job that does not exist
    const failed = await send(b, withHeaders(restPost('/api/jobs/monitoring/retry', { queueName: 'alerts', jobId: 'does-not-exist' }), bearer(API_TOKEN)));
    expect(failed.status).toBe(404);
    expect(failed.body).toMatchObject({ success: false, error: { code: 'JOB_NOT_FOUND' } });

    // Refused attempts (viewer, anonymous, cross-site) are not actions.
    expect((await send(b, withHeaders(restPost('/api/jobs/alerts?action=resume'), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(b, withHeaders(trpcMutation('queues.resume', { queue: 'alerts' }), sessionWrite(viewerCookie)))).status).toBe(403);
    expect((await send(b, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: alertData(8) }), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(b, withHeaders(boardPut('/api/queues/alerts/resume'), bearer(VIEWER_API_TOKEN)))).status).toBe(405);
    expect((await send(b, withHeaders(boardPut('/api/queues/alerts/resume'), sessionWrite(viewerCookie)))).status).toBe(405);
    expect((await send(b, restPost('/api/jobs/alerts?action=resume'))).status).toBe(401);
    expect((await send(b, withHeaders(trpcMutation('queues.resume', { queue: 'alerts' }), { cookie: adminCookie, origin: 'http://evil.example' }))).status).toBe(403);
    await sleep(200); // would a refused Bull Board write be recorded on 'finish', it would be by now

    // Viewers may read the log.
    const res = await send(b, withHeaders(trpcQuery('audit.list', { page: 1, pageSize: 50 }), bearer(VIEWER_API_TOKEN)));
    expect(res.status).toBe(200);
    const { entries, total } = res.body.result.data as { entries: AuditEntry[]; total: number };
    expect(total).toBe(5);
    expect(entries.map((e) => e.action)).toEqual(['job.retry', 'bullboard.PUT /api/queues/alerts/pause', 'job.add', 'queue.resume', 'queue.pause']);

    const [retry, board, add, resume, pause] = entries;
    expect(retry).toMatchObject({ user: 'api-token', role: 'admin', via: 'token', source: 'rest', queue: 'alerts', jobIds: ['does-not-exist'], ok: false });
    expect(retry.error).toMatch(/does-not-exist/);
    expect(board).toMatchObject({ user: 'admin', role: 'admin', via: 'session', source: 'bullboard', queue: 'alerts', ok: true, detail: { status: 200 } });
    expect(add).toMatchObject({ user: 'api-token', role: 'admin', via: 'token', source: 'trpc', queue: 'alerts', ok: true });
    expect(resume).toMatchObject({ user: 'admin', role: 'admin', via: 'session', source: 'trpc', queue: 'alerts', ok: true });
    expect(pause).toMatchObject({ user: 'api-token', role: 'admin', via: 'token', source: 'rest', queue: 'alerts', ok: true });
    for (const e of entries) {
      expect(e.ip).toMatch(/127\.0\.0\.1/);
      expect(typeof e.id).toBe('string');
      expect(e.user).not.toMatch(/viewer/);
    }
    for (const e of entries.filter((x) => x !== retry)) expect(e.error).toBeUndefined();
    expect(new Set(entries.map((e) => e.id)).size).toBe(5);
    const ats = entries.map((e) => e.at);
    expect([...ats].sort((x, y) => y - x)).toEqual(ats);
  });

  it('paginates with page, pageSize and total', async () => {
    const all = await auditList(audited, 1, 50);
    expect(all.total).toBe(5);
    const pages = [];
    for (let page = 1; page <= 3; page++) {
      const p = await auditList(audited, page, 2);
      expect(p).toMatchObject({ total: 5, page, pageSize: 2 });
      pages.push(p.entries);
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((e) => e.id)).toEqual(all.entries.map((e) => e.id));
    const beyond = await auditList(audited, 4, 2);
    expect(beyond).toMatchObject({ entries: [], total: 5, page: 4 });

    for (const input of [{ page: 0, pageSize: 2 }, { page: 1, pageSize: 0 }, { page: 1, pageSize: 201 }]) {
      const bad = await send(audited.base, withHeaders(trpcQuery('audit.list', input), bearer(API_TOKEN)));
      expect(bad.status).toBe(400);
      expect(errorCode(bad.body)).toBe('BAD_REQUEST');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Security headers, body limits, malformed JSON
// ---------------------------------------------------------------------------------------------

describe('security headers', () => {
  it.each([
    { name: 'GET /healthz', req: { method: 'GET' as const, path: '/healthz' }, headers: {} },
    { name: 'GET /api/auth/me (401)', req: { method: 'GET' as const, path: '/api/auth/me' }, headers: {} },
    { name: 'GET /api/jobs/monitoring', req: { method: 'GET' as const, path: '/api/jobs/monitoring' }, headers: bearer(API_TOKEN) },
    { name: 'GET /trpc/queues.overview', req: trpcQuery('queues.overview'), headers: bearer(API_TOKEN) },
  ])('$name carries nosniff, X-Frame-Options, Referrer-Policy and a CSP', async ({ req, headers }) => {
    const res = await send(app.base, withHeaders(req, headers));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
    expect(res.headers.get('referrer-policy')).toMatch(/^(same-origin|no-referrer|strict-origin|strict-origin-when-cross-origin)$/);
    const csp = res.headers.get('content-security-policy');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/frame-ancestors '(self|none)'/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('strict-transport-security')).toBeNull(); // plain http
  });

  it('Bull Board gets the same headers but no CSP of ours', async () => {
    const res = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues' }, bearer(API_TOKEN)));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
    expect(res.headers.get('referrer-policy')).toBeTruthy();
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it.each([
    { path: '/admin/queues' },
    { path: '/admin/queues/api/queues' },
  ])('Bull Board ($path) does not announce the framework (no X-Powered-By)', async ({ path }) => {
    const res = await send(app.base, withHeaders({ method: 'GET', path }, bearer(API_TOKEN)));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('body limit (BODY_LIMIT=1kb) and malformed JSON', () => {
  let small: ApiApp;
  const big = 'y'.repeat(2048);

  beforeAll(async () => {
    small = await startApiApp({ env: { BODY_LIMIT: '1kb' } });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('a REST JSON body over the limit is 413 PAYLOAD_TOO_LARGE in the REST envelope', async () => {
    const res = await send(small.base, withHeaders(restPost('/api/jobs/monitoring/retry', { queueName: 'alerts', pad: big }), bearer(API_TOKEN)));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
    // Also before any sign-in.
    const login413 = await send(small.base, { method: 'POST', path: '/api/auth/login', body: { username: 'admin', password: big } });
    expect(login413.status).toBe(413);
    expect(login413.body).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('a body just under the limit is accepted', async () => {
    const res = await send(small.base, withHeaders(restPost('/api/jobs/monitoring/retry', { queueName: 'alerts', pad: 'y'.repeat(900) }), bearer(API_TOKEN)));
    expect(res.status, res.text).toBe(200);
  });

  it('a tRPC mutation over the limit is 413', async () => {
    const res = await send(small.base, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: { ...alertData(1), metadata: { pad: big } } }), bearer(API_TOKEN)));
    expect(res.status).toBe(413);
    expect(errorCode(res.body)).toBe('PAYLOAD_TOO_LARGE');
    expect((await small.runtime.queueService.getQueueStats('alerts')).waiting).toBe(0);
  });

  it('a Bull Board JSON body over the limit is 413 too', async () => {
    const res = await send(small.base, {
      method: 'POST',
      path: '/admin/queues/api/queues/alerts/add',
      body: { name: 'too-big', data: { ...alertData(1), metadata: { pad: big } } },
      headers: bearer(API_TOKEN),
    });
    expect(res.status, res.text.slice(0, 200)).toBe(413);
    expect((await small.runtime.queueService.getQueueStats('alerts')).waiting).toBe(0);
  });

  it('malformed JSON is 400', async () => {
    const login400 = await send(small.base, { method: 'POST', path: '/api/auth/login', raw: '{"username":"admin",' });
    expect(login400.status).toBe(400);
    expect(login400.body).toMatchObject({ success: false, error: { code: 'BAD_REQUEST' } });
    const rest400 = await send(small.base, withHeaders({ method: 'POST', path: '/api/jobs/alerts?action=clean', raw: '{not json' }, bearer(API_TOKEN)));
    expect(rest400.status).toBe(400);
    expect(rest400.body).toMatchObject({ success: false, error: { code: 'BAD_REQUEST' } });
    const trpc400 = await send(small.base, withHeaders({ method: 'POST', path: '/trpc/queues.pause', raw: '{"queue":' }, bearer(API_TOKEN)));
    expect(trpc400.status).toBe(400);
    expect(errorCode(trpc400.body)).toBe('BAD_REQUEST');
    expect(await isPaused(small, 'alerts')).toBe(false);
  });
});
