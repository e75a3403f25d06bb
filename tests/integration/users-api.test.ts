/**
 * Accounts over real HTTP, real Redis and the real store: invites accepted through /api/auth, sign-in by email, role
 * changes and disabling seen by existing sessions and tokens on their next request, personal tokens, and the
 * migration path (admin + ADMIN_PASSWORD, viewer + VIEWER_PASSWORD, the environment tokens) still working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { appCode, auditList, bearer, loginReq, send, trpcMutation, trpcQuery, withHeaders, type Json, type Req, type Res } from '../helpers/api-requests.ts';

const GOOD_PASSWORD = 'plum-ladder-quietly-7';

let app: ApiApp;
let adminCookie: string;

beforeAll(async () => {
  app = await startApiApp();
  adminCookie = await login(app.base, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await app?.close();
});

/** Signs in with any username (an email, `admin`, `viewer`) and returns the Cookie header value. */
async function signIn(username: string, password: string): Promise<string> {
  const res = await send(app.base, loginReq(username, password, { origin: app.base }));
  expect(res.status, res.text).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** A request as a browser session (same origin) or with a bearer token. */
const asCookie = (cookie: string, req: Req) => withHeaders(req, { cookie, origin: app.base });
const asToken = (token: string, req: Req) => withHeaders(req, bearer(token));
const call = (req: Req) => send(app.base, req);
const data = (res: Res): Json => res.body?.result?.data;
const meReq: Req = { method: 'GET', path: '/api/auth/me' };

/** Invites `email` as the admin; the token is what the invite link carries. */
async function invite(email: string, role: 'viewer' | 'operator' | 'admin'): Promise<string> {
  const res = await call(asCookie(adminCookie, trpcMutation('users.invite', { email, role })));
  expect(res.status, res.text).toBe(200);
  return data(res).token;
}

/** A new account through the public accept route; returns its session cookie and its user. */
async function accept(token: string, name: string, password = GOOD_PASSWORD): Promise<{ cookie: string; user: Json }> {
  const res = await call({ method: 'POST', path: '/api/auth/invites/accept', body: { token, name, password }, headers: { origin: app.base } });
  expect(res.status, res.text).toBe(200);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0], user: res.body.data.user };
}

async function member(email: string, role: 'viewer' | 'operator' | 'admin'): Promise<{ cookie: string; user: Json }> {
  return accept(await invite(email, role), email.split('@')[0]);
}

async function createToken(cookie: string, input: { name: string; role: string; expiresInDays?: number | null }): Promise<{ token: string; view: Json }> {
  const res = await call(asCookie(cookie, trpcMutation('tokens.create', input)));
  expect(res.status, res.text).toBe(200);
  return data(res);
}

describe('the first admin and the migration path', () => {
  it('the first admin was created once at start, from ADMIN_EMAIL (default admin@localhost)', async () => {
    const list = await call(asCookie(adminCookie, trpcQuery('users.list')));
    expect(list.status).toBe(200);
    const admins = data(list).filter((u: Json) => u.email === 'admin@localhost');
    expect(admins).toEqual([expect.objectContaining({ name: 'admin', role: 'admin', status: 'active', sso: false })]);
    expect(await app.services.users.ensureFirstAdmin()).toEqual({ created: false });
  });

  it('admin + ADMIN_PASSWORD signs in as the first admin; its email with the same password too', async () => {
    const res = await call(loginReq('admin', ADMIN_PASSWORD));
    expect(res.body.data.user).toEqual({ id: expect.any(String), email: 'admin@localhost', name: 'admin', role: 'admin', via: 'session' });
    const byEmail = await call(loginReq('Admin@Localhost', ADMIN_PASSWORD));
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.data.user.id).toBe(res.body.data.user.id);
  });

  it('viewer + VIEWER_PASSWORD is still the shared viewer; the environment tokens still work', async () => {
    const viewer = await signIn('viewer', VIEWER_PASSWORD);
    expect((await call(asCookie(viewer, meReq))).body.data.user).toEqual({ name: 'viewer', role: 'viewer', via: 'session' });
    expect((await call(asToken(API_TOKEN, meReq))).body.data.user).toEqual({ name: 'api-token', role: 'admin', via: 'token' });
    expect((await call(asToken(VIEWER_API_TOKEN, meReq))).body.data.user).toEqual({ name: 'viewer-api-token', role: 'viewer', via: 'token' });
    expect((await call(asToken(API_TOKEN, trpcQuery('users.list')))).status).toBe(200);
  });

  it('GET /api/auth/options tells the sign-in page what to offer, without a session', async () => {
    const res = await call({ method: 'GET', path: '/api/auth/options' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { sso: { enabled: false, label: expect.any(String) }, viewerLogin: true } });
  });

  it('tokens.environment lists the configured environment tokens by name and role, never their values', async () => {
    const res = await call(asCookie(adminCookie, trpcQuery('tokens.environment')));
    expect(data(res)).toEqual([
      { name: 'api-token', role: 'admin' },
      { name: 'viewer-api-token', role: 'viewer' },
    ]);
    expect(res.text).not.toContain(API_TOKEN);
  });
});

