import { Cluster, Redis as SingleRedis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.ts';
import { maskUrl } from './logger.ts';

/** A connection to one Redis or to a Redis Cluster: the rest of the system uses either through this type. */
export type Redis = SingleRedis | Cluster;

/** Where Redis is: one server by URL, or a cluster by its seed nodes. */
export type RedisTarget = { url: string } | { cluster: Array<{ host: string; port: number }>; password?: string; tls?: boolean };

/** For logs: the URL with its password masked, or the cluster's seed nodes. */
export function describeTarget(target: RedisTarget): string {
  return 'url' in target ? maskUrl(target.url) : `cluster ${target.cluster.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

export function isCluster(client: Redis): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Every key matching a glob, on every master of a cluster (SCAN is per node) or on the one server.
 * Yields batches; deleting them one key at a time on a cluster keeps each command in one slot.
 */
export async function* scanKeys(client: Redis, match: string, count = 1000): AsyncGenerator<string[]> {
  const nodes: SingleRedis[] = isCluster(client) ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}

/** UNLINK a batch of keys; on a cluster key by key, since one command may not span slots. */
export async function unlinkKeys(client: Redis, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(client)) return client.unlink(...keys);
  const removed = await Promise.all(keys.map((key) => client.unlink(key)));
  return removed.reduce((a, b) => a + b, 0);
}

export interface ConnectionOptions {
  log?: Logger;
  /** Name shown in CLIENT LIST and in log lines. */
  name?: string;
  /** Extra ioredis options (tests use lazyConnect, retryStrategy…). */
  redis?: RedisOptions;
}

/**
 * A connection BullMQ can use: `maxRetriesPerRequest: null` (Workers refuse anything else) and
 * an endless, capped reconnect so a Redis outage is ridden out rather than crashing the process.
 * Errors are logged once per outage, with the password masked; the recovery is logged too.
 */
export function createRedisConnection(target: RedisTarget | string, opts: ConnectionOptions = {}): Redis {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const retryStrategy = (times: number) => Math.min(times * 200, 2_000);
  const base: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName: opts.name, retryStrategy, ...opts.redis };
  const client: Redis =
    'url' in t
      ? new SingleRedis(t.url, base)
      : new Cluster(t.cluster, {
          // BullMQ's rules hold per node; the cluster client follows MOVED/ASK and re-reads the slots after a failover.
          redisOptions: { ...base, password: t.password, tls: t.tls ? {} : undefined },
          clusterRetryStrategy: retryStrategy,
          enableReadyCheck: true,
        });
  const url = describeTarget(t);
  let down = false;
  client.on('error', (err: Error & { code?: string }) => {
    if (down) return;
    down = true;
    opts.log?.error({ redis: url, connection: opts.name, code: err.code }, `Redis unavailable (${err.message}); retrying until it answers`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    opts.log?.info({ redis: url, connection: opts.name }, 'Redis connection restored');
  });
  return client;
}

/** Reads the eviction policy; anything but noeviction can silently drop queue keys. */
export async function evictionPolicy(client: Redis): Promise<string | undefined> {
  const info = await client.info('memory');
  return /maxmemory_policy:(\S+)/.exec(info)?.[1];
}

/** Waits until the client is ready or the timeout passes (for start-up). */
export async function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

export { createCache, type Cache } from './cache.ts';
