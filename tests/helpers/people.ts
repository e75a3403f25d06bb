import { randomUUID } from 'node:crypto';
import type { Role, User } from '../../shared/auth.ts';
import { ADMIN_PASSWORD, type ApiApp } from './api-app.ts';

/** A stored user as the role and audit tests use them: signed in (cookie) and with a personal API token. */
export interface Person {
  user: User;
  email: string;
  password: string;
  /** A personal API token of theirs, with their role. */
  token: string;
  tokenName: string;
  /** `bj_session=…`, from signing in through the real endpoint with email and password. */
  cookie: string;
}

/** Signs in through the real endpoint (email or `admin`/`viewer`) and returns the Cookie header value. */
export async function signIn(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/**
 * A person with an account, made the way people get one: the first admin invites them, they accept with a name
 * and password (UserService, as the routes do), then sign in over HTTP and create a personal token.
 */
export async function addPerson(app: ApiApp, p: { name: string; email: string; role: Role }): Promise<Person> {
  const users = app.services.users;
  const admin = await users.signInWithPassword('admin', ADMIN_PASSWORD);
  if (!admin) throw new Error('the first admin could not sign in');
  const { token: inviteToken } = await users.invite(admin, { email: p.email, role: p.role });
  const password = `Tq7!${randomUUID()}`;
  const user = await users.acceptInvite({ token: inviteToken, name: p.name, password });
  const tokenName = `${p.name.split(' ')[0].toLowerCase()}-laptop`;
  const { token } = await users.createToken(user, { name: tokenName, role: p.role, expiresInDays: 1 });
  const cookie = await signIn(app.base, p.email, password);
  return { user, email: p.email, password, token, tokenName, cookie };
}