describe('invites', () => {
  it('invite → the link shows the email → accept signs in → the email and password sign in again', async () => {
    const token = await invite('Grace@Example.com', 'operator');
    const info = await call({ method: 'GET', path: `/api/auth/invites/${token}` });
    expect(info.status).toBe(200);
    expect(info.body.data).toEqual({ email: 'grace@example.com', role: 'operator', expiresAt: expect.any(Number) });
    expect(info.body.data.expiresAt - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const { cookie, user } = await accept(token, 'Grace Hopper');
    expect(user).toEqual({ id: expect.any(String), email: 'grace@example.com', name: 'Grace Hopper', role: 'operator', via: 'session' });
    expect((await call(asCookie(cookie, meReq))).body.data.user).toMatchObject({ id: user.id, role: 'operator' });

    const again = await signIn('grace@example.com', GOOD_PASSWORD);
    expect((await call(asCookie(again, meReq))).body.data.user).toMatchObject({ id: user.id, email: 'grace@example.com' });
    expect((await call(loginReq('grace@example.com', 'not-her-password-at-all'))).status).toBe(401);
  });

  it('a link is single use: a second accept and a second look are 404', async () => {
    const token = await invite('once@example.com', 'viewer');
    await accept(token, 'Once');
    const second = await call({ method: 'POST', path: '/api/auth/invites/accept', body: { token, name: 'Twice', password: GOOD_PASSWORD } });
    expect(second.status).toBe(404);
    expect(second.headers.get('set-cookie')).toBeNull();
    expect((await call({ method: 'GET', path: `/api/auth/invites/${token}` })).status).toBe(404);
  });

  it('an expired link is 404 and creates no account', async () => {
    const token = await invite('expired@example.com', 'viewer');
    // 24 h later, as the store sees it.
    await app.domain.store.db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('email', '=', 'expired@example.com')
      .execute();
    expect((await call({ method: 'GET', path: `/api/auth/invites/${token}` })).status).toBe(404);
    const res = await call({ method: 'POST', path: '/api/auth/invites/accept', body: { token, name: 'Late', password: GOOD_PASSWORD } });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/unknown, used or expired/);
    const list = data(await call(asCookie(adminCookie, trpcQuery('users.list'))));
    expect(list.some((u: Json) => u.email === 'expired@example.com')).toBe(false);
  });

  it('short, common and weak passwords are refused naming the password field; the link stays good', async () => {
    const token = await invite('careful@example.com', 'viewer');
    const post = (password: string) => call({ method: 'POST', path: '/api/auth/invites/accept', body: { token, name: 'Careful', password } });
    const short = await post('short-one');
    expect(short.status).toBe(400);
    expect(short.body.error.fieldErrors.password).toEqual(['must be at least 12 characters']);
    const common = await post('qwerty123456');
    expect(common.status).toBe(400);
    expect(common.body.error).toMatchObject({ code: 'INVALID_INPUT', fieldErrors: { password: [expect.stringMatching(/most common passwords/)] } });
    const ownEmail = await post('careful@example.com');
    expect(ownEmail.status).toBe(400);
    expect(ownEmail.body.error.fieldErrors.password).toEqual(['must not be your email address or name']);
    expect((await call({ method: 'GET', path: `/api/auth/invites/${token}` })).status).toBe(200);
    await accept(token, 'Careful');
  });

  it('inviting an email that has an account is 409 naming the email', async () => {
    await member('exists@example.com', 'viewer');
    const res = await call(asCookie(adminCookie, trpcMutation('users.invite', { email: 'Exists@Example.com', role: 'admin' })));
    expect(res.status).toBe(409);
    expect(appCode(res.body)).toBe('USER_EXISTS');
    expect(res.body.error.data.fieldErrors).toEqual({ email: ['already has an account'] });
  });

  it('invites are audited under the admin who made them, by account', async () => {
    await invite('audited@example.com', 'viewer');
    const { entries } = await auditList(app);
    const entry = entries.find((e) => e.action === 'users.invite' && e.detail?.email === 'audited@example.com');
    expect(entry).toMatchObject({
      user: 'admin',
      userId: expect.any(String),
      email: 'admin@localhost',
      role: 'admin',
      via: 'session',
      source: 'trpc',
      ok: true,
    });
    expect(JSON.stringify(entries)).not.toMatch(/"token"/);
  });
});

