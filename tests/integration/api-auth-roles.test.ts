/**
 * The monitoring API's roles over real HTTP and real Redis: who may call what (REST, tRPC, Bull Board)
 * with bearer tokens and with session cookies, what the answers say, and the bearer tokens themselves.
 */
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../server/http/trpc/router.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, boardPut, errorCode, isPaused, restPost, send, trpcMutation, trpcQuery, withHeaders, type Req } from '../helpers/api-requests.ts';

// ---------------------------------------------------------------------------------------------
// The shared app, with one job to read
// ---------------------------------------------------------------------------------------------

let app: ApiApp;
let existingJobId: string;

beforeAll(async () => {
  app = await startApiApp();
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

describe.each([{ mode: 'bearer tokens' as const }, { mode: 'session cookies' as const }])('auth matrix with $mode', ({ mode }) => {
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
