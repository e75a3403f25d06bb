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
