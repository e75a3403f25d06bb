import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCache, type Cache } from '../../server/cache.ts';
import type { Redis } from '../../server/redis.ts';
import { deferred } from '../fixtures/worker-runtime-fixtures.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

let client: Redis;
let prefix: string;
let ns: string;
let cache: Cache;

beforeEach(() => {
  client = connect();
  prefix = testPrefix('cache');
  ns = `${prefix}:cache:`;
  cache = createCache(client, ns);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await removeKeys(client, prefix);
  const [, left] = await client.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
  await client.quit();
  expect(left).toEqual([]);
});

/** Every key under a pattern, however many SCAN iterations it takes. */
async function keysUnder(pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

describe('get / set', () => {
  it('stores JSON under the namespace with the TTL', async () => {
    const value = { revenue: 1234.5, currency: 'EUR', days: [1, 2, 3], nested: { ok: true } };
    await cache.set('org-1:summary', value, 60);
    expect(await cache.get('org-1:summary')).toEqual(value);

    expect(JSON.parse((await client.get(`${ns}org-1:summary`))!)).toEqual(value);
    const ttl = await client.ttl(`${ns}org-1:summary`);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('a fractional or zero TTL is rounded up to at least one second (never "no expiry")', async () => {
    await cache.set('short', 'x', 0.2);
    await cache.set('zero', 'x', 0);
    await cache.set('ceil', 'x', 2.1);
    expect(await client.ttl(`${ns}short`)).toBe(1);
    expect(await client.ttl(`${ns}zero`)).toBe(1);
    expect(await client.ttl(`${ns}ceil`)).toBeGreaterThanOrEqual(2);
    expect(await client.ttl(`${ns}ceil`)).toBeLessThanOrEqual(3);
  });

  it('a key expires after its TTL', async () => {
    const setAt = performance.now();
    await cache.set('brief', { a: 1 }, 1);
    expect(await cache.get('brief')).toEqual({ a: 1 });
    // Real Redis expires it: gone once its second is up, and not before.
    await waitFor(async () => (await cache.get('brief')) === undefined, { timeoutMs: 3000, message: 'the key to expire' });
    expect(performance.now() - setAt).toBeGreaterThanOrEqual(950);
  });

  it('a missing key is undefined; falsy values are real hits', async () => {
    expect(await cache.get('missing')).toBeUndefined();
    await cache.set('zero', 0, 60);
    await cache.set('null', null, 60);
    await cache.set('empty', '', 60);
    await cache.set('false', false, 60);
    expect(await cache.get('zero')).toBe(0);
    expect(await cache.get('null')).toBeNull();
    expect(await cache.get('empty')).toBe('');
    expect(await cache.get('false')).toBe(false);
  });

  it('refuses to cache undefined', async () => {
    await expect(cache.set('u', undefined, 60)).rejects.toThrow(TypeError);
    expect(await client.exists(`${ns}u`)).toBe(0);
  });

  it('set overwrites the value and the TTL', async () => {
    await cache.set('k', 1, 1000);
    await cache.set('k', 2, 30);
    expect(await cache.get('k')).toBe(2);
    expect(await client.ttl(`${ns}k`)).toBeLessThanOrEqual(30);
  });
});

describe('wrap', () => {
  it('computes once for 10 concurrent callers and gives them all the same value', async () => {
    let calls = 0;
    // The computation is held until every caller has asked, so they all arrive while it runs.
    const computing = deferred();
    const compute = async () => {
      calls++;
      await computing.promise;
      return { computedAt: Date.now(), n: calls, list: ['a', 'b'] };
    };
    const all = Promise.all(Array.from({ length: 10 }, () => cache.wrap('insights:org-1', 120, compute)));
    await waitFor(() => calls > 0);
    computing.resolve();
    const results = await all;
    expect(calls).toBe(1);
    for (const r of results) {
      expect(r).toEqual(results[0]);
      expect(r).toBe(results[0]);
    }
    expect(JSON.parse((await client.get(`${ns}insights:org-1`))!)).toEqual(results[0]);
    const ttl = await client.ttl(`${ns}insights:org-1`);
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);

    // Later calls hit the cache: no computation, same value (a copy from Redis).
    const later = await cache.wrap('insights:org-1', 120, compute);
    expect(calls).toBe(1);
    expect(later).toEqual(results[0]);
    const [a, b] = await Promise.all([cache.wrap('insights:org-1', 120, compute), cache.wrap('insights:org-1', 120, compute)]);
    expect(calls).toBe(1);
    expect(a).toEqual(results[0]);
    expect(b).toEqual(results[0]);
  });

  it('different keys compute separately', async () => {
    const compute = vi.fn(async () => 'v');
    await Promise.all([cache.wrap('a', 60, compute), cache.wrap('b', 60, compute), cache.wrap('a', 60, compute)]);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it('uses a value already in Redis (set by another process) without computing', async () => {
    await client.set(`${ns}shared`, JSON.stringify({ from: 'elsewhere' }), 'EX', 60);
    const compute = vi.fn(async () => ({ from: 'here' }));
    expect(await cache.wrap('shared', 60, compute)).toEqual({ from: 'elsewhere' });
    expect(compute).not.toHaveBeenCalled();
  });

  it('a failed computation rejects every waiting caller, is not cached, and the next call computes again', async () => {
    let calls = 0;
    // Fails only once every caller has asked, so they all wait on the failing computation.
    const failingNow = deferred();
    const failing = async (): Promise<number> => {
      calls++;
      await failingNow.promise;
      throw new Error('platform down');
    };
    const all = Promise.allSettled(Array.from({ length: 5 }, () => cache.wrap('flaky', 60, failing)));
    await waitFor(() => calls > 0);
    failingNow.resolve();
    const settled = await all;
    expect(calls).toBe(1);
    expect(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'platform down')).toBe(true);
    expect(await client.exists(`${ns}flaky`)).toBe(0);

    expect(await cache.wrap('flaky', 60, async () => 42)).toBe(42);
    expect(await cache.get('flaky')).toBe(42);
  });

  it('an undefined result is returned but not cached', async () => {
    const compute = vi.fn(async () => undefined);
    expect(await cache.wrap('nothing', 60, compute)).toBeUndefined();
    expect(await cache.wrap('nothing', 60, compute)).toBeUndefined();
    expect(compute).toHaveBeenCalledTimes(2);
    expect(await client.exists(`${ns}nothing`)).toBe(0);
  });
});

describe('invalidate', () => {
  it('removes the given keys only and says how many existed', async () => {
    await cache.set('a', 1, 60);
    await cache.set('b', 2, 60);
    await cache.set('c', 3, 60);
    expect(await cache.invalidate('a')).toBe(1);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBe(2);
    expect(await cache.invalidate('b', 'c', 'never-there')).toBe(2);
    expect(await cache.get('c')).toBeUndefined();
    expect(await cache.invalidate()).toBe(0);
  });

  it('a wrap after invalidate computes again', async () => {
    const compute = vi.fn(async () => 'fresh');
    await cache.wrap('w', 60, compute);
    await cache.invalidate('w');
    await cache.wrap('w', 60, compute);
    expect(compute).toHaveBeenCalledTimes(2);
  });
});

describe('invalidatePrefix', () => {
  it('removes every key under the prefix, across many SCAN iterations, and leaves the others', async () => {
    const N = 2500;
    const pipe = client.pipeline();
    for (let i = 0; i < N; i++) pipe.set(`${ns}org-1:metric:${i}`, JSON.stringify(i), 'EX', 300);
    // Neighbours that must stay: another org whose id starts the same, another org, the bare
    // prefix without its ':', and the same key name in another namespace.
    for (let i = 0; i < 20; i++) {
      pipe.set(`${ns}org-10:metric:${i}`, '1', 'EX', 300);
      pipe.set(`${ns}org-2:metric:${i}`, '1', 'EX', 300);
    }
    pipe.set(`${ns}org-1`, '1', 'EX', 300);
    pipe.set(`${prefix}:other:org-1:metric:0`, '1', 'EX', 300);
    await pipe.exec();
    expect(await keysUnder(`${ns}org-1:*`)).toHaveLength(N);

    const scan = vi.spyOn(client, 'scan');
    expect(await cache.invalidatePrefix('org-1:')).toBe(N);
    // 2500+ keys at COUNT 1000: SCAN had to be called several times.
    expect(scan.mock.calls.length).toBeGreaterThanOrEqual(3);
    for (const call of scan.mock.calls) expect(call).toContain(`${ns}org-1:*`);

    expect(await keysUnder(`${ns}org-1:*`)).toEqual([]);
    expect(await keysUnder(`${ns}org-10:*`)).toHaveLength(20);
    expect(await keysUnder(`${ns}org-2:*`)).toHaveLength(20);
    expect(await client.exists(`${ns}org-1`, `${prefix}:other:org-1:metric:0`)).toBe(2);

    // Nothing left: a second call removes nothing.
    expect(await cache.invalidatePrefix('org-1:')).toBe(0);
  });

  it('treats glob characters in the prefix literally', async () => {
    await cache.set('a*:1', 1, 60);
    await cache.set('ab:1', 1, 60);
    await cache.set('a?:1', 1, 60);
    await cache.set('a[b]:1', 1, 60);
    await cache.set('b:1', 1, 60);
    await cache.set('a\\x:1', 1, 60);
    expect(await cache.invalidatePrefix('a*')).toBe(1);
    expect(await cache.get('ab:1')).toBe(1);
    expect(await cache.invalidatePrefix('a?')).toBe(1);
    expect(await cache.invalidatePrefix('a[b]')).toBe(1);
    expect(await cache.get('ab:1')).toBe(1);
    expect(await cache.invalidatePrefix('a\\')).toBe(1);
    expect(await cache.get('ab:1')).toBe(1);
    expect(await cache.get('b:1')).toBe(1);
  });

  it('an empty prefix removes the whole namespace and nothing outside it', async () => {
    await cache.set('x', 1, 60);
    await cache.set('y:z', 1, 60);
    await client.set(`${prefix}:outside`, '1', 'EX', 60);
    expect(await cache.invalidatePrefix('')).toBe(2);
    expect(await client.exists(`${prefix}:outside`)).toBe(1);
  });
});
