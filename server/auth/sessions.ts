import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '../redis.ts';
import type { User } from '../../shared/auth.ts';

export interface Session {
  user: User;
  createdAt: number;
  expiresAt: number;
}

/**
 * Sessions in Redis, so every server process sees them and logout ends them everywhere. Keys hold a
 * hash of the session id: a Redis dump does not hand out live sessions.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; ttlSec: number },
  ) {}

  private key(id: string) {
    return `${this.opts.prefix}:session:${createHash('sha256').update(id).digest('base64url')}`;
  }

  get ttlSec(): number {
    return this.opts.ttlSec;
  }

  /** A new random id at every login (no fixation). */
  async create(user: Omit<User, 'via'>): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: Session = { user: { ...user, via: 'session' }, createdAt: now, expiresAt: now + this.opts.ttlSec * 1000 };
    await this.redis.set(this.key(id), JSON.stringify(session), 'EX', this.opts.ttlSec);
    return { id, session };
  }

  async get(id: string): Promise<Session | undefined> {
    if (!id || id.length > 100) return undefined;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > Date.now() ? session : undefined;
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
