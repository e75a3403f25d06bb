/**
 * Signing in over real HTTP and real Redis: login and its cookie, sessions and logout, the login rate
 * limit, and session expiry.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../server/auth/sessions.ts';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { bearer, loginReq, parseSetCookie, restPost, scanKeys, send, sessionKey, trpcQuery, withHeaders } from '../helpers/api-requests.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

// ---------------------------------------------------------------------------------------------
// The shared app (SESSION_TTL_SEC not the default, so the cookie's Max-Age must follow config)
// ---------------------------------------------------------------------------------------------

const SESSION_TTL_SEC = 3600;
let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp({ env: { SESSION_TTL_SEC: String(SESSION_TTL_SEC) } });
});

afterAll(async () => {
  await app?.close();
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

    // A name that is no user is a wrong sign-in (401), not a form error: the answer must not tell users apart.
    const unknownUser = await send(app.base, loginReq('root', ADMIN_PASSWORD));
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.body.error.code).toBe('INVALID_CREDENTIALS');
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
    // `admin` + ADMIN_PASSWORD is the first admin account (created at start from ADMIN_EMAIL).
    expect(res.body.data.user).toEqual({ id: expect.any(String), email: 'admin@localhost', name: 'admin', role: 'admin', via: 'session' });
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
    const admin = { id: expect.any(String), email: 'admin@localhost', name: 'admin', role: 'admin', via: 'session' };
    expect(me.body).toEqual({ success: true, data: { user: admin, viewerLogin: true } });
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
      Array.from(
        { length: 12 },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    const answers = sockets.map(
      (socket) =>
        new Promise<string>((resolve, reject) => {
          let data = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (data += chunk));
          socket.once('end', () => resolve(data));
          socket.once('error', reject);
        }),
    );
    // The limiter's Redis round trips are made slow (as a busy or remote Redis's are) by parking the
    // requests' connection (the limiter's) on a 0.5 s BLPOP, within its 1 s command timeout: every guess's
    // check queues behind it, as in any burst that arrives within one round trip. An atomic limiter is not
    // fooled by this; a check-then-hit one is.
    const stall = limited.runtime.requestConnection.blpop(`${limited.prefix}:console:test-stall`, 0.5);
    for (const socket of sockets) socket.write(request);
    await stall;
    const statuses = (await Promise.all(answers)).map((raw) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]));
    expect(
      statuses.every((s) => s === 401 || s === 429),
      `statuses: ${statuses.join(',')}`,
    ).toBe(true);
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

      // Once its second is up, Redis drops the first, and the kept one ends by its own expiresAt.
      await waitFor(async () => (await redis.exists(keys[0])) === 0 && (await store.get(kept.id)) === undefined, {
        timeoutMs: 3000,
        message: 'both sessions to end',
      });
      expect(Date.now()).toBeGreaterThanOrEqual(session.expiresAt);
      expect(await store.get(id)).toBeUndefined();
      expect(await redis.exists(keptKey)).toBe(1);

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
