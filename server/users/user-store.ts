import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Role } from '../../shared/auth.ts';
import type { ApiTokenView, InviteView, UserStatus, UserView } from '../../shared/users.ts';
import type { ApiTokensTable, DB, InvitesTable, UsersTable } from '../domain/store/schema.ts';

export type UserRow = Selectable<UsersTable>;
export type InviteRow = Selectable<InvitesTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

export function toUserView(r: UserRow): UserView {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    status: r.status as UserStatus,
    sso: r.oidc_subject !== null,
    createdAt: Date.parse(r.created_at),
    lastLoginAt: ms(r.last_login_at),
  };
}

export function toInviteView(r: InviteRow): InviteView {
  return {
    id: r.id,
    email: r.email,
    role: r.role as Role,
    createdBy: r.created_by,
    createdAt: Date.parse(r.created_at),
    expiresAt: Date.parse(r.expires_at),
    usedAt: ms(r.used_at),
  };
}

export function toTokenView(r: ApiTokenRow): ApiTokenView {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    role: r.role as Role,
    prefix: r.prefix,
    createdAt: Date.parse(r.created_at),
    expiresAt: ms(r.expires_at),
    lastUsedAt: ms(r.last_used_at),
    revokedAt: ms(r.revoked_at),
  };
}

/** A token with its owner, as one lookup by hash returns them. */
export interface TokenWithOwner {
  token: ApiTokenRow;
  owner: Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'status'>;
}

/**
 * The users, invites and api_tokens tables (migration 006), on SQLite and PostgreSQL alike. Times are ISO-8601 text
 * as everywhere in the store; the caller passes them in (the service owns the clock). No rules here: see UserService.
 */
export class UserStore {
  constructor(private readonly db: Kysely<DB>) {}

  /** Runs `fn` in one transaction, with a store over it. */
  transaction<T>(fn: (tx: UserStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx: Transaction<DB>) => fn(new UserStore(trx)));
  }

  // — users —

  async countUsers(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertUser(row: UserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  }

  async getUserByOidc(issuer: string, subject: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('oidc_issuer', '=', issuer).where('oidc_subject', '=', subject).executeTakeFirst();
  }

  /** The first admin: the earliest account that holds the admin role (the one created at first start, unless demoted). */
  async firstAdmin(): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('role', '=', 'admin').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  }

  async countActiveAdmins(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async updateUser(id: string, set: Partial<Omit<UserRow, 'id'>>): Promise<boolean> {
    const r = await this.db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // — invites —

  async insertInvite(row: InviteRow): Promise<void> {
    await this.db.insertInto('invites').values(row).execute();
  }

  async getInviteByHash(hash: string): Promise<InviteRow | undefined> {
    return this.db.selectFrom('invites').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  }

  async listInvites(): Promise<InviteRow[]> {
    return this.db.selectFrom('invites').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
  }

  /** Marks an invite used if it still is unused and unexpired; false when another request took it first. */
  async useInvite(id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('invites')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteInvite(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('invites').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // — personal API tokens —

  async insertToken(row: ApiTokenRow): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute();
  }

  async getToken(id: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listTokens(userId: string): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id').execute();
  }

  /** The token with this hash and its owner, in one query (every token-authenticated request makes it). */
  async tokenByHash(hash: string): Promise<TokenWithOwner | undefined> {
    const r = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select(['users.email as owner_email', 'users.name as owner_name', 'users.role as owner_role', 'users.status as owner_status'])
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!r) return undefined;
    const { owner_email, owner_name, owner_role, owner_status, ...token } = r;
    return { token, owner: { id: token.user_id, email: owner_email, name: owner_name, role: owner_role, status: owner_status } };
  }

  async revokeToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
