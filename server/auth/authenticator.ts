import { timingSafeEqual } from 'node:crypto';
import type { User } from '../../shared/auth.ts';
import type { EnvironmentTokenView } from '../../shared/users.ts';
import { isPersonalToken } from '../users/api-tokens.ts';
import type { UserService } from '../users/user-service.ts';
import { digestOf, verifyPassword } from './passwords.ts';
import type { SessionStore } from './sessions.ts';

export interface AuthConfig {
  /** VIEWER_PASSWORD's hash: the legacy shared viewer sign-in (username `viewer`). */
  viewerPasswordHash?: string;
  apiToken?: string;
  viewerApiToken?: string;
  /** What the sign-in page offers for single sign-on (GET /api/auth/options). */
  sso?: { enabled: boolean; label: string };
}

/** The shared viewer of VIEWER_PASSWORD: no account behind it. */
const SHARED_VIEWER: Omit<User, 'via'> = { name: 'viewer', role: 'viewer' };

/**
 * Turns credentials into a User. No HTTP here. Bearer: the environment tokens (API_TOKEN, VIEWER_API_TOKEN), then
 * personal tokens (`bj_…`); cookie: a session, whose account is read again on every request; password: `viewer`
 * (VIEWER_PASSWORD), `admin` (ADMIN_PASSWORD, as the first admin) or an account's email.
 */
export class Authenticator {
  /** The environment tokens' digests, made once: a request hashes only the token it presents. */
  private readonly apiTokenDigest?: Buffer;
  private readonly viewerApiTokenDigest?: Buffer;

  constructor(
    private readonly config: AuthConfig,
    readonly sessions: SessionStore,
    readonly users: UserService,
  ) {
    this.apiTokenDigest = config.apiToken ? digestOf(config.apiToken) : undefined;
    this.viewerApiTokenDigest = config.viewerApiToken ? digestOf(config.viewerApiToken) : undefined;
  }

  async checkPassword(username: string, password: string): Promise<User | undefined> {
    if (username.trim().toLowerCase() === 'viewer') {
      const hash = this.config.viewerPasswordHash;
      return hash && (await verifyPassword(password, hash)) ? { ...SHARED_VIEWER, via: 'session' } : undefined;
    }
    return this.users.signInWithPassword(username, password);
  }

  /**
   * Both environment tokens are compared every time, in constant time, so timing tells nothing. Synchronous unless the
   * token is a personal one (a store lookup): an await on every API call costs a poll ~25 us (npm run bench, depth reads).
   */
  fromBearer(token: string): User | undefined | Promise<User | undefined> {
    const presented = digestOf(token);
    const isAdmin = this.apiTokenDigest ? timingSafeEqual(presented, this.apiTokenDigest) : false;
    const isViewer = this.viewerApiTokenDigest ? timingSafeEqual(presented, this.viewerApiTokenDigest) : false;
    if (isAdmin) return { name: 'api-token', role: 'admin', via: 'token' };
    if (isViewer) return { name: 'viewer-api-token', role: 'viewer', via: 'token' };
    return isPersonalToken(token) ? this.users.userFromToken(token) : undefined;
  }

  /**
   * A stored user's session is as good as their account right now (disabled: signed out; new role: in force). A
   * session without an account is only ever the shared viewer's; one from before accounts existed must sign in again.
   */
  async fromSession(id: string): Promise<User | undefined> {
    const session = await this.sessions.get(id);
    if (!session) return undefined;
    const { user } = session;
    if (user.id) return this.users.userFromSession(user);
    return user.name === SHARED_VIEWER.name && user.role === SHARED_VIEWER.role ? { ...SHARED_VIEWER, via: 'session' } : undefined;
  }

  get viewerLoginEnabled(): boolean {
    return Boolean(this.config.viewerPasswordHash);
  }

  get sso(): { enabled: boolean; label: string } {
    return this.config.sso ?? { enabled: false, label: 'Sign in with SSO' };
  }

  /** API_TOKEN / VIEWER_API_TOKEN as configured: listed for admins, never shown. */
  environmentTokens(): EnvironmentTokenView[] {
    const tokens: EnvironmentTokenView[] = [];
    if (this.config.apiToken) tokens.push({ name: 'api-token', role: 'admin' });
    if (this.config.viewerApiToken) tokens.push({ name: 'viewer-api-token', role: 'viewer' });
    return tokens;
  }
}
