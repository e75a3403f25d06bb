import { createHash } from 'node:crypto';
import type { Redis } from '../redis.ts';

/** What a sign-in started with and its callback must match: kept on our side, never sent to the browser. */
export interface LoginAttempt {
  nonce: string;
  pkceVerifier: string;
  /** The redirect_uri sent to the provider; the token request must repeat it exactly. */
  redirectUri: string;
  /** Where the browser goes once signed in: a path on this console. */
  returnTo: string;
  /** sha256 of the browser's binding cookie: a callback URL opened in another browser is refused (login CSRF). */
  browser: string;
  createdAt: number;
}

export const LOGIN_STATE_TTL_SEC = 600;

/**
 * Sign-ins under way, in Redis keyed by their `state` for 10 minutes, each taken once. Redis rather than a signed
 * cookie: a server-side entry can be used exactly once (a replayed callback finds nothing) without a signing key
 * to configure, and every server process behind the load balancer sees it, as it sees the sessions.
 * Keys hold a hash of the state: a Redis dump does not hand out attempts to finish.
 */
export class LoginStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; ttlSec?: number },
  ) {}

  key(state: string): string {
    return `${this.opts.prefix}:oidc:state:${createHash('sha256').update(state).digest('base64url')}`;
  }

  async save(state: string, attempt: LoginAttempt): Promise<void> {
    await this.redis.set(this.key(state), JSON.stringify(attempt), 'EX', this.opts.ttlSec ?? LOGIN_STATE_TTL_SEC);
  }

  /** The attempt, removed in the same step: of two callbacks with one state, at most one finds it. */
  async take(state: string): Promise<LoginAttempt | undefined> {
    if (!state || state.length > 200) return undefined;
    const key = this.key(state);
    const replies = await this.redis.multi().get(key).del(key).exec();
    const raw = replies?.[0]?.[1];
    return typeof raw === 'string' ? (JSON.parse(raw) as LoginAttempt) : undefined;
  }
}

/** The binding cookie's value as stored in an attempt. */
export function browserHash(binding: string): string {
  return createHash('sha256').update(binding).digest('base64url');
}
