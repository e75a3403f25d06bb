import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '../redis.ts';
import type { User } from '../../shared/auth.ts';

const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

export interface Session {
  user: User;
  createdAt: number;
  expiresAt: number;
}

/**
 * Sessions in Redis, so every server process sees them and logout ends them everywhere. Keys hold a
 * hash of the session id: a Redis dump does not hand out live sessions. A stored user's sessions are
 * also listed in a set of their own, so disabling the user ends them all at once.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; ttlSec: number },
  ) {}

  private key(id: string) {
    return this.keyOf(hashId(id));
  }

  private keyOf(hash: string) {
    return `${this.opts.prefix}:session:${hash}`;
  }

  /** The hashes of a stored user's sessions (some may have expired since: deleting those is a no-op). */
  private userKey(userId: string) {
    return `${this.opts.prefix}:user-sessions:${userId}`;
  }

  get ttlSec(): number {
    return this.opts.ttlSec;
  }

  /** A new random id at every login (no fixation). */
  async create(user: Omit<User, 'via'>): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: Session = { user: { ...user, via: 'session' }, createdAt: now, expiresAt: now + this.opts.ttlSec * 1000 };
    const hash = hashId(id);
    await this.redis.set(this.keyOf(hash), JSON.stringify(session), 'EX', this.opts.ttlSec);
    if (user.id) {
      // A command of its own, not one MULTI with the SET above: the two keys may sit in different cluster slots.
      // The set lives as long as its newest session.
      const set = this.userKey(user.id);
      await this.redis.multi().sadd(set, hash).expire(set, this.opts.ttlSec).exec();
    }
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

  /** Ends every session of a stored user (disabled): their next request is signed out. */
  async endUserSessions(userId: string): Promise<number> {
    const set = this.userKey(userId);
    const hashes = await this.redis.smembers(set);
    // One DEL per key: on a cluster they live in different slots.
    const ended = await Promise.all(hashes.map((h) => this.redis.del(this.keyOf(h))));
    await this.redis.del(set);
    return ended.reduce((n, d) => n + d, 0);
  }
}
