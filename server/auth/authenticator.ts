import type { Role, User } from '../../shared/auth.ts';
import { safeEqual, verifyPassword } from './passwords.ts';
import type { SessionStore } from './sessions.ts';

export interface AuthConfig {
  adminPasswordHash: string;
  viewerPasswordHash?: string;
  apiToken?: string;
  viewerApiToken?: string;
}

/** Turns credentials (password, bearer token, session id) into a User. No HTTP here. */
export class Authenticator {
  constructor(
    private readonly config: AuthConfig,
    readonly sessions: SessionStore,
  ) {}

  async checkPassword(username: string, password: string): Promise<User | undefined> {
    if (username !== 'admin' && username !== 'viewer') return undefined;
    const role: Role = username;
    const hash = role === 'admin' ? this.config.adminPasswordHash : this.config.viewerPasswordHash;
    if (!hash) return undefined;
    return (await verifyPassword(password, hash)) ? { name: role, role, via: 'session' } : undefined;
  }

  /** Both tokens are compared every time, in constant time, so timing tells nothing. */
  fromBearer(token: string): User | undefined {
    const isAdmin = this.config.apiToken ? safeEqual(token, this.config.apiToken) : false;
    const isViewer = this.config.viewerApiToken ? safeEqual(token, this.config.viewerApiToken) : false;
    if (isAdmin) return { name: 'api-token', role: 'admin', via: 'token' };
    if (isViewer) return { name: 'viewer-api-token', role: 'viewer', via: 'token' };
    return undefined;
  }

  async fromSession(id: string): Promise<User | undefined> {
    return (await this.sessions.get(id))?.user;
  }

  get viewerLoginEnabled(): boolean {
    return Boolean(this.config.viewerPasswordHash);
  }
}
