/**
 * Single sign-on against a real OpenID Provider (oidc-provider, e2e/oidc-provider.ts) on a free port: the test is the
 * browser, following redirects and carrying each site's cookies by hand, through the provider's sign-in form and back
 * to the real app's callback. Real Redis (the sign-in attempts), a real SQLite store (the accounts).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../shared/auth.ts';
import { LoginStateStore } from '../../server/oidc/login-state.ts';
import { oidcEnv, type ProviderAccount, startOidcProvider, type TestOidcProvider } from '../../e2e/oidc-provider.ts';
import { startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { parseSetCookie } from '../helpers/api-requests.ts';
import { connect } from '../helpers/redis.ts';
import type { Redis } from '../../server/redis.ts';

const CLIENT = { clientId: 'bizjobs-test', clientSecret: 'a-client-secret-for-tests' };
const ACCOUNTS: ProviderAccount[] = [
  { login: 'ann', email: 'Ann@Example.com', name: 'Ann Lee', groups: ['staff', 'bizjobs-ops'] },
  { login: 'dan', email: 'dan@example.com', name: 'Dan Disabled' },
  { login: 'eve', email: 'eve@evil.io', name: 'Eve', groups: ['bizjobs-admins'] },
  { login: 'uma', email: 'uma@example.com', name: 'Uma Unverified', emailVerified: false },
  { login: 'nina', email: 'nina@example.com', name: 'Nina Nonce' },
  { login: 'sam', email: 'sam@example.com', name: 'Sam State' },
];

interface Line {
  msg: string;
  code?: string;
  reason?: string;
}

/** A browser: cookies per origin (path ignored: each site's names are distinct), redirects followed by the caller. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const { origin } = new URL(url);
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.form && new URLSearchParams(init.form).toString(),
      redirect: 'manual',
    });
    for (const header of res.headers.getSetCookie()) {
      const { name, value, attributes } = parseSetCookie(header);
      if (attributes.get('max-age') === '0' || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    return { res, location: location === null ? undefined : new URL(location, url).href, text: await res.text() };
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }
}

let idp: TestOidcProvider;
let app: ApiApp;
let redis: Redis;
const lines: Line[] = [];

beforeAll(async () => {
  idp = await startOidcProvider(ACCOUNTS.map((a) => ({ ...a })));
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text));
      done();
    },
  });
  app = await startApiApp({
    log: pino({ level: 'info' }, stream),
    env: {
      ...oidcEnv(idp.issuer, CLIENT),
    },
  });
  redis = connect();
});

afterAll(async () => {
  await redis?.quit();
  await app?.close();
  await idp?.close();
});

const callbackPrefix = () => `${app.base}/api/auth/oidc/callback`;

/** The provider answers 503 to everything (discovery included) until the app's client is registered. */
let registered = false;
function registerClient() {
  if (registered) return;
  idp.registerClient({ ...CLIENT, redirectUri: callbackPrefix() });
  registered = true;
}

/**
 * Starts a sign-in at the app and goes through the provider (its sign-in form, when the provider has no session for
 * this browser yet) up to the moment the provider sends the browser back: returns that callback URL, not yet visited.
 */
async function reachCallback(browser: Browser, login: string, opts: { returnTo?: string; abort?: boolean } = {}): Promise<string> {
  registerClient();
  const start = await browser.request(`${app.base}/api/auth/oidc/start${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`);
  expect(start.res.status, start.text).toBe(302);
  let next = start.location;
  for (let hop = 0; hop < 10 && next; hop++) {
    if (next.startsWith(callbackPrefix())) return next;
    expect(next.startsWith(idp.issuer), `stays at the provider: ${next}`).toBe(true);
    const page = await browser.request(next);
    if (page.res.status === 200) {
      // The provider's sign-in form: post it (or abort) as a person would.
      const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
      expect(action, page.text).toBeDefined();
      const uid = /\/interaction\/([^/]+)/.exec(action!)![1];
      const sent = opts.abort
        ? await browser.request(`${idp.issuer}/interaction/${uid}/abort`)
        : await browser.request(new URL(action!, next).href, { method: 'POST', form: { prompt: 'login', login, password: 'any' } });
      next = sent.location;
    } else {
      expect([302, 303], page.text).toContain(page.res.status);
      next = page.location;
    }
  }
  throw new Error(`never came back to the app (last: ${next})`);
}

