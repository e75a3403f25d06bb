import { randomUUID } from 'node:crypto';
import { lowerRole, roleAtLeast, type Role, type User } from '../../shared/auth.ts';
import {
  tokenCreateInputSchema,
  type ApiTokenView,
  type InviteAcceptInput,
  type InviteCreateInput,
  type InviteView,
  type TokenCreateInput,
  type UserStatus,
  type UserView,
} from '../../shared/users.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { AppError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { hashSecret, newInviteToken, newToken, parseToken } from './api-tokens.ts';
import { assertAcceptablePassword } from './password-policy.ts';
import { SignInRefusedError } from './sign-in-refused.ts';
import { toInviteView, toTokenView, toUserView, type UserRow, type UserStore } from './user-store.ts';

export const INVITE_TTL_MS = 24 * 3600 * 1000;
/** A token's last use is written at most this often per token and process, not on every request. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

export interface UserServiceDeps {
  store: UserStore;
  /** Ends a disabled user's sessions (server/auth/sessions.ts). */
  sessions: { endUserSessions(userId: string): Promise<number> };
  /**
   * The first admin, created at first start: ADMIN_EMAIL, and the hash of ADMIN_PASSWORD (or of the generated
   * password). The username `admin` is checked against this hash at every sign-in, so a changed ADMIN_PASSWORD works.
   */
  bootstrap: { email: string; passwordHash: string };
  /** Milliseconds since the epoch; tests pass their own. */
  now?: () => number;
  log?: Logger;
}

export interface OidcProfile {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  /** The role a first sign-in creates the account with (from OIDC_ROLE_CLAIM); an existing account keeps its own. */
  role: Role;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toUser(row: Pick<UserRow, 'id' | 'name' | 'email' | 'role'>, via: User['via']): User {
  return { id: row.id, name: row.name, email: row.email, role: row.role as Role, via };
}

/** Checked against when no account matches, so an unknown email costs a sign-in as long as a known one. */
let dummyHash: string | undefined;

/**
 * People: the first admin, sign-in by email or the bootstrap name, invites, roles and status, personal API tokens.
 * Sessions and tokens are re-checked against the account on every request, so a role change or a disabled account
 * takes effect on the caller's next request.
 */
export class UserService {
  private readonly store: UserStore;
  private readonly now: () => number;
  /** Token id → when this process last wrote its last_used_at. */
  private readonly touched = new Map<string, number>();

  constructor(private readonly deps: UserServiceDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
  }

  // — the first admin and signing in —

  /** Creates the first admin when there is no account at all (first start). Safe when several processes start at once. */
  async ensureFirstAdmin(): Promise<{ created: boolean; user?: UserView }> {
    if ((await this.store.countUsers()) > 0) return { created: false };
    const row: UserRow = {
      id: randomUUID(),
      email: this.deps.bootstrap.email.toLowerCase(),
      // The name the audit log has always shown for the shared admin password.
      name: 'admin',
      role: 'admin',
      status: 'active',
      password_hash: this.deps.bootstrap.passwordHash,
      oidc_issuer: null,
      oidc_subject: null,
      created_at: iso(this.now()),
      last_login_at: null,
    };
    try {
      await this.store.insertUser(row);
    } catch (err) {
      // Another process created it first.
      if ((await this.store.countUsers()) > 0) return { created: false };
      throw err;
    }
    this.deps.log?.info({ email: row.email }, 'Created the first admin account');
    return { created: true, user: toUserView(row) };
  }

