import type { Redis } from '../redis.ts';

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

  /**
   * Counts an attempt and says whether it is within the limit, in one atomic step: parallel
   * attempts cannot all slip through a check that runs before the count.
   */
  async consume(id: string): Promise<RateLimitResult> {
    const k = this.key(id);
    const res = await this.redis.multi().incr(k).expire(k, this.opts.windowSec, 'NX').ttl(k).exec();
    const count = Number(res?.[0]?.[1] ?? 0);
    const ttl = Number(res?.[2]?.[1] ?? this.opts.windowSec);
    const allowed = count <= this.opts.max;
    return { allowed, remaining: Math.max(0, this.opts.max - count), retryAfterSec: allowed ? 0 : Math.max(1, ttl) };
  }

  async reset(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
