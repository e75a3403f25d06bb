import type { Redis } from '../../redis.ts';

export interface RateBudget {
  /** Takes one call from a key's budget; when spent, says how long until the window refills. */
  take(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

/**
 * A fixed-window call budget per integration, in Redis so every worker process shares it: a sync
 * on one machine and a manual sync on another cannot together exceed what the platform allows.
 */
export function createRateBudget(redis: Redis, opts: { prefix: string; max: number; windowMs: number }): RateBudget {
  return {
    async take(key) {
      const window = Math.floor(Date.now() / opts.windowMs);
      const k = `${opts.prefix}:budget:${key}:${window}`;
      const res = await redis
        .multi()
        .incr(k)
        .pexpire(k, opts.windowMs * 2)
        .exec();
      const used = Number(res?.[0]?.[1] ?? 0);
      if (used <= opts.max) return { ok: true };
      return { ok: false, retryAfterMs: (window + 1) * opts.windowMs - Date.now() };
    },
  };
}
