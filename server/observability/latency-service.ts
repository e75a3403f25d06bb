import type { MetricRange } from '../../shared/api.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import type { Redis } from '../redis.ts';
import { readLatency, readLatencySeries, type LatencyPoint, type QueueLatency } from './latency-store.ts';

/** Percentiles move slowly; the overview polls every few seconds, from many tabs. */
export const LATENCY_CACHE_MS = 5_000;

/** Wait and processing percentiles for the console and REST, over every worker process, briefly cached. */
export class LatencyService {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly deps: { connection: Redis; prefix: string; now?: () => number }) {}

  /** Every queue's percentiles over a range. */
  all(range: MetricRange): Promise<Record<QueueName, QueueLatency>> {
    return this.cached(`all:${range}`, () => readLatency(this.deps.connection, this.deps.prefix, range, QUEUE_NAMES, this.now()));
  }

  async queue(queue: QueueName, range: MetricRange): Promise<QueueLatency> {
    return (await this.all(range))[queue];
  }

  series(queue: QueueName, range: MetricRange): Promise<LatencyPoint[]> {
    return this.cached(`series:${queue}:${range}`, () => readLatencySeries(this.deps.connection, this.deps.prefix, queue, range, this.now()));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < LATENCY_CACHE_MS) return hit.value as Promise<T>;
    const value = read();
    this.cache.set(key, { at: this.now(), value });
    // A failed read (Redis down) is not kept.
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }
}
