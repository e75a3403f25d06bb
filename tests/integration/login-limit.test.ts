/**
 * The login limit over real HTTP and Redis: failed sign-ins count per (address, user) and per address; a
 * success clears its own user's count only; X-Forwarded-For names the address only when it comes from a
 * configured proxy (TRUST_PROXY).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, VIEWER_PASSWORD, startApiApp, type ApiApp } from '../helpers/api-app.ts';

const apps: ApiApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function app(env: Record<string, string> = {}): Promise<ApiApp> {
  const a = await startApiApp({ env });
  apps.push(a);
  return a;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
}

/** One sign-in, straight from this process over 127.0.0.1 (no proxy in between). */
async function signIn(a: ApiApp, username: 'admin' | 'viewer', password: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${a.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code };
}

const wrongAdmin = (a: ApiApp, headers?: Record<string, string>) => signIn(a, 'admin', 'wrong-password', headers);
const rightAdmin = (a: ApiApp, headers?: Record<string, string>) => signIn(a, 'admin', ADMIN_PASSWORD, headers);
const rightViewer = (a: ApiApp, headers?: Record<string, string>) => signIn(a, 'viewer', VIEWER_PASSWORD, headers);
const wrongViewer = (a: ApiApp, headers?: Record<string, string>) => signIn(a, 'viewer', 'wrong-password', headers);

describe('failed sign-ins per address and user', () => {
  it('nine wrong admin passwords then one right viewer sign-in, repeated: 429 long before 90 guesses', async () => {
    const a = await app(); // LOGIN_MAX_ATTEMPTS: the default, 10
    let checked = 0;
    let blockedAt: number | undefined;
    let guesses = 0;
    for (let round = 0; round < 10 && blockedAt === undefined; round++) {
      for (let i = 0; i < 9; i++) {
        const r = await wrongAdmin(a);
        guesses++;
        if (r.status === 429) {
          expect(r.code).toBe('TOO_MANY_ATTEMPTS');
          expect(Number(r.retryAfter)).toBeGreaterThan(0);
          blockedAt = guesses;
          break;
        }
        expect(r.status).toBe(401);
        checked++;
      }
      if (blockedAt === undefined) expect((await rightViewer(a)).status).toBe(200);
    }
    // Ten failures are checked, the eleventh guess is refused before its password is looked at.
    expect(blockedAt, `${checked} guesses checked and none refused`).toBe(11);
    expect(checked).toBe(10);
    // The address as a whole is not blocked yet (10 of its 20): the viewer still signs in.
    expect((await rightViewer(a)).status).toBe(200);
  });

  it("a viewer's success does not reset the admin count (LOGIN_MAX_ATTEMPTS=3)", async () => {
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3' });
    expect((await wrongAdmin(a)).status).toBe(401);
    expect((await wrongAdmin(a)).status).toBe(401);
    expect((await rightViewer(a)).status).toBe(200);
    expect((await wrongAdmin(a)).status).toBe(401);
    // Three admin failures: the right admin password is now refused before it is checked.
    const blocked = await rightAdmin(a);
    expect(blocked).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    // The viewer's own count is untouched.
    expect((await rightViewer(a)).status).toBe(200);
  });

  it("a success clears its own user's count, never the address's (2 × LOGIN_MAX_ATTEMPTS=3)", async () => {
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3' });
    const statuses: number[] = [];
    for (const attempt of [wrongAdmin, wrongAdmin, rightAdmin, wrongAdmin, wrongAdmin, rightAdmin, wrongViewer, wrongViewer]) {
      statuses.push((await attempt(a)).status);
    }
    // Each user stayed under 3 failures in a row, so every password was checked.
    expect(statuses).toEqual([401, 401, 200, 401, 401, 200, 401, 401]);
    // But the address has 6 failures (its limit): everything from it is refused now, right passwords too.
    expect(await rightAdmin(a)).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    expect(await rightViewer(a)).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
  });
});

describe('X-Forwarded-For and TRUST_PROXY', () => {
  /** Wrong admin passwords, each claiming another client address. */
  async function rotatingGuesses(a: ApiApp, n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await wrongAdmin(a, { 'x-forwarded-for': `198.51.100.${i + 1}` })).status);
    return statuses;
  }

  it('is ignored without TRUST_PROXY: a client cannot pick the address it is counted under', async () => {
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3' });
    expect(await rotatingGuesses(a, 5)).toEqual([401, 401, 401, 429, 429]);
  });

  it('is ignored from a client that is not one of the configured proxies', async () => {
    // The proxies live in the private network; this test's client reaches the port over loopback.
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3', TRUST_PROXY: 'uniquelocal' });
    expect(await rotatingGuesses(a, 5)).toEqual([401, 401, 401, 429, 429]);
  });

  it('names the address when it comes from a trusted proxy (TRUST_PROXY=loopback)', async () => {
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3', TRUST_PROXY: 'loopback' });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 3; i++) expect((await wrongAdmin(a, from('198.51.100.7'))).status).toBe(401);
    expect((await rightAdmin(a, from('198.51.100.7'))).status).toBe(429);
    // Another client behind the same proxy has a count of its own.
    expect((await wrongAdmin(a, from('198.51.100.8'))).status).toBe(401);
    expect((await rightAdmin(a, from('198.51.100.8'))).status).toBe(200);
  });

  it('counts IPv6 clients by their /64: a fresh address from the same network is the same client', async () => {
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3', TRUST_PROXY: 'loopback' });
    const statuses: number[] = [];
    for (const host of ['a', 'b', 'c', 'd']) statuses.push((await wrongAdmin(a, { 'x-forwarded-for': `2001:db8:1:2::${host}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await rightAdmin(a, { 'x-forwarded-for': '2001:db8:1:2:ffff:1:2:3' })).status).toBe(429);
    // Another /64 is another client.
    expect((await rightAdmin(a, { 'x-forwarded-for': '2001:db8:1:3::a' })).status).toBe(200);
  });

  it.each(['1', 'true'])('TRUST_PROXY=%s trusts loopback and private proxies only, never any client that connects', async (value) => {
    const a = await app({ LOGIN_MAX_ATTEMPTS: '3', TRUST_PROXY: value });
    // A proxy on loopback (this test's client) is trusted: its X-Forwarded-For names the client.
    for (let i = 0; i < 3; i++) expect((await wrongAdmin(a, { 'x-forwarded-for': '198.51.100.9' })).status).toBe(401);
    expect((await rightAdmin(a, { 'x-forwarded-for': '198.51.100.9' })).status).toBe(429);
    expect((await rightAdmin(a, { 'x-forwarded-for': '198.51.100.10' })).status).toBe(200);
    // Express's compiled trust: a peer on a public address is not a proxy, whatever it sends.
    const trusts = a.app.get('trust proxy fn') as (addr: string, hop: number) => boolean;
    expect(trusts('127.0.0.1', 0)).toBe(true);
    expect(trusts('10.1.2.3', 0)).toBe(true);
    expect(trusts('192.168.1.20', 0)).toBe(true);
    expect(trusts('203.0.113.5', 0)).toBe(false);
    expect(trusts('2001:db8::1', 0)).toBe(false);
  });
});
