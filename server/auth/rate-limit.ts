import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSec: number;
}

/**
 * Fixed-window counter in Redis (shared by every server process): at most `max` hits per key per
 * `windowSec`. Used for failed logins, per client address.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; max: number; windowSec: number },
  ) {}

  private key(id: string) {
    return `${this.opts.prefix}:ratelimit:${id}`;
  }

  async check(id: string): Promise<RateLimitResult> {
    const [count, ttl] = await Promise.all([this.redis.get(this.key(id)), this.redis.ttl(this.key(id))]);
    const used = Number(count ?? 0);
    return { allowed: used < this.opts.max, remaining: Math.max(0, this.opts.max - used), retryAfterSec: used < this.opts.max ? 0 : Math.max(1, ttl) };
  }

  async hit(id: string): Promise<void> {
    const k = this.key(id);
    const n = await this.redis.incr(k);
    if (n === 1) await this.redis.expire(k, this.opts.windowSec);
  }

  async reset(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
