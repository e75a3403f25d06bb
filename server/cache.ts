import { scanKeys, unlinkKeys, type Redis } from './redis.ts';

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSec: number): Promise<void>;
  /** Returns the cached value, or computes it once (concurrent callers share the computation) and caches it. */
  wrap<T>(key: string, ttlSec: number, compute: () => Promise<T>): Promise<T>;
  invalidate(...keys: string[]): Promise<number>;
  /** Removes every key under a prefix with SCAN (never KEYS) in batches. */
  invalidatePrefix(prefix: string): Promise<number>;
}

/**
 * JSON cache helpers over Redis (the guide's "caching utilities"). Keys live under `namespace`
 * so they never collide with queue keys and a test can remove all of its own.
 */
export function createCache(client: Redis, namespace = 'bizinsights:cache:'): Cache {
  const inFlight = new Map<string, Promise<unknown>>();
  const k = (key: string) => namespace + key;

  const cache: Cache = {
    async get<T>(key: string) {
      const raw = await client.get(k(key));
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value, ttlSec) {
      if (value === undefined) throw new TypeError('cache.set: undefined cannot be cached');
      await client.set(k(key), JSON.stringify(value), 'EX', Math.max(1, Math.ceil(ttlSec)));
    },
    async wrap<T>(key: string, ttlSec: number, compute: () => Promise<T>) {
      const pending = inFlight.get(key);
      if (pending) return pending as Promise<T>;
      const run = (async () => {
        const hit = await cache.get<T>(key);
        if (hit !== undefined) return hit;
        const value = await compute();
        if (value !== undefined) await cache.set(key, value, ttlSec);
        return value;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, run);
      return run;
    },
    async invalidate(...keys) {
      if (keys.length === 0) return 0;
      return unlinkKeys(client, keys.map(k));
    },
    async invalidatePrefix(prefix) {
      let removed = 0;
      for await (const found of scanKeys(client, `${escapeGlob(k(prefix))}*`)) removed += await unlinkKeys(client, found);
      return removed;
    },
  };
  return cache;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
