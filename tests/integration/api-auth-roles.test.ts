/**
 * The monitoring API's roles over real HTTP and real Redis: who may call what (REST, tRPC, Bull Board)
 * with bearer tokens and with session cookies, what the answers say, and the bearer tokens themselves.
 */
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../server/http/trpc/context.ts';
import { createCallerFactory } from '../../server/http/trpc/init.ts';
import { appRouter, type AppRouter } from '../../server/http/trpc/router.ts';
import { ROLES, type Role, type User } from '../../shared/auth.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import {
  alertData,
  bearer,
  boardPut,
  errorCode,
  isPaused,
  restPost,
  send,
  trpcMutation,
  trpcQuery,
  withHeaders,
  type Json,
  type Req,
} from '../helpers/api-requests.ts';
import { addPerson, type Person } from '../helpers/people.ts';

// ---------------------------------------------------------------------------------------------
// The shared app, with one job to read
// ---------------------------------------------------------------------------------------------

let app: ApiApp;
let existingJobId: string;
let olivia: Person;

beforeAll(async () => {
  app = await startApiApp();
  olivia = await addPerson(app, { name: 'Olivia Operator', email: 'olivia@example.com', role: 'operator' });
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

/** The role a route needs: any signed-in user (a read), an operator, or an admin. */
type Level = Role;
interface Route {
  name: string;
  level: Level;
  req: () => Req;
}

const schedule = { queue: 'alerts', name: 'matrix-schedule' };
const ROUTES: Route[] = [
  // REST
  { name: 'REST GET /api/jobs/monitoring', level: 'viewer', req: () => ({ method: 'GET', path: '/api/jobs/monitoring' }) },
  { name: 'REST GET /api/jobs/alerts', level: 'viewer', req: () => ({ method: 'GET', path: '/api/jobs/alerts' }) },
  { name: 'REST POST /api/jobs/alerts?action=pause', level: 'operator', req: () => restPost('/api/jobs/alerts?action=pause') },
  { name: 'REST POST /api/jobs/alerts?action=resume', level: 'operator', req: () => restPost('/api/jobs/alerts?action=resume') },
  { name: 'REST POST /api/jobs/alerts?action=empty', level: 'admin', req: () => restPost('/api/jobs/alerts?action=empty') },
  { name: 'REST POST /api/jobs/alerts?action=clean', level: 'admin', req: () => restPost('/api/jobs/alerts?action=clean', { state: 'completed', grace: 0 }) },
  { name: 'REST POST /api/jobs/monitoring/retry', level: 'operator', req: () => restPost('/api/jobs/monitoring/retry', { queueName: 'alerts' }) },
  // tRPC queries
  { name: 'tRPC queues.overview', level: 'viewer', req: () => trpcQuery('queues.overview') },
  { name: 'tRPC queues.get', level: 'viewer', req: () => trpcQuery('queues.get', { queue: 'alerts' }) },
  { name: 'tRPC queues.cleanCount', level: 'viewer', req: () => trpcQuery('queues.cleanCount', { queue: 'alerts', state: 'completed', graceMs: 0 }) },
  { name: 'tRPC jobs.list', level: 'viewer', req: () => trpcQuery('jobs.list', { queue: 'report-generation', state: 'waiting' }) },
  { name: 'tRPC jobs.get', level: 'viewer', req: () => trpcQuery('jobs.get', { queue: 'report-generation', id: existingJobId }) },
  { name: 'tRPC jobs.search', level: 'viewer', req: () => trpcQuery('jobs.search', { queue: 'report-generation', text: 'rep-1' }) },
  { name: 'tRPC metrics.throughput', level: 'viewer', req: () => trpcQuery('metrics.throughput', { range: '1h' }) },
  { name: 'tRPC metrics.depth', level: 'viewer', req: () => trpcQuery('metrics.depth', { range: '1h' }) },
  { name: 'tRPC schedules.list', level: 'viewer', req: () => trpcQuery('schedules.list') },
  { name: 'tRPC audit.list', level: 'viewer', req: () => trpcQuery('audit.list', { page: 1, pageSize: 10 }) },
  { name: 'tRPC audit.people', level: 'viewer', req: () => trpcQuery('audit.people') },
  { name: 'tRPC auth.me', level: 'viewer', req: () => trpcQuery('auth.me') },
  { name: 'tRPC bulk.recent', level: 'operator', req: () => trpcQuery('bulk.recent', {}) },
  {
    name: 'tRPC bulk.preview (retry)',
    level: 'operator',
    req: () => trpcQuery('bulk.preview', { filter: { queue: 'alerts', state: 'failed' }, action: 'retry' }),
  },
  {
    name: 'tRPC bulk.preview (remove)',
    level: 'admin',
    req: () => trpcQuery('bulk.preview', { filter: { queue: 'alerts', state: 'failed' }, action: 'remove' }),
  },
  // tRPC mutations
  { name: 'tRPC queues.pause', level: 'operator', req: () => trpcMutation('queues.pause', { queue: 'alerts' }) },
  { name: 'tRPC queues.resume', level: 'operator', req: () => trpcMutation('queues.resume', { queue: 'alerts' }) },
  { name: 'tRPC queues.empty', level: 'admin', req: () => trpcMutation('queues.empty', { queue: 'alerts' }) },
  { name: 'tRPC queues.clean', level: 'admin', req: () => trpcMutation('queues.clean', { queue: 'alerts', state: 'completed', graceMs: 0 }) },
  { name: 'tRPC queues.retryAll', level: 'operator', req: () => trpcMutation('queues.retryAll', { queue: 'alerts' }) },
  { name: 'tRPC queues.promoteAll', level: 'operator', req: () => trpcMutation('queues.promoteAll', { queue: 'alerts' }) },
  { name: 'tRPC jobs.add', level: 'operator', req: () => trpcMutation('jobs.add', { queue: 'alerts', data: alertData(1) }) },
  { name: 'tRPC jobs.retry', level: 'operator', req: () => trpcMutation('jobs.retry', { queue: 'alerts', ids: ['matrix-missing'] }) },
  { name: 'tRPC jobs.remove', level: 'admin', req: () => trpcMutation('jobs.remove', { queue: 'alerts', ids: ['matrix-missing'] }) },
  { name: 'tRPC jobs.promote', level: 'operator', req: () => trpcMutation('jobs.promote', { queue: 'alerts', ids: ['matrix-missing'] }) },
  {
    name: 'tRPC bulk.start (retry)',
    level: 'operator',
    req: () => trpcMutation('bulk.start', { filter: { queue: 'alerts', state: 'failed' }, action: 'retry' }),
  },
  {
    name: 'tRPC bulk.start (remove)',
    level: 'admin',
    req: () => trpcMutation('bulk.start', { filter: { queue: 'alerts', state: 'failed' }, action: 'remove' }),
  },
  { name: 'tRPC schedules.upsert', level: 'admin', req: () => trpcMutation('schedules.upsert', { ...schedule, cron: '0 3 * * *', data: alertData(2) }) },
  { name: 'tRPC schedules.runNow', level: 'operator', req: () => trpcMutation('schedules.runNow', schedule) },
  { name: 'tRPC schedules.remove', level: 'admin', req: () => trpcMutation('schedules.remove', schedule) },
  // Bull Board
  { name: 'Bull Board GET /admin/queues', level: 'viewer', req: () => ({ method: 'GET', path: '/admin/queues' }) },
  { name: 'Bull Board GET /admin/queues/api/queues', level: 'viewer', req: () => ({ method: 'GET', path: '/admin/queues/api/queues' }) },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/pause', level: 'operator', req: () => boardPut('/api/queues/alerts/pause') },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/resume', level: 'operator', req: () => boardPut('/api/queues/alerts/resume') },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/retry/failed', level: 'operator', req: () => boardPut('/api/queues/alerts/retry/failed') },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/promote', level: 'operator', req: () => boardPut('/api/queues/alerts/promote') },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/empty', level: 'admin', req: () => boardPut('/api/queues/alerts/empty') },
  { name: 'Bull Board PUT /admin/queues/api/queues/alerts/clean/completed', level: 'admin', req: () => boardPut('/api/queues/alerts/clean/completed') },
];