describe('roles and status reach existing sessions and tokens on their next request', () => {
  it('viewers (shared, stored, environment token) cannot call users.*', async () => {
    const shared = await signIn('viewer', VIEWER_PASSWORD);
    const { cookie } = await member('reader@example.com', 'viewer');
    const { cookie: operator } = await member('operator@example.com', 'operator');
    for (const asWho of [
      (r: Req) => asCookie(shared, r),
      (r: Req) => asCookie(cookie, r),
      (r: Req) => asCookie(operator, r),
      (r: Req) => asToken(VIEWER_API_TOKEN, r),
    ]) {
      expect((await call(asWho(trpcQuery('users.list')))).status).toBe(403);
      expect((await call(asWho(trpcQuery('users.invites')))).status).toBe(403);
      expect((await call(asWho(trpcMutation('users.invite', { email: 'x@example.com', role: 'admin' })))).status).toBe(403);
      expect((await call(asWho(trpcQuery('tokens.environment')))).status).toBe(403);
    }
    expect((await call(trpcQuery('users.list'))).status).toBe(401);
  });

  it('setRole: the same session is an admin on its next request, and a viewer again after', async () => {
    const { cookie, user } = await member('rising@example.com', 'viewer');
    expect((await call(asCookie(cookie, trpcQuery('users.list')))).status).toBe(403);
    const promote = await call(asCookie(adminCookie, trpcMutation('users.setRole', { id: user.id, role: 'admin' })));
    expect(promote.status, promote.text).toBe(200);
    expect(data(promote)).toMatchObject({ id: user.id, role: 'admin' });
    expect((await call(asCookie(cookie, trpcQuery('users.list')))).status).toBe(200);
    expect((await call(asCookie(cookie, meReq))).body.data.user.role).toBe('admin');
    await call(asCookie(adminCookie, trpcMutation('users.setRole', { id: user.id, role: 'viewer' })));
    expect((await call(asCookie(cookie, trpcQuery('users.list')))).status).toBe(403);
    expect(data(await call(asCookie(cookie, trpcQuery('auth.me')))).user.role).toBe('viewer');
  });

  it('disabling ends the user’s sessions and tokens on their next request; their password no longer signs in', async () => {
    const { cookie, user } = await member('leaving@example.com', 'operator');
    const second = await signIn('leaving@example.com', GOOD_PASSWORD);
    const { token } = await createToken(cookie, { name: 'laptop', role: 'operator', expiresInDays: 30 });
    expect((await call(asToken(token, { method: 'GET', path: '/api/jobs/monitoring' }))).status).toBe(200);

    const off = await call(asCookie(adminCookie, trpcMutation('users.setStatus', { id: user.id, status: 'disabled' })));
    expect(off.status, off.text).toBe(200);
    for (const c of [cookie, second]) expect((await call(asCookie(c, meReq))).status).toBe(401);
    expect((await call(asToken(token, { method: 'GET', path: '/api/jobs/monitoring' }))).status).toBe(401);
    expect((await call(asToken(token, trpcQuery('queues.overview')))).status).toBe(401);
    // The same answer as a wrong password: nothing tells a disabled account apart.
    const refused = await call(loginReq('leaving@example.com', GOOD_PASSWORD));
    const wrong = await call(loginReq('leaving@example.com', 'wrong-password-here'));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(wrong.body);
    const { entries } = await auditList(app);
    expect(entries.find((e) => e.action === 'users.setStatus')).toMatchObject({ detail: { userId: user.id, status: 'disabled' }, ok: true });
  });

  it('the last admin cannot be demoted, and an admin cannot disable themselves', async () => {
    const list = data(await call(asCookie(adminCookie, trpcQuery('users.list'))));
    const first = list.find((u: Json) => u.email === 'admin@localhost');
    const self = await call(asCookie(adminCookie, trpcMutation('users.setStatus', { id: first.id, status: 'disabled' })));
    expect(self.status).toBe(400);
    expect(self.body.error.data.fieldErrors).toEqual({ status: ['you cannot disable your own account'] });
    // Other admins may exist by now (earlier tests); make the first admin the only one left, then try to demote it.
    for (const u of list.filter((u: Json) => u.role === 'admin' && u.id !== first.id)) {
      await call(asCookie(adminCookie, trpcMutation('users.setRole', { id: u.id, role: 'viewer' })));
    }
    const demote = await call(asCookie(adminCookie, trpcMutation('users.setRole', { id: first.id, role: 'operator' })));
    expect(demote.status).toBe(409);
    expect(appCode(demote.body)).toBe('LAST_ADMIN');
  });
});