  /**
   * `admin` + ADMIN_PASSWORD signs in as the first admin; anything else is an email and its account's own password.
   * Undefined for a wrong password, an unknown email, an account with no password (single sign-on only) and a
   * disabled account alike: the answer does not tell them apart.
   */
  async signInWithPassword(usernameOrEmail: string, password: string): Promise<User | undefined> {
    const name = usernameOrEmail.trim().toLowerCase();
    if (name === 'admin') {
      if (!(await verifyPassword(password, this.deps.bootstrap.passwordHash))) return undefined;
      let row = await this.store.firstAdmin();
      if (!row) {
        await this.ensureFirstAdmin();
        row = await this.store.firstAdmin();
      }
      return row?.status === 'active' ? this.recordLogin(row) : undefined;
    }
    const row = await this.store.getUserByEmail(name);
    dummyHash ??= hashPassword(randomUUID());
    const ok = await verifyPassword(password, row?.password_hash ?? dummyHash);
    if (!row?.password_hash || !ok || row.status !== 'active') return undefined;
    return this.recordLogin(row);
  }

  /** First sign-in through the identity provider creates the account; later ones find it by (issuer, subject). */
  async signInWithOidc(profile: OidcProfile): Promise<User> {
    const email = profile.email?.trim().toLowerCase();
    let row = await this.store.getUserByOidc(profile.issuer, profile.subject);
    if (!row && email) {
      const existing = await this.store.getUserByEmail(email);
      if (existing) {
        // An account that exists (invited, or the first admin) is linked only on the provider's word that the address is theirs.
        if (!profile.emailVerified || existing.oidc_subject) {
          throw new SignInRefusedError('EMAIL_TAKEN', `An account for ${email} already exists and cannot be linked to this sign-in`);
        }
        await this.store.updateUser(existing.id, { oidc_issuer: profile.issuer, oidc_subject: profile.subject });
        row = { ...existing, oidc_issuer: profile.issuer, oidc_subject: profile.subject };
      }
    }
    if (!row) {
      if (!email) throw new SignInRefusedError('EMAIL_REQUIRED', 'The identity provider did not send an email address');
      row = {
        id: randomUUID(),
        email,
        name: profile.name?.trim().slice(0, 100) || email,
        role: profile.role,
        status: 'active',
        password_hash: null,
        oidc_issuer: profile.issuer,
        oidc_subject: profile.subject,
        created_at: iso(this.now()),
        last_login_at: null,
      };
      await this.store.insertUser(row);
      this.deps.log?.info({ email, role: row.role }, 'Created an account at its first single sign-on');
    }
    if (row.status !== 'active') throw new SignInRefusedError('ACCOUNT_DISABLED', 'This account is disabled; ask an admin');
    return this.recordLogin(row);
  }

  private async recordLogin(row: UserRow): Promise<User> {
    await this.store.updateUser(row.id, { last_login_at: iso(this.now()) });
    return toUser(row, 'session');
  }

  /** The account behind a session, read again: undefined once it is disabled (or gone); its current role and name. */
  async userFromSession(sessionUser: Pick<User, 'id'>): Promise<User | undefined> {
    if (!sessionUser.id) return undefined;
    const row = await this.store.getUser(sessionUser.id);
    return row?.status === 'active' ? toUser(row, 'session') : undefined;
  }

  // — users —

  async get(id: string): Promise<UserView | undefined> {
    const row = await this.store.getUser(id);
    return row && toUserView(row);
  }

  async list(): Promise<UserView[]> {
    return (await this.store.listUsers()).map(toUserView);
  }

  async setRole(actor: User, id: string, role: Role): Promise<UserView> {
    const row = await this.existing(id);
    if (row.role === 'admin' && role !== 'admin') await this.keepAnAdmin(row);
    await this.store.updateUser(id, { role });
    this.deps.log?.info({ user: row.email, role, by: actor.email ?? actor.name }, 'Role changed');
    return toUserView({ ...row, role });
  }

