import type { QueueName } from '../../shared/queues.ts';
import { isCluster, type Redis } from '../redis.ts';

export type LatencyKind = 'wait' | 'processing';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Minute buckets serve the 1 h range, hour buckets 24 h and 7 d; each lives a little longer than its range. */
export const LATENCY_TTL_SEC = { minute: 2 * 3600, hour: 8 * 24 * 3600 } as const;

/**
 * Where a queue's latency histogram of a minute and an hour lives. On Redis Cluster every key a read
 * pipelines must share a slot, so they all carry one hash tag (one flush a second per process is no
 * load worth spreading).
 */
export function latencyBase(prefix: string, connection: Redis): string {
  return isCluster(connection) ? `{${prefix}:obs}` : `${prefix}:obs`;
}

export function minuteKey(base: string, queue: QueueName, kind: LatencyKind, minute: number): string {
  return `${base}:lat:${queue}:${kind}:m:${minute}`;
}

export function hourKey(base: string, queue: QueueName, kind: LatencyKind, hour: number): string {
  return `${base}:lat:${queue}:${kind}:h:${hour}`;
}

export function latencyKeys(prefix: string, connection: Redis, queue: QueueName, kind: LatencyKind, now: number) {
  const base = latencyBase(prefix, connection);
  return { minute: minuteKey(base, queue, kind, Math.floor(now / MINUTE)), hour: hourKey(base, queue, kind, Math.floor(now / HOUR)) };
}

/** The keys covering a range ending now: 60 minutes, or 24 / 168 hours (the current one included). */
export function rangeKeys(prefix: string, connection: Redis, queue: QueueName, kind: LatencyKind, range: '1h' | '24h' | '7d', now: number): string[] {
  const base = latencyBase(prefix, connection);
  if (range === '1h') {
    const last = Math.floor(now / MINUTE);
    return Array.from({ length: 60 }, (_, i) => minuteKey(base, queue, kind, last - i));
  }
  const last = Math.floor(now / HOUR);
  return Array.from({ length: range === '24h' ? 24 : 168 }, (_, i) => hourKey(base, queue, kind, last - i));
}
