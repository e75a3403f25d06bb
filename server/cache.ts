import type { Redis } from 'ioredis';

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
      return client.del(...keys.map(k));
    },
    async invalidatePrefix(prefix) {
      let cursor = '0';
      let removed = 0;
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', `${escapeGlob(k(prefix))}*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) removed += await client.unlink(...found);
      } while (cursor !== '0');
      return removed;
    },
  };
  return cache;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