/** Visits the callback: where the app sends the browser, and the session cookie when it set one. */
async function visitCallback(browser: Browser, url: string) {
  const r = await browser.request(url);
  expect(r.res.status, r.text).toBe(302);
  const session = r.res.headers.getSetCookie().find((c) => c.startsWith('bj_session='));
  return { location: r.location!, session: session ? parseSetCookie(session) : undefined, browser };
}

async function signIn(login: string, opts: { returnTo?: string; browser?: Browser } = {}) {
  const browser = opts.browser ?? new Browser();
  return visitCallback(browser, await reachCallback(browser, login, opts));
}

async function me(cookieValue: string): Promise<{ status: number; user?: User }> {
  const res = await fetch(`${app.base}/api/auth/me`, { headers: { cookie: `bj_session=${cookieValue}` } });
  const body = (await res.json()) as { data?: { user: User } };
  return { status: res.status, user: body.data?.user };
}

const usersNamed = async (email: string) => (await app.services.users.list()).filter((u) => u.email === email);

/** The refusal's log line: code and reason, so a test knows which check refused. */
const refusals = () => lines.filter((l) => l.msg === 'Single sign-on refused');

function expectRefused(location: string, message: RegExp) {
  const url = new URL(location);
  expect(url.origin + url.pathname).toBe(`${app.base}/login`);
  expect(url.searchParams.get('error')).toMatch(message);
}