  /** Disabling ends the user's sessions at once; their tokens stop working because every use checks the account. */
  async setStatus(actor: User, id: string, status: UserStatus): Promise<UserView> {
    const row = await this.existing(id);
    if (status === 'disabled') {
      if (actor.id === id)
        throw new AppError('INVALID_INPUT', 'status: you cannot disable your own account', { status: ['you cannot disable your own account'] });
      if (row.role === 'admin') await this.keepAnAdmin(row);
    }
    await this.store.updateUser(id, { status });
    if (status === 'disabled') await this.deps.sessions.endUserSessions(id);
    this.deps.log?.info({ user: row.email, status, by: actor.email ?? actor.name }, 'Account status changed');
    return toUserView({ ...row, status });
  }

  private async existing(id: string): Promise<UserRow> {
    const row = await this.store.getUser(id);
    if (!row) throw new NotFoundError(`No user with id "${id}"`);
    return row;
  }

  /** Someone must be able to manage users: the last active admin keeps the role and stays enabled. */
  private async keepAnAdmin(row: UserRow): Promise<void> {
    if (row.status === 'active' && (await this.store.countActiveAdmins()) <= 1) {
      throw new AppError('LAST_ADMIN', `${row.email} is the last active admin; make another user admin first`);
    }
  }

  // — invites —

  /** A one-time link for `email` with `role`, valid 24 h. The token is returned once; only its hash is kept. */
  async invite(actor: User, input: InviteCreateInput): Promise<{ invite: InviteView; token: string }> {
    const email = input.email.trim().toLowerCase();
    if (await this.store.getUserByEmail(email)) {
      throw new AppError('USER_EXISTS', `email: ${email} already has an account`, { email: ['already has an account'] });
    }
    const { token, hash } = newInviteToken();
    const at = this.now();
    const row = {
      id: randomUUID(),
      token_hash: hash,
      email,
      role: input.role,
      created_by: actor.email ?? actor.name,
      created_at: iso(at),
      expires_at: iso(at + INVITE_TTL_MS),
      used_at: null,
    };
    await this.store.insertInvite(row);
    this.deps.log?.info({ email, role: input.role, by: row.created_by }, 'Invited a user');
    return { invite: toInviteView(row), token };
  }

  /** What the accept page shows; undefined when the link is unknown, used or expired. */
  async inviteInfo(token: string): Promise<{ email: string; role: Role; expiresAt: number } | undefined> {
    const row = await this.store.getInviteByHash(hashSecret(token));
    if (!row || row.used_at !== null || Date.parse(row.expires_at) <= this.now()) return undefined;
    return { email: row.email, role: row.role as Role, expiresAt: Date.parse(row.expires_at) };
  }

  /** Creates the account of an invite (once): the person chooses their name and password. Returns them signed in. */
  async acceptInvite(input: InviteAcceptInput): Promise<User> {
    const invite = await this.store.getInviteByHash(hashSecret(input.token));
    const gone = () => new NotFoundError('This invite link is unknown, used or expired; ask an admin for a new one');
    if (!invite || invite.used_at !== null || Date.parse(invite.expires_at) <= this.now()) throw gone();
    assertAcceptablePassword(input.password, 'password', { email: invite.email, name: input.name });
    const at = iso(this.now());
    const row: UserRow = {
      id: randomUUID(),
      email: invite.email,
      name: input.name.trim(),
      role: invite.role,
      status: 'active',
      password_hash: hashPassword(input.password),
      oidc_issuer: null,
      oidc_subject: null,
      created_at: at,
      last_login_at: at,
    };
    try {
      await this.store.transaction(async (tx) => {
        // Single use: of two requests with the same link, one marks it used and the other finds it taken.
        if (!(await tx.useInvite(invite.id, at))) throw gone();
        if (await tx.getUserByEmail(invite.email)) {
          throw new AppError('USER_EXISTS', `${invite.email} already has an account; sign in instead`, { email: ['already has an account'] });
        }
        await tx.insertUser(row);
      });
    } catch (err) {
      if (!(err instanceof AppError) && (await this.store.getUserByEmail(invite.email))) {
        throw new AppError('USER_EXISTS', `${invite.email} already has an account; sign in instead`, { email: ['already has an account'] });
      }
      throw err;
    }
    this.deps.log?.info({ email: row.email, role: row.role }, 'Invite accepted');
    return toUser(row, 'session');
  }

