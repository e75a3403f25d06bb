/**
 * The monitoring API's HTTP hardening over real HTTP: security headers, the body limit, malformed JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, errorCode, isPaused, restPost, send, trpcMutation, trpcQuery, withHeaders } from '../helpers/api-requests.ts';

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
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it.each([{ path: '/admin/queues' }, { path: '/admin/queues/api/queues' }])(
    'Bull Board ($path) does not announce the framework (no X-Powered-By)',
    async ({ path }) => {
      const res = await send(app.base, withHeaders({ method: 'GET', path }, bearer(API_TOKEN)));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-powered-by')).toBeNull();
    },
  );
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
    const res = await send(
      small.base,
      withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: { ...alertData(1), metadata: { pad: big } } }), bearer(API_TOKEN)),
    );
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
