import type { LatencyPoint, MetricRange, QueueLatency } from '../../shared/api.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import type { Redis } from '../redis.ts';
import { BUCKET_COUNT, percentilesOf } from './latency-buckets.ts';
import { rangeKeys, type LatencyKind } from './latency-keys.ts';

export type { LatencyPoint, QueueLatency };

/** Bucket counts summed over a range's keys, from one pipelined read of all of them. */
async function readCounts(connection: Redis, keys: string[]): Promise<Float64Array[]> {
  const pipeline = connection.pipeline();
  for (const k of keys) pipeline.hgetall(k);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    const counts = new Float64Array(BUCKET_COUNT);
    for (const [field, n] of Object.entries((value ?? {}) as Record<string, string>)) {
      const i = Number(field);
      if (Number.isInteger(i) && i >= 0 && i < BUCKET_COUNT) counts[i] += Number(n);
    }
    return counts;
  });
}

/**
 * Wait and processing percentiles of queues over a range, over every worker process (the counts they
 * flushed to Redis). One round trip for all the queues asked.
 */
export async function readLatency(
  connection: Redis,
  prefix: string,
  range: MetricRange,
  queues: readonly QueueName[] = QUEUE_NAMES,
  now = Date.now(),
): Promise<Record<QueueName, QueueLatency>> {
  const plan: Array<{ queue: QueueName; kind: LatencyKind; keys: string[] }> = [];
  for (const queue of queues)
    for (const kind of ['wait', 'processing'] as const) plan.push({ queue, kind, keys: rangeKeys(prefix, connection, queue, kind, range, now) });
  const counts = await readCounts(
    connection,
    plan.flatMap((p) => p.keys),
  );
  const out = {} as Record<QueueName, QueueLatency>;
  let at = 0;
  for (const p of plan) {
    const sum = new Float64Array(BUCKET_COUNT);
    for (let k = 0; k < p.keys.length; k++, at++) for (let i = 0; i < BUCKET_COUNT; i++) sum[i] += counts[at][i];
    out[p.queue] ??= {} as QueueLatency;
    out[p.queue][p.kind] = percentilesOf(sum);
  }
  return out;
}

/** One queue's percentiles per minute (1 h) or per hour (24 h, 7 d), oldest first: the queue page's chart. */
export async function readLatencySeries(connection: Redis, prefix: string, queue: QueueName, range: MetricRange, now = Date.now()): Promise<LatencyPoint[]> {
  const wait = rangeKeys(prefix, connection, queue, 'wait', range, now);
  const processing = rangeKeys(prefix, connection, queue, 'processing', range, now);
  const counts = await readCounts(connection, [...wait, ...processing]);
  const step = range === '1h' ? 60_000 : 3_600_000;
  const last = Math.floor(now / step) * step;
  const points: LatencyPoint[] = wait.map((_, i) => ({
    t: last - i * step,
    wait: percentilesOf(counts[i]),
    processing: percentilesOf(counts[wait.length + i]),
  }));
  return points.reverse();
}