type Principal = (write: boolean) => Record<string, string>;
type Principals = Record<'anonymous' | Role, Principal>;

/** The error code of any of the three shapes: REST's and tRPC's envelopes, or Bull Board's flat `{error, message, code}`. */
const codeOf = (body: Json): string | undefined => errorCode(body) ?? body?.code;

describe.each([{ mode: 'bearer tokens' as const }, { mode: 'session cookies' as const }])('auth matrix with $mode', ({ mode }) => {
  let who: Principals;

  beforeAll(async () => {
    if (mode === 'bearer tokens') {
      who = { anonymous: () => ({}), viewer: () => bearer(VIEWER_API_TOKEN), operator: () => bearer(olivia.token), admin: () => bearer(API_TOKEN) };
    } else {
      const adminCookie = await login(app.base, 'admin', ADMIN_PASSWORD);
      const viewerCookie = await login(app.base, 'viewer', VIEWER_PASSWORD);
      // Cookie-borne writes are same-origin, as the console's own requests are.
      const withCookie = (cookie: string) => (write: boolean) => ({ cookie, ...(write ? { origin: app.base } : {}) });
      who = {
        anonymous: withCookie('bj_session=not-a-real-session'),
        viewer: withCookie(viewerCookie),
        operator: withCookie(olivia.cookie),
        admin: withCookie(adminCookie),
      };
    }
  });

  it.each(ROUTES)('$name', async ({ level, req }) => {
    const r = req();
    const write = r.method !== 'GET';

    const anon = await send(app.base, withHeaders(req(), who.anonymous(write)));
    expect(anon.status, `anonymous: ${anon.text}`).toBe(401);
    expect(errorCode(anon.body)).toBe('UNAUTHORIZED');

    for (const role of ROLES) {
      const res = await send(app.base, withHeaders(req(), who[role](write)));
      if (ROLES.indexOf(role) < ROLES.indexOf(level)) {
        expect(res.status, `${role}: ${res.text}`).toBe(403);
        expect(codeOf(res.body), `${role}: ${res.text}`).toBe('FORBIDDEN');
        // The role just below is told the role needed; a lower one may be told a role between (a viewer is refused a
        // bulk removal as any bulk action, for want of the operator role, before its input is read).
        const named = ROLES.indexOf(role) === ROLES.indexOf(level) - 1 ? level : '(operator|admin)';
        expect(res.text).toMatch(new RegExp(`This action needs the ${named} role`));
        continue;
      }
      expect(res.status, `${role}: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `${role}: ${res.text.slice(0, 300)}`).toBeLessThan(300);
      if (r.path.startsWith('/trpc/')) expect(res.body.result).toBeDefined();
      if (r.path.startsWith('/api/')) expect(res.body.success).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The role of every tRPC procedure
// ---------------------------------------------------------------------------------------------

/**
 * Every procedure of the app router and the role it needs. A procedure added without a line here fails the first
 * test below, so none reaches the console without someone deciding who may call it. `tokens.*` (but `environment`)
 * are any signed-in account's own; bulk procedures check the admin role again for a removal (tested above).
 */
const PROCEDURE_ROLES: Record<string, Role> = {
  'auth.me': 'viewer',
  'auth.ping': 'viewer',
  'queues.overview': 'viewer',
  'queues.live': 'viewer',
  'queues.get': 'viewer',
  'queues.oldestWaits': 'viewer',
  'queues.cleanCount': 'viewer',
  'queues.pause': 'operator',
  'queues.resume': 'operator',
  'queues.retryAll': 'operator',
  'queues.promoteAll': 'operator',
  'queues.empty': 'admin',
  'queues.clean': 'admin',
  'jobs.list': 'viewer',
  'jobs.get': 'viewer',
  'jobs.search': 'viewer',
  'jobs.add': 'operator',
  'jobs.retry': 'operator',
  'jobs.editRetry': 'operator',
  'jobs.promote': 'operator',
  'jobs.remove': 'admin',
  'metrics.throughput': 'viewer',
  'metrics.rates': 'viewer',
  'metrics.latency': 'viewer',
  'metrics.latencySeries': 'viewer',
  'metrics.depth': 'viewer',
  'schedules.list': 'viewer',
  'schedules.setInterval': 'operator',
  'schedules.runNow': 'operator',
  'schedules.upsert': 'admin',
  'schedules.remove': 'admin',
  'audit.list': 'viewer',
  'audit.people': 'viewer',
  'orgs.list': 'viewer',
  'alerts.list': 'viewer',
  'alerts.notificationChannels': 'viewer',
  'alerts.acknowledge': 'operator',
  'alerts.sendTestNotification': 'admin',
  'insights.get': 'viewer',
  'insights.generate': 'operator',
  'reports.list': 'viewer',
  'reports.generate': 'operator',
  'outbox.list': 'viewer',
  'outbox.get': 'viewer',
  'workers.list': 'viewer',
  'failures.groups': 'viewer',
  'failures.group': 'viewer',
  'bulk.preview': 'operator',
  'bulk.start': 'operator',
  'bulk.status': 'operator',
  'bulk.recent': 'operator',
  'bulk.cancel': 'operator',
  'users.list': 'admin',
  'users.invites': 'admin',
  'users.invite': 'admin',
  'users.revokeInvite': 'admin',
  'users.setRole': 'admin',
  'users.setStatus': 'admin',
  'tokens.list': 'viewer',
  'tokens.create': 'viewer',
  'tokens.revoke': 'viewer',
  'tokens.environment': 'admin',
};

describe('the role of every tRPC procedure', () => {
  const procedures = Object.keys(appRouter._def.procedures);
  const caller = (user: User | undefined) => createCallerFactory(appRouter)(createContextInner(app.services, user, '127.0.0.1'));
  const userWith = (role: Role): User => ({ name: `table-${role}`, role, via: 'token' });

  /** Calls a procedure by its path with no input; the error it threw, or undefined (a subscription is closed at once). */
  async function refusal(user: User | undefined, path: string): Promise<TRPCError | undefined> {
    let fn: Json = caller(user);
    for (const part of path.split('.')) fn = fn[part];
    try {
      const result = await fn(undefined);
      if (result && typeof result[Symbol.asyncIterator] === 'function') await result[Symbol.asyncIterator]().return?.();
      return undefined;
    } catch (err) {
      if (!(err instanceof TRPCError)) throw err;
      return err;
    }
  }
  const isRoleRefusal = (e: TRPCError | undefined) => e?.code === 'UNAUTHORIZED' || (e?.code === 'FORBIDDEN' && /needs the \w+ role/.test(e.message));

  it('lists every procedure of the app router, and nothing else', () => {
    expect(
      procedures.filter((p) => !(p in PROCEDURE_ROLES)),
      'procedures missing from PROCEDURE_ROLES',
    ).toEqual([]);
    expect(
      Object.keys(PROCEDURE_ROLES).filter((p) => !procedures.includes(p)),
      'PROCEDURE_ROLES entries with no procedure',
    ).toEqual([]);
  });

  it.each(Object.entries(PROCEDURE_ROLES))('%s needs %s', async (path, role) => {
    expect((await refusal(undefined, path))?.code, 'anonymous').toBe('UNAUTHORIZED');
    const below = ROLES[ROLES.indexOf(role) - 1];
    if (below) {
      const e = await refusal(userWith(below), path);
      expect(e?.code, below).toBe('FORBIDDEN');
      expect(e?.message).toBe(`This action needs the ${role} role`);
    }
    // The role itself gets past the check (to the input's validation, or an answer).
    for (const r of ROLES.slice(ROLES.indexOf(role))) expect(isRoleRefusal(await refusal(userWith(r), path)), r).toBe(false);
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

  it('a viewer gets the read-only Bull Board, an operator and an admin the writable one', async () => {
    const viewer = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues/api/queues' }, bearer(VIEWER_API_TOKEN)));
    const operator = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues/api/queues' }, bearer(olivia.token)));
    const admin = await send(app.base, withHeaders({ method: 'GET', path: '/admin/queues/api/queues' }, bearer(API_TOKEN)));
    expect(viewer.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(viewer.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    expect(operator.body.queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
    expect(admin.body.queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
  });

  it('refused viewer writes changed nothing (the queue the viewer tried to pause still runs)', async () => {
    const queue: QueueName = 'insights-generation';
    await app.runtime.queueService.resumeQueue(queue);
    expect((await send(app.base, withHeaders(restPost(`/api/jobs/${queue}?action=pause`), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(app.base, withHeaders(trpcMutation('queues.pause', { queue }), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(app.base, withHeaders(boardPut(`/api/queues/${queue}/pause`), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    // The board's "pause all" is refused too (the read-only board would have skipped its queues instead).
    expect((await send(app.base, withHeaders(boardPut('/api/queues/pause'), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
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