describe('single sign-on with OpenID Connect', () => {
  it('sends the browser back to the sign-in page while the provider cannot be reached, and discovers again at the next try', async () => {
    const down = await new Browser().request(`${app.base}/api/auth/oidc/start`);
    expect(down.res.status).toBe(302);
    expectRefused(down.location!, /cannot be reached/);
    expect(refusals().at(-1)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(refusals().at(-1)?.reason).toMatch(/discovery failed/);

    registerClient();
    const up = await new Browser().request(`${app.base}/api/auth/oidc/start`);
    expect(up.res.status).toBe(302);
    expect(up.location!.startsWith(`${idp.issuer}/auth?`)).toBe(true);
    const asked = new URL(up.location!).searchParams;
    expect(asked.get('scope')).toBe('openid email profile groups');
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('redirect_uri')).toBe(callbackPrefix());
    for (const p of ['state', 'nonce', 'code_challenge']) expect(asked.get(p)?.length, p).toBeGreaterThanOrEqual(43);
  });

  it('a first sign-in creates the account with the role its groups map to, with the session login gives, and lands on the return path', async () => {
    const { location, session } = await signIn('ann', { returnTo: '/queues/alerts?state=failed' });
    expect(location).toBe(`${app.base}/queues/alerts?state=failed`);
    expect(session, 'a session cookie').toBeDefined();
    // The same cookie as POST /api/auth/login sets.
    expect(session!.attributes.get('path')).toBe('/');
    expect(session!.attributes.has('httponly')).toBe(true);
    expect(session!.attributes.get('samesite')).toBe('Lax');
    const { status, user } = await me(session!.value);
    expect(status).toBe(200);
    expect(user).toMatchObject({ email: 'ann@example.com', name: 'Ann Lee', role: 'operator', via: 'session' });
    expect(user!.id, 'a stored account id (a UUID)').toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const [view] = await usersNamed('ann@example.com');
    expect(view).toMatchObject({ id: user!.id, role: 'operator', status: 'active', sso: true });
    expect(view.lastLoginAt).not.toBeNull();
  });

  it('a second sign-in finds the same account; a group change at the provider applies, a missing claim keeps the role', async () => {
    const [before] = await usersNamed('ann@example.com');
    idp.accounts.get('ann')!.groups = ['bizjobs-admins', 'bizjobs-ops'];
    const again = await signIn('ann');
    expect(again.location).toBe(`${app.base}/`);
    expect((await me(again.session!.value)).user).toMatchObject({ id: before.id, role: 'admin' });

    // The provider stops sending groups: the stored role stays (it may have been set in the console).
    idp.accounts.get('ann')!.groups = undefined;
    const third = await signIn('ann', { browser: again.browser });
    expect((await me(third.session!.value)).user).toMatchObject({ id: before.id, role: 'admin' });

    // No group of ours any more: viewer.
    idp.accounts.get('ann')!.groups = ['staff'];
    const fourth = await signIn('ann');
    expect((await me(fourth.session!.value)).user).toMatchObject({ id: before.id, role: 'viewer' });
    expect(await usersNamed('ann@example.com')).toHaveLength(1);
  });

  it('sends a return path off this console to / instead', async () => {
    expect((await signIn('ann', { returnTo: '//evil.example/phish' })).location).toBe(`${app.base}/`);
    expect((await signIn('ann', { returnTo: 'https://evil.example/' })).location).toBe(`${app.base}/`);
  });

  it('refuses a tampered state, and a callback used twice', async () => {
    const browser = new Browser();
    const callback = await reachCallback(browser, 'sam');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const refused = await visitCallback(browser, tampered.href);
    expectRefused(refused.location, /expired or was already used/);
    expect(refused.session).toBeUndefined();
    expect(refusals().at(-1)).toMatchObject({ code: 'UNKNOWN_STATE' });

    // The genuine callback still works once, and never again.
    const ok = await visitCallback(browser, callback);
    expect(ok.location).toBe(`${app.base}/`);
    expect(ok.session).toBeDefined();
    const replay = await visitCallback(browser, callback);
    expectRefused(replay.location, /expired or was already used/);
    expect(replay.session).toBeUndefined();

    // Nothing at all: refused the same way, never an error page.
    expectRefused((await visitCallback(browser, callbackPrefix())).location, /expired or was already used/);
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const browser = new Browser();
    const callback = await reachCallback(browser, 'nina');
    // The attempt kept in Redis now expects another nonce than the one the provider put in the ID token.
    const key = new LoginStateStore(redis, { prefix: `${app.prefix}:console` }).key(new URL(callback).searchParams.get('state')!);
    const attempt = JSON.parse((await redis.get(key))!);
    await redis.set(key, JSON.stringify({ ...attempt, nonce: `${attempt.nonce}-other` }), 'KEEPTTL');
    const r = await visitCallback(browser, callback);
    expectRefused(r.location, /could not be verified/);
    expect(r.session).toBeUndefined();
    expect(refusals().at(-1)).toMatchObject({ code: 'VERIFICATION_FAILED' });
    expect(refusals().at(-1)?.reason).toMatch(/nonce/);
    expect(await usersNamed('nina@example.com')).toHaveLength(0);
  });

  it('refuses a callback opened in a browser other than the one that started the sign-in (login CSRF)', async () => {
    const callback = await reachCallback(new Browser(), 'nina');
    const r = await visitCallback(new Browser(), callback);
    expectRefused(r.location, /started in another browser/);
    expect(r.session).toBeUndefined();
    expect(refusals().at(-1)).toMatchObject({ code: 'WRONG_BROWSER' });
  });

  it('refuses an email domain that is not allowed, and an unverified email', async () => {
    const eve = await signIn('eve');
    expectRefused(eve.location, /evil\.io may not sign in here/);
    expect(eve.session).toBeUndefined();
    expect(refusals().at(-1)).toMatchObject({ code: 'DOMAIN_NOT_ALLOWED' });
    expect(await usersNamed('eve@evil.io')).toHaveLength(0);

    const uma = await signIn('uma');
    expectRefused(uma.location, /not verified/);
    expect(refusals().at(-1)).toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });
    expect(await usersNamed('uma@example.com')).toHaveLength(0);
  });

  it('refuses a disabled account', async () => {
    const first = await signIn('dan');
    const { user } = await me(first.session!.value);
    expect(user).toMatchObject({ email: 'dan@example.com', role: 'viewer' });
    const admin: User = { id: 'an-admin', name: 'admin', role: 'admin', via: 'session' };
    await app.services.users.setStatus(admin, user!.id!, 'disabled');
    expect((await me(first.session!.value)).status).toBe(401);

    const again = await signIn('dan');
    expectRefused(again.location, /disabled/);
    expect(again.session).toBeUndefined();
    expect(refusals().at(-1)).toMatchObject({ code: 'USER_REFUSED' });
  });

  it('turns the provider refusing (the person cancels) into a message on the sign-in page', async () => {
    const browser = new Browser();
    const r = await visitCallback(browser, await reachCallback(browser, 'nina', { abort: true }));
    expectRefused(r.location, /refused \(access_denied\)/);
    expect(refusals().at(-1)).toMatchObject({ code: 'PROVIDER_REFUSED' });
  });

  it('keeps the sign-in attempts in Redis for 10 minutes, under the console prefix', async () => {
    const browser = new Browser();
    const callback = await reachCallback(browser, 'ann');
    const key = new LoginStateStore(redis, { prefix: `${app.prefix}:console` }).key(new URL(callback).searchParams.get('state')!);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    await visitCallback(browser, callback);
    expect(await redis.exists(key)).toBe(0);
  });
});
