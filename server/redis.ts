import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.ts';
import { maskUrl } from './logger.ts';

export type { Redis };

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
export function createRedisConnection(url: string, opts: ConnectionOptions = {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: opts.name,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...opts.redis,
  });
  let down = false;
  client.on('error', (err: Error & { code?: string }) => {
    if (down) return;
    down = true;
    opts.log?.error(
      { redis: maskUrl(url), connection: opts.name, code: err.code },
      `Redis unavailable (${err.message}); retrying until it answers`,
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    opts.log?.info({ redis: maskUrl(url), connection: opts.name }, 'Redis connection restored');
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
