import type { Percentiles } from '../../shared/api.ts';

/**
 * The one set of latency buckets (upper bounds, seconds) shared by the /metrics histograms and the
 * percentiles kept in Redis, so the console's p95 and Prometheus' histogram_quantile agree within a
 * bucket. From 1 ms (no-op jobs) to an hour (a backlog); the last bucket is +Inf.
 */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Number of buckets including +Inf. */
export const BUCKET_COUNT = LATENCY_BUCKETS.length + 1;

const BOUNDS_MS = LATENCY_BUCKETS.map((s) => s * 1000);

/** Index of the bucket a duration falls in (le semantics: a value equal to a bound belongs to it). */
export function bucketOfMs(ms: number): number {
  // Linear: most jobs land in the first few buckets, where this stops at once.
  for (let i = 0; i < BOUNDS_MS.length; i++) if (ms <= BOUNDS_MS[i]) return i;
  return BOUNDS_MS.length;
}

export type { Percentiles };

/**
 * Prometheus' histogram_quantile over per-bucket (not cumulative) counts: the rank's bucket, linear
 * inside it from its lower bound (0 for the first). A rank in +Inf answers the highest finite bound,
 * as Prometheus does.
 */
export function quantile(q: number, counts: ArrayLike<number>): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > 0 && seen + c >= rank) {
      if (i >= LATENCY_BUCKETS.length) return LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1];
      const lower = i === 0 ? 0 : LATENCY_BUCKETS[i - 1];
      const upper = LATENCY_BUCKETS[i];
      return lower + (upper - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1];
}

export function percentilesOf(counts: ArrayLike<number>): Percentiles {
  let count = 0;
  for (let i = 0; i < counts.length; i++) count += counts[i];
  return { p50: quantile(0.5, counts), p95: quantile(0.95, counts), p99: quantile(0.99, counts), count };
}
