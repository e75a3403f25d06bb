import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createRedisConnection, type Redis } from '../../server/redis.ts';

export const redisUrl = (): string => inject('redisUrl');

/** A prefix of this test's own, so tests never meet each other or the shared Redis's other users. */
export const testPrefix = (label = 't'): string => `bjtest-${label}-${randomUUID().slice(0, 8)}`;

export function connect(): Redis {
  return createRedisConnection(redisUrl(), { name: 'bizinsights-test' });
}

/** Removes every key under `prefix` (SCAN, batched) and says how many there were. */
export async function removeKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await client.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`waitFor timed out after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