  async listInvites(): Promise<InviteView[]> {
    return (await this.store.listInvites()).map(toInviteView);
  }

  async revokeInvite(_actor: User, id: string): Promise<{ id: string; revoked: true }> {
    if (!(await this.store.deleteInvite(id))) throw new NotFoundError(`No invite with id "${id}"`);
    return { id, revoked: true };
  }

  // — personal API tokens —

  /** A token for the calling account, with a role no higher than the caller's. The token is returned once. */
  async createToken(user: User, input: TokenCreateInput): Promise<{ token: string; view: ApiTokenView }> {
    if (!user.id) {
      throw new AppError(
        'INVALID_INPUT',
        'Personal API tokens belong to a user account: sign in with your own account (environment tokens and the shared viewer password have none)',
      );
    }
    const { name, role, expiresInDays } = tokenCreateInputSchema.parse(input);
    const owner = await this.store.getUser(user.id);
    if (owner?.status !== 'active') throw new NotFoundError(`No active user with id "${user.id}"`);
    // Never above the account's current role, nor above the caller's own (a token creating tokens has its role).
    const ceiling = lowerRole(user.role, owner.role as Role);
    if (!roleAtLeast(ceiling, role)) {
      throw new AppError('INVALID_INPUT', `role: must not be above your own role (${ceiling})`, { role: [`must not be above your own role (${ceiling})`] });
    }
    const at = this.now();
    const t = newToken();
    const row = {
      id: randomUUID(),
      user_id: owner.id,
      name,
      role,
      token_hash: t.hash,
      prefix: t.prefix,
      created_at: iso(at),
      expires_at: expiresInDays === null ? null : iso(at + expiresInDays * DAY_MS),
      last_used_at: null,
      revoked_at: null,
    };
    await this.store.insertToken(row);
    return { token: t.token, view: toTokenView(row) };
  }

  async listTokens(userId: string): Promise<ApiTokenView[]> {
    return (await this.store.listTokens(userId)).map(toTokenView);
  }

  /** The owner revokes their own tokens; an admin anyone's. Someone else's token is "not found" to a non-admin. */
  async revokeToken(actor: User, id: string): Promise<ApiTokenView> {
    const row = await this.store.getToken(id);
    if (!row || (row.user_id !== actor.id && actor.role !== 'admin')) throw new NotFoundError(`No token with id "${id}"`);
    const at = iso(this.now());
    await this.store.revokeToken(id, at);
    return toTokenView({ ...row, revoked_at: row.revoked_at ?? at });
  }

  /**
   * The caller a personal token names: undefined when unknown, revoked, expired, or its account is disabled. Its
   * role is the lower of the token's and the account's current one.
   */
  async userFromToken(bearer: string): Promise<User | undefined> {
    const parsed = parseToken(bearer);
    if (!parsed) return undefined;
    const found = await this.store.tokenByHash(parsed.hash);
    if (!found) return undefined;
    const { token, owner } = found;
    const at = this.now();
    if (token.revoked_at !== null || (token.expires_at !== null && Date.parse(token.expires_at) <= at) || owner.status !== 'active') return undefined;
    await this.touch(token.id, at);
    return { ...toUser(owner, 'token'), role: lowerRole(token.role as Role, owner.role as Role), token: { id: token.id, name: token.name } };
  }

  /** last_used_at, written at most once a minute per token by this process: no database write per request. */
  private async touch(id: string, at: number): Promise<void> {
    const last = this.touched.get(id);
    if (last !== undefined && at - last < TOKEN_TOUCH_INTERVAL_MS) return;
    this.touched.set(id, at);
    await this.store.touchToken(id, iso(at)).catch((err: Error) => this.deps.log?.warn({ err: err.message }, 'Could not record a token use'));
  }
}
