/**
 * Accounts, invites and personal tokens on both stores (SQLite and PostgreSQL), through UserService with a clock of
 * the test's own (invites expire after 24 h, tokens after their days) and real sessions in Redis.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../../shared/auth.ts';
import { MIN_PASSWORD_LENGTH } from '../../shared/users.ts';
import { hashPassword } from '../../server/auth/passwords.ts';
import { SessionStore } from '../../server/auth/sessions.ts';
import type { Redis } from '../../server/redis.ts';
import { newToken, parseToken } from '../../server/users/api-tokens.ts';
import { commonPasswordCount, isCommonPassword } from '../../server/users/common-passwords.ts';
import { passwordProblems } from '../../server/users/password-policy.ts';
import { SignInRefusedError } from '../../server/users/sign-in-refused.ts';
import { INVITE_TTL_MS, TOKEN_TOUCH_INTERVAL_MS, UserService } from '../../server/users/user-service.ts';
import { UserStore } from '../../server/users/user-store.ts';
import { openTestStore, type TestStore } from '../helpers/databases.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';

const ADMIN_PASSWORD = 'bootstrap-admin-password';
const GOOD_PASSWORD = 'plum-ladder-quietly-7';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('password policy and token format (pure)', () => {
  it('the common list holds the 10,000 most common passwords, matched regardless of case', () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(9_900);
    for (const p of ['password', '123456', 'qwerty', 'iloveyou', 'PASSWORD', '1234567890']) expect(isCommonPassword(p), p).toBe(true);
    expect(isCommonPassword(GOOD_PASSWORD)).toBe(false);
  });

  it('too short, common, or the account itself: each says why', () => {
    expect(passwordProblems('short1')).toEqual([`must be at least ${MIN_PASSWORD_LENGTH} characters`]);
    // On the list and long enough: refused for being common.
    expect(isCommonPassword('qwerty123456')).toBe(true);
    expect(passwordProblems('Qwerty123456')).toEqual(['is one of the 10,000 most common passwords; choose another']);
    expect(passwordProblems('password')).toHaveLength(2);
    expect(passwordProblems('ada.lovelace@example.com', { email: 'ada.lovelace@example.com' })).toEqual(['must not be your email address or name']);
    expect(passwordProblems(GOOD_PASSWORD)).toEqual([]);
  });

  it('a token is bj_ + 8-character prefix + _ + secret; only its shape parses, and its hash is stable', () => {
    const t = newToken();
    expect(t.token).toMatch(/^bj_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(t.prefix).toBe(t.token.slice(0, 11));
    expect(parseToken(t.token)).toEqual({ prefix: t.prefix, hash: t.hash });
    expect(parseToken(`${t.token}x`)).toBeUndefined();
    expect(parseToken('bj_short')).toBeUndefined();
    expect(parseToken('admin-token-for-tests')).toBeUndefined();
    expect(newToken().token).not.toBe(t.token);
  });
});

describeOnStores('users, invites and tokens', (dialect, test) => {
  let db: TestStore;
  let redis: Redis;
  let prefix: string;
  let sessions: SessionStore;
  let clock: number;
  let users: UserService;
  let admin: User;

  const service = () =>
    new UserService({
      store: new UserStore(db.store.db),
      sessions,
      bootstrap: { email: 'Boss@Example.com', passwordHash: hashPassword(ADMIN_PASSWORD) },
      now: () => clock,
    });

  /** Invites `email` and accepts it: the new account, signed in. */
  async function member(email: string, role: User['role'], name = email.split('@')[0]): Promise<User> {
    const { token } = await users.invite(admin, { email, role });
    return users.acceptInvite({ token, name, password: GOOD_PASSWORD });
  }

  beforeAll(async () => {
    redis = connect();
  });
  afterAll(async () => {
    await redis?.quit();
  });
  beforeEach(async () => {
    db = await openTestStore(dialect);
    prefix = testPrefix('users');
    sessions = new SessionStore(redis, { prefix, ttlSec: 3600 });
    clock = Date.parse('2026-12-01T10:00:00.000Z');
    users = service();
    expect(await users.ensureFirstAdmin()).toMatchObject({ created: true, user: { email: 'boss@example.com', role: 'admin', name: 'admin' } });
    admin = (await users.signInWithPassword('admin', ADMIN_PASSWORD))!;
  });
  afterEach(async () => {
    await removeKeys(redis, prefix);
    await db?.close();
  });

  test('the first admin is created once, however often (or by however many processes) it is asked', async () => {
    expect(await users.ensureFirstAdmin()).toEqual({ created: false });
    const again = await Promise.all([service().ensureFirstAdmin(), service().ensureFirstAdmin()]);
    expect(again.every((r) => !r.created)).toBe(true);
    expect(await users.list()).toHaveLength(1);
    expect(admin).toMatchObject({ id: expect.any(String), email: 'boss@example.com', name: 'admin', role: 'admin', via: 'session' });
    // The bootstrap name and the email both sign in with ADMIN_PASSWORD (its hash is the account's password).
    expect(await users.signInWithPassword('Boss@Example.com', ADMIN_PASSWORD)).toMatchObject({ id: admin.id });
    expect(await users.signInWithPassword('admin', 'wrong-password')).toBeUndefined();
    const [view] = await users.list();
    expect(view.lastLoginAt).toBe(clock);
  });

  test('two processes starting at once on an empty table: one first admin', async () => {
    const fresh = await openTestStore(dialect);
    try {
      const starts = Array.from(
        { length: 3 },
        () =>
          new UserService({
            store: new UserStore(fresh.store.db),
            sessions,
            bootstrap: { email: 'admin@localhost', passwordHash: hashPassword(ADMIN_PASSWORD) },
          }),
      );
      const results = await Promise.all(starts.map((s) => s.ensureFirstAdmin()));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await starts[0].list()).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  test('an empty table at the first `admin` sign-in creates the first admin then (a start that skipped it)', async () => {
    const fresh = await openTestStore(dialect);
    try {
      const lazy = new UserService({
        store: new UserStore(fresh.store.db),
        sessions,
        bootstrap: { email: 'admin@localhost', passwordHash: hashPassword(ADMIN_PASSWORD) },
      });
      expect(await lazy.signInWithPassword('admin', ADMIN_PASSWORD)).toMatchObject({ email: 'admin@localhost', role: 'admin' });
      expect(await lazy.list()).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  test('invite → accept → sign in by email; the invite is single use', async () => {
    const { invite, token } = await users.invite(admin, { email: 'Ada@Example.com', role: 'operator' });
    expect(invite).toMatchObject({ email: 'ada@example.com', role: 'operator', createdBy: 'boss@example.com', usedAt: null });
    expect(invite.expiresAt - invite.createdAt).toBe(INVITE_TTL_MS);
    expect(await users.inviteInfo(token)).toEqual({ email: 'ada@example.com', role: 'operator', expiresAt: invite.expiresAt });
    expect(await users.inviteInfo('not-a-token-at-all')).toBeUndefined();

    const ada = await users.acceptInvite({ token, name: 'Ada Lovelace', password: GOOD_PASSWORD });
    expect(ada).toMatchObject({ id: expect.any(String), email: 'ada@example.com', name: 'Ada Lovelace', role: 'operator', via: 'session' });
    expect(await users.inviteInfo(token)).toBeUndefined();
    await expect(users.acceptInvite({ token, name: 'Mallory', password: GOOD_PASSWORD })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await users.listInvites())[0].usedAt).toBe(clock);

    expect(await users.signInWithPassword('ADA@example.com', GOOD_PASSWORD)).toMatchObject({ id: ada.id, role: 'operator' });
    expect(await users.signInWithPassword('ada@example.com', 'wrong-password-here')).toBeUndefined();
    expect(await users.signInWithPassword('nobody@example.com', GOOD_PASSWORD)).toBeUndefined();
    // An email that has an account cannot be invited again.
    await expect(users.invite(admin, { email: 'ada@example.com', role: 'viewer' })).rejects.toMatchObject({
      code: 'USER_EXISTS',
      fieldErrors: { email: ['already has an account'] },
    });
  });

  test('two acceptances of one link at once: exactly one account', async () => {
    const { token } = await users.invite(admin, { email: 'twin@example.com', role: 'viewer' });
    const results = await Promise.allSettled([
      users.acceptInvite({ token, name: 'One', password: GOOD_PASSWORD }),
      users.acceptInvite({ token, name: 'Two', password: GOOD_PASSWORD }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await users.list()).filter((u) => u.email === 'twin@example.com')).toHaveLength(1);
  });

  test('an invite expires 24 h after it was made', async () => {
    const { token } = await users.invite(admin, { email: 'late@example.com', role: 'viewer' });
    clock += INVITE_TTL_MS - 1000;
    expect(await users.inviteInfo(token)).toMatchObject({ email: 'late@example.com' });
    clock += 1000;
    expect(await users.inviteInfo(token)).toBeUndefined();
    await expect(users.acceptInvite({ token, name: 'Late', password: GOOD_PASSWORD })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await users.list()).map((u) => u.email)).toEqual(['boss@example.com']);
  });

  test('a revoked invite no longer works', async () => {
    const { invite, token } = await users.invite(admin, { email: 'gone@example.com', role: 'viewer' });
    await users.revokeInvite(admin, invite.id);
    expect(await users.inviteInfo(token)).toBeUndefined();
    await expect(users.revokeInvite(admin, invite.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('weak, common and short passwords are refused naming the field, and the invite stays usable', async () => {
    const { token } = await users.invite(admin, { email: 'weak@example.com', role: 'viewer' });
    for (const password of ['qwerty123456', '1QAZ2WSX3EDC', 'weak@example.com', 'short']) {
      const err = await users.acceptInvite({ token, name: 'Weak', password }).catch((e) => e);
      expect(err, password).toMatchObject({ code: 'INVALID_INPUT', fieldErrors: { password: expect.any(Array) } });
      expect(err.message).toMatch(/^password: /);
    }
    expect(await users.inviteInfo(token)).toBeDefined();
    expect(await users.acceptInvite({ token, name: 'Weak', password: GOOD_PASSWORD })).toMatchObject({ email: 'weak@example.com' });
  });

  test('setRole takes effect on the session at its next read; the last admin keeps the role', async () => {
    const ada = await member('ada@example.com', 'viewer');
    const { session } = await sessions.create(ada);
    expect(await users.userFromSession(session.user)).toMatchObject({ role: 'viewer' });
    expect(await users.setRole(admin, ada.id!, 'operator')).toMatchObject({ role: 'operator' });
    expect(await users.userFromSession(session.user)).toMatchObject({ id: ada.id, role: 'operator', via: 'session' });

    await expect(users.setRole(admin, admin.id!, 'viewer')).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await users.setRole(admin, ada.id!, 'admin');
    expect(await users.setRole(admin, admin.id!, 'operator')).toMatchObject({ role: 'operator' });
    await expect(users.setRole(admin, 'no-such-id', 'viewer')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('disabling ends every session of the user and their tokens, and refuses their password', async () => {
    const ada = await member('ada@example.com', 'operator');
    const a = await sessions.create(ada);
    const b = await sessions.create(ada);
    const other = await sessions.create(admin);
    const { token } = await users.createToken(ada, { name: 'ci', role: 'operator', expiresInDays: 30 });
    expect(await users.userFromToken(token)).toMatchObject({ id: ada.id, via: 'token' });

    await users.setStatus(admin, ada.id!, 'disabled');
    expect(await sessions.get(a.id)).toBeUndefined();
    expect(await sessions.get(b.id)).toBeUndefined();
    expect(await sessions.get(other.id)).toBeDefined();
    expect(await users.userFromSession(a.session.user)).toBeUndefined();
    expect(await users.userFromToken(token)).toBeUndefined();
    expect(await users.signInWithPassword('ada@example.com', GOOD_PASSWORD)).toBeUndefined();

    // Enabled again: password and token work; the ended sessions stay ended.
    await users.setStatus(admin, ada.id!, 'active');
    expect(await users.userFromToken(token)).toMatchObject({ id: ada.id });
    expect(await users.signInWithPassword('ada@example.com', GOOD_PASSWORD)).toMatchObject({ id: ada.id });
    expect(await sessions.get(a.id)).toBeUndefined();

    await expect(users.setStatus(admin, admin.id!, 'disabled')).rejects.toMatchObject({ code: 'INVALID_INPUT', fieldErrors: { status: expect.any(Array) } });
  });

  test('a token acts with the lower of its role and its owner’s current role; never created above the owner’s', async () => {
    const ada = await member('ada@example.com', 'operator');
    await expect(users.createToken(ada, { name: 'too-high', role: 'admin', expiresInDays: 30 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      fieldErrors: { role: ['must not be above your own role (operator)'] },
    });
    const { token, view } = await users.createToken(ada, { name: 'deploys', role: 'operator', expiresInDays: null });
    expect(view).toMatchObject({ userId: ada.id, name: 'deploys', role: 'operator', expiresAt: null, revokedAt: null, lastUsedAt: null });
    expect(token.startsWith(view.prefix)).toBe(true);
    expect(await users.userFromToken(token)).toEqual({
      id: ada.id,
      name: 'ada',
      email: 'ada@example.com',
      role: 'operator',
      via: 'token',
      token: { id: view.id, name: 'deploys' },
    });
    await users.setRole(admin, ada.id!, 'viewer');
    expect(await users.userFromToken(token)).toMatchObject({ role: 'viewer' });
    await users.setRole(admin, ada.id!, 'admin');
    // The token's own role stays its ceiling.
    expect(await users.userFromToken(token)).toMatchObject({ role: 'operator' });
    // A caller without an account has no tokens of its own.
    await expect(users.createToken({ name: 'api-token', role: 'admin', via: 'token' }, { name: 'x', role: 'viewer', expiresInDays: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  test('expired and revoked tokens name nobody; only the owner or an admin revokes', async () => {
    const ada = await member('ada@example.com', 'operator');
    const bob = await member('bob@example.com', 'operator');
    const short = await users.createToken(ada, { name: 'short', role: 'viewer', expiresInDays: 1 });
    clock += DAY - 1;
    expect(await users.userFromToken(short.token)).toBeDefined();
    clock += 1;
    expect(await users.userFromToken(short.token)).toBeUndefined();

    const kept = await users.createToken(ada, { name: 'kept', role: 'operator', expiresInDays: 90 });
    await expect(users.revokeToken(bob, kept.view.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await users.userFromToken(kept.token)).toBeDefined();
    expect(await users.revokeToken(ada, kept.view.id)).toMatchObject({ revokedAt: clock });
    expect(await users.userFromToken(kept.token)).toBeUndefined();
    const third = await users.createToken(ada, { name: 'third', role: 'viewer', expiresInDays: 90 });
    await users.revokeToken(admin, third.view.id);
    expect(await users.userFromToken(third.token)).toBeUndefined();
    expect((await users.listTokens(ada.id!)).map((t) => t.name).sort()).toEqual(['kept', 'short', 'third']);
    expect(await users.userFromToken(`${third.token.slice(0, -1)}A`)).toBeUndefined();
  });

  test('last use is written at most once a minute per token', async () => {
    const ada = await member('ada@example.com', 'operator');
    const { token, view } = await users.createToken(ada, { name: 'ci', role: 'operator', expiresInDays: 30 });
    const lastUsed = async () => (await users.listTokens(ada.id!)).find((t) => t.id === view.id)!.lastUsedAt;
    const first = clock;
    await users.userFromToken(token);
    expect(await lastUsed()).toBe(first);
    clock += TOKEN_TOUCH_INTERVAL_MS - 1;
    await users.userFromToken(token);
    expect(await lastUsed()).toBe(first);
    clock += 1;
    await users.userFromToken(token);
    expect(await lastUsed()).toBe(clock);
  });

  test('single sign-on creates the account once, links a verified email, refuses a disabled one', async () => {
    const profile = {
      issuer: 'https://idp.example.com',
      subject: 'sub-1',
      email: 'Sso@Example.com',
      emailVerified: true,
      name: 'Sso Person',
      role: 'viewer' as const,
    };
    const first = await users.signInWithOidc(profile);
    expect(first).toMatchObject({ email: 'sso@example.com', name: 'Sso Person', role: 'viewer', via: 'session' });
    expect(await users.signInWithOidc({ ...profile, role: 'admin' })).toMatchObject({ id: first.id, role: 'viewer' });
    expect((await users.get(first.id!))?.sso).toBe(true);
    // No password of ours: email sign-in is refused.
    expect(await users.signInWithPassword('sso@example.com', '')).toBeUndefined();

    const ada = await member('ada@example.com', 'operator');
    await expect(users.signInWithOidc({ ...profile, subject: 'sub-2', email: 'ada@example.com', emailVerified: false })).rejects.toBeInstanceOf(
      SignInRefusedError,
    );
    expect(await users.signInWithOidc({ ...profile, subject: 'sub-2', email: 'ada@example.com' })).toMatchObject({ id: ada.id, role: 'operator' });

    await users.setStatus(admin, first.id!, 'disabled');
    await expect(users.signInWithOidc(profile)).rejects.toMatchObject({ code: 'ACCOUNT_DISABLED' });
    await expect(users.signInWithOidc({ ...profile, subject: 'sub-3', email: undefined })).rejects.toMatchObject({ code: 'EMAIL_REQUIRED' });
  });
});
