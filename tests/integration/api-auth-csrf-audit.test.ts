/**
 * The monitoring API's write protections over real HTTP and real Redis: CSRF on cookie-borne writes
 * (REST, tRPC, Bull Board, sign-in and sign-out), and the audit log of admin actions.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../shared/audit.ts';
import type { QueueName } from '../../shared/queues.ts';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import {
  alertData,
  appCode,
  auditList,
  bearer,
  boardPut,
  errorCode,
  isPaused,
  loginReq,
  restPost,
  send,
  trpcMutation,
  trpcQuery,
  withHeaders,
  type Req,
} from '../helpers/api-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

// ---------------------------------------------------------------------------------------------
// The shared app
// ---------------------------------------------------------------------------------------------

let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp();
});

afterAll(async () => {
  await app?.close();
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
    // Bull Board writes are audited once answered: an admin write answered after this one is recorded
    // after anything the refused one could have left, so once it shows, the log is complete up to it.
    const barrier = `bullboard.PUT /api/queues/${queue}/resume`;
    expect((await send(app.base, withHeaders(boardPut(`/api/queues/${queue}/resume`), bearer(API_TOKEN)))).status).toBe(200);
    const log = await waitFor(async () => {
      const l = await auditList(app);
      return l.total > before ? l : undefined;
    });
    expect(log.entries[0].action).toBe(barrier);
    expect(log.total).toBe(before + 1);
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

    // Refused attempts (viewer, anonymous, cross-site) are not actions.
    expect((await send(b, withHeaders(restPost('/api/jobs/alerts?action=resume'), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(b, withHeaders(trpcMutation('queues.resume', { queue: 'alerts' }), sessionWrite(viewerCookie)))).status).toBe(403);
    expect((await send(b, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: alertData(8) }), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(b, withHeaders(boardPut('/api/queues/alerts/resume'), bearer(VIEWER_API_TOKEN)))).status).toBe(403);
    expect((await send(b, withHeaders(boardPut('/api/queues/alerts/resume'), sessionWrite(viewerCookie)))).status).toBe(403);
    expect((await send(b, restPost('/api/jobs/alerts?action=resume'))).status).toBe(401);
    expect(
      (await send(b, withHeaders(trpcMutation('queues.resume', { queue: 'alerts' }), { cookie: adminCookie, origin: 'http://evil.example' }))).status,
    ).toBe(403);

    // 4. Bull Board pause by session, recorded once the answer is sent: after anything a refused Bull
    // Board write above could have left on 'finish', so once it shows, the log is complete up to it.
    expect((await send(b, withHeaders(boardPut('/api/queues/alerts/pause'), sessionWrite(adminCookie)))).status).toBe(200);
    await waitFor(async () => (await auditList(audited)).entries[0]?.action === 'bullboard.PUT /api/queues/alerts/pause');
    expect((await auditList(audited)).total).toBe(4);
    // 5. A failed action: retry of a job that does not exist
    const failed = await send(b, withHeaders(restPost('/api/jobs/monitoring/retry', { queueName: 'alerts', jobId: 'does-not-exist' }), bearer(API_TOKEN)));
    expect(failed.status).toBe(404);
    expect(failed.body).toMatchObject({ success: false, error: { code: 'JOB_NOT_FOUND' } });

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

    for (const input of [
      { page: 0, pageSize: 2 },
      { page: 1, pageSize: 0 },
      { page: 1, pageSize: 201 },
    ]) {
      const bad = await send(audited.base, withHeaders(trpcQuery('audit.list', input), bearer(API_TOKEN)));
      expect(bad.status).toBe(400);
      expect(errorCode(bad.body)).toBe('BAD_REQUEST');
    }
  });
});
