import type { MetricRange } from '../../shared/api.ts';
import type { QueueName } from '../../shared/queues.ts';
import type { QueueService } from '../queue/queue-service.ts';

/** What the metrics read of the queue service. */
export type MetricsSource = Pick<QueueService, 'getMetrics'>;

export interface ThroughputPoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  completed: number;
  failed: number;
}

export const RANGE_MINUTES: Record<MetricRange, number> = { '1h': 60, '24h': 1440, '7d': 10080 };
/** Charts need no more points than this; wider ranges are summed into wider buckets. */
export const MAX_POINTS = 120;
const MINUTE = 60_000;

export interface MetricsSeries {
  /** Per-minute counts, newest first, the last one ending at `lastMinute` (BullMQ's layout). */
  data: number[];
  lastMinute: number;
}

/**
 * Aligns BullMQ's per-minute series on wall-clock minutes ending now, and sums them into at most
 * MAX_POINTS buckets, oldest first. Minutes with no data point are zero.
 */
export function bucketize(
  completed: MetricsSeries,
  failed: MetricsSeries,
  range: MetricRange,
  now: number,
): { bucketMinutes: number; points: ThroughputPoint[] } {
  const minutes = RANGE_MINUTES[range];
  const bucketMinutes = Math.ceil(minutes / MAX_POINTS);
  const nowMinute = Math.floor(now / MINUTE) * MINUTE;
  const first = nowMinute - (minutes - 1) * MINUTE;
  const count = Math.ceil(minutes / bucketMinutes);
  const points: ThroughputPoint[] = Array.from({ length: count }, (_, i) => ({ t: first + i * bucketMinutes * MINUTE, completed: 0, failed: 0 }));
  const add = (series: MetricsSeries, field: 'completed' | 'failed') => {
    series.data.forEach((value, i) => {
      const minute = series.lastMinute - i * MINUTE;
      if (minute < first || minute > nowMinute) return;
      points[Math.floor((minute - first) / MINUTE / bucketMinutes)][field] += value;
    });
  };
  add(completed, 'completed');
  add(failed, 'failed');
  return { bucketMinutes, points };
}

/**
 * BullMQ keeps closed minutes in a list (newest first, the first one being the minute before
 * `prevTS`'s) and the running minute as `count - prevCount` in its meta hash; this joins the two.
 */
export function toSeries(m: {
  meta: { count?: number | string; prevTS?: number | string; prevCount?: number | string };
  data: Array<number | string>;
}): MetricsSeries {
  const prevTS = Number(m.meta.prevTS ?? 0);
  if (!prevTS) return { data: [], lastMinute: 0 };
  const running = Number(m.meta.count ?? 0) - Number(m.meta.prevCount ?? 0);
  return { data: [running, ...m.data.map(Number)], lastMinute: Math.floor(prevTS / MINUTE) * MINUTE };
}

async function readSeries(source: MetricsSource, queue: QueueName, type: 'completed' | 'failed', minutes: number): Promise<MetricsSeries> {
  return toSeries(await source.getMetrics(queue, type, 0, minutes - 1));
}

/** Completed and failed per bucket over the range, from the Workers' BullMQ metrics. */
export async function readThroughput(source: MetricsSource, queue: QueueName, range: MetricRange, now = Date.now()) {
  const minutes = RANGE_MINUTES[range];
  const [completed, failed] = await Promise.all([readSeries(source, queue, 'completed', minutes), readSeries(source, queue, 'failed', minutes)]);
  return bucketize(completed, failed, range, now);
}

/** Several queues' throughput summed bucket by bucket (they share the range, so the buckets line up). */
export async function readTotalThroughput(source: MetricsSource, queues: readonly QueueName[], range: MetricRange, now = Date.now()) {
  const series = await Promise.all(queues.map((q) => readThroughput(source, q, range, now)));
  const points: ThroughputPoint[] = series[0].points.map((p, i) => ({
    t: p.t,
    completed: series.reduce((sum, s) => sum + s.points[i].completed, 0),
    failed: series.reduce((sum, s) => sum + s.points[i].failed, 0),
  }));
  return { bucketMinutes: series[0].bucketMinutes, points };
}

/** Sum of a series over the last `minutes` minutes ending now (the running minute included). */
export function recentTotal(series: MetricsSeries, minutes: number, now: number): number {
  const nowMinute = Math.floor(now / MINUTE) * MINUTE;
  const first = nowMinute - (minutes - 1) * MINUTE;
  return series.data.reduce((sum, value, i) => {
    const minute = series.lastMinute - i * MINUTE;
    return minute >= first && minute <= nowMinute ? sum + value : sum;
  }, 0);
}

/** Jobs finished per minute (completed + failed), averaged over the last `minutes` minutes. */
export async function readRate(
  source: MetricsSource,
  queue: QueueName,
  minutes = 5,
  now = Date.now(),
): Promise<{ completed: number; failed: number; perMinute: number }> {
  const [c, f] = await Promise.all([readSeries(source, queue, 'completed', minutes + 1), readSeries(source, queue, 'failed', minutes + 1)]);
  const completed = recentTotal(c, minutes, now);
  const failed = recentTotal(f, minutes, now);
  return { completed, failed, perMinute: Math.round(((completed + failed) / minutes) * 10) / 10 };
}
