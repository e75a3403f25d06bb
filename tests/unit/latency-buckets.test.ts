import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, LATENCY_BUCKETS, bucketOfMs, percentilesOf, quantile } from '../../server/observability/latency-buckets.ts';

describe('latency buckets', () => {
  it('puts a duration in the first bucket whose bound holds it (a bound belongs to its bucket)', () => {
    expect(bucketOfMs(0)).toBe(0);
    expect(bucketOfMs(1)).toBe(0);
    expect(bucketOfMs(1.01)).toBe(1);
    expect(bucketOfMs(250)).toBe(LATENCY_BUCKETS.indexOf(0.25));
    expect(bucketOfMs(251)).toBe(LATENCY_BUCKETS.indexOf(0.5));
    expect(bucketOfMs(3_600_000)).toBe(LATENCY_BUCKETS.length - 1);
    expect(bucketOfMs(3_600_001)).toBe(BUCKET_COUNT - 1);
  });

  it('answers quantiles as Prometheus histogram_quantile does: linear inside the bucket', () => {
    const counts = new Float64Array(BUCKET_COUNT);
    // 100 observations in (0.01, 0.025]: the median is halfway through that bucket.
    counts[LATENCY_BUCKETS.indexOf(0.025)] = 100;
    expect(quantile(0.5, counts)).toBeCloseTo(0.0175, 10);
    expect(quantile(0.99, counts)).toBeCloseTo(0.01 + 0.015 * 0.99, 10);
    // The first bucket starts at 0.
    const first = new Float64Array(BUCKET_COUNT);
    first[0] = 4;
    expect(quantile(0.5, first)).toBeCloseTo(0.0005, 10);
  });

  it('gives each percentile from its own rank, and the highest finite bound for ranks in +Inf', () => {
    const counts = new Float64Array(BUCKET_COUNT);
    counts[0] = 90; // ≤ 1 ms
    counts[LATENCY_BUCKETS.indexOf(1)] = 9; // (0.5 s, 1 s]
    counts[BUCKET_COUNT - 1] = 1; // over an hour
    const p = percentilesOf(counts);
    expect(p.count).toBe(100);
    expect(p.p50).toBeLessThanOrEqual(0.001);
    expect(p.p95).toBeGreaterThan(0.5);
    expect(p.p95).toBeLessThanOrEqual(1);
    expect(p.p99).toBeCloseTo(1, 10);
    expect(quantile(1, counts)).toBe(3600);
  });

  it('has no percentiles when nothing was observed', () => {
    expect(percentilesOf(new Float64Array(BUCKET_COUNT))).toEqual({ p50: null, p95: null, p99: null, count: 0 });
  });
});