describe('personal API tokens', () => {
  it('created once (shown once), used as a bearer, listed without the secret, revoked → 401', async () => {
    const { cookie, user } = await member('builder@example.com', 'operator');
    const { token, view } = await createToken(cookie, { name: 'ci', role: 'operator' });
    expect(token).toMatch(/^bj_[a-z0-9]{8}_/);
    expect(view).toMatchObject({ userId: user.id, name: 'ci', role: 'operator', prefix: token.slice(0, 11), revokedAt: null });
    // The default expiry: 90 days.
    expect(Math.round((view.expiresAt - view.createdAt) / 86_400_000)).toBe(90);

    const who = await call(asToken(token, meReq));
    expect(who.body.data.user).toEqual({
      id: user.id,
      email: 'builder@example.com',
      name: 'builder',
      role: 'operator',
      via: 'token',
      token: { id: view.id, name: 'ci' },
    });
    const listed = await call(asCookie(cookie, trpcQuery('tokens.list')));
    expect(data(listed)).toEqual([expect.objectContaining({ id: view.id, lastUsedAt: expect.any(Number) })]);
    expect(listed.text).not.toContain(token);

    const revoke = await call(asCookie(cookie, trpcMutation('tokens.revoke', { id: view.id })));
    expect(revoke.status).toBe(200);
    expect(data(revoke).revokedAt).toEqual(expect.any(Number));
    expect((await call(asToken(token, meReq))).status).toBe(401);
    expect((await call(asToken(token, trpcQuery('queues.overview')))).status).toBe(401);
    const { entries } = await auditList(app);
    expect(entries.find((e) => e.action === 'tokens.revoke')).toMatchObject({ user: 'builder', userId: user.id, email: 'builder@example.com', ok: true });
  });

  it('an expired token is 401', async () => {
    const { cookie } = await member('expiring@example.com', 'viewer');
    const { token, view } = await createToken(cookie, { name: 'short', role: 'viewer', expiresInDays: 1 });
    expect((await call(asToken(token, meReq))).status).toBe(200);
    await app.domain.store.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', view.id)
      .execute();
    expect((await call(asToken(token, meReq))).status).toBe(401);
  });

  it('a token is capped by its owner’s role: created no higher, and lowered when the owner is', async () => {
    const { cookie, user } = await member('capped@example.com', 'operator');
    const tooHigh = await call(asCookie(cookie, trpcMutation('tokens.create', { name: 'root', role: 'admin' })));
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.error.data.fieldErrors).toEqual({ role: ['must not be above your own role (operator)'] });
    const { token } = await createToken(cookie, { name: 'ops', role: 'operator', expiresInDays: null });
    await call(asCookie(adminCookie, trpcMutation('users.setRole', { id: user.id, role: 'viewer' })));
    expect((await call(asToken(token, meReq))).body.data.user.role).toBe('viewer');
  });

  it('tokens need an account: environment tokens and the shared viewer get a clear 403; others’ tokens are admin-only', async () => {
    const shared = await signIn('viewer', VIEWER_PASSWORD);
    for (const req of [
      asToken(API_TOKEN, trpcMutation('tokens.create', { name: 'x', role: 'viewer' })),
      asCookie(shared, trpcMutation('tokens.create', { name: 'x', role: 'viewer' })),
    ]) {
      const res = await call(req);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/belong to a user account/);
    }
    const { cookie: a } = await member('owner-a@example.com', 'operator');
    const { cookie: b, user: userB } = await member('owner-b@example.com', 'operator');
    const { view } = await createToken(b, { name: 'mine', role: 'viewer' });
    expect((await call(asCookie(a, trpcQuery('tokens.list', { userId: userB.id })))).status).toBe(403);
    expect((await call(asCookie(a, trpcMutation('tokens.revoke', { id: view.id })))).status).toBe(404);
    expect(data(await call(asCookie(adminCookie, trpcQuery('tokens.list', { userId: userB.id })))).map((t: Json) => t.id)).toEqual([view.id]);
    expect((await call(asCookie(adminCookie, trpcMutation('tokens.revoke', { id: view.id })))).status).toBe(200);
  });

  it('a personal token cannot create tokens (a leaked one cannot outlive its revocation)', async () => {
    const { cookie } = await member('minter@example.com', 'operator');
    const { token } = await createToken(cookie, { name: 'script', role: 'operator' });
    const res = await call(asToken(token, trpcMutation('tokens.create', { name: 'successor', role: 'operator', expiresInDays: null })));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/cannot create tokens/);
    expect(data(await call(asCookie(cookie, trpcQuery('tokens.list')))).map((t: Json) => t.name)).toEqual(['script']);
  });

  it('a token-shaped bearer that is no token is 401, like any wrong token', async () => {
    expect((await call(asToken(`bj_abcdefgh_${'A'.repeat(43)}`, meReq))).status).toBe(401);
    expect((await call(asToken('bj_nonsense', meReq))).status).toBe(401);
  });
});

describe('with ADMIN_EMAIL and a low sign-in limit', () => {
  let limited: ApiApp;
  beforeAll(async () => {
    limited = await startApiApp({ env: { ADMIN_EMAIL: 'Ops@Example.org', LOGIN_MAX_ATTEMPTS: '3' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('the first admin takes ADMIN_EMAIL', async () => {
    const res = await send(limited.base, loginReq('admin', ADMIN_PASSWORD));
    expect(res.body.data.user).toMatchObject({ email: 'ops@example.org', role: 'admin' });
  });

  it('guessing invite links is limited like sign-ins: 429 with Retry-After', async () => {
    const guess = () =>
      send(limited.base, { method: 'POST', path: '/api/auth/invites/accept', body: { token: 'x'.repeat(43), name: 'Guess', password: GOOD_PASSWORD } });
    for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(404);
    const blocked = await guess();
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
