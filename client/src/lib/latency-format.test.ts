import { describe, expect, it } from 'vitest';
import { formatSeconds, latencySummary, latencyTicks, percentileDetail, rangePhrase } from './latency-format.ts';

describe('latency wording', () => {
  it('formats seconds at every scale, sub-millisecond included', () => {
    expect(formatSeconds(0)).toBe('0 ms');
    expect(formatSeconds(0.00001)).toBe('< 0.1 ms');
    expect(formatSeconds(0.0008)).toBe('0.8 ms');
    expect(formatSeconds(0.001)).toBe('1 ms');
    expect(formatSeconds(0.0025)).toBe('2.5 ms');
    expect(formatSeconds(0.0125)).toBe('13 ms');
    expect(formatSeconds(0.12)).toBe('120 ms');
    expect(formatSeconds(2.4)).toBe('2.4 s');
    expect(formatSeconds(5)).toBe('5 s');
    expect(formatSeconds(42.4)).toBe('42 s');
    expect(formatSeconds(190)).toBe('3 min 10 s');
    expect(formatSeconds(300)).toBe('5 min');
    expect(formatSeconds(3600)).toBe('1 h');
    expect(formatSeconds(3900)).toBe('1 h 5 min');
    expect(formatSeconds(3 * 86_400 + 3600)).toBe('3 d 1 h');
  });

  it('moves to the next unit when rounding reaches it', () => {
    expect(formatSeconds(0.00999)).toBe('10 ms');
    expect(formatSeconds(0.9997)).toBe('1 s');
    expect(formatSeconds(9.97)).toBe('10 s');
    expect(formatSeconds(59.7)).toBe('1 min');
    expect(formatSeconds(3599.8)).toBe('1 h');
  });

  it('has no value for null, negative or non-numbers', () => {
    expect(formatSeconds(null)).toBe('—');
    expect(formatSeconds(undefined)).toBe('—');
    expect(formatSeconds(-1)).toBe('—');
    expect(formatSeconds(Number.NaN)).toBe('—');
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it('names ranges and explains an empty one', () => {
    expect(rangePhrase('1h')).toBe('the last hour');
    expect(rangePhrase('24h')).toBe('the last 24 hours');
    expect(rangePhrase('7d')).toBe('the last 7 days');
    expect(percentileDetail({ p50: null, p95: null, p99: null, count: 0 }, '1h')).toBe('no jobs in the last hour');
    expect(percentileDetail({ p50: 0.0012, p95: 0.003, p99: 0.004, count: 7 }, '1h')).toBe('p50 1.2 ms · p99 4 ms');
  });

  it('summarises a chart in words', () => {
    expect(latencySummary('Processing', { p50: 0.05, p95: 0.12, p99: 0.2, count: 1234 }, '1h')).toBe(
      'Processing p95 120 ms over the last hour (1,234 jobs; p50 50 ms, p99 200 ms)',
    );
    expect(latencySummary('Wait', { p50: 1, p95: 1, p99: 1, count: 1 }, '7d')).toBe('Wait p95 1 s over the last 7 days (1 job; p50 1 s, p99 1 s)');
    expect(latencySummary('Wait', { p50: null, p95: null, p99: null, count: 0 }, '24h')).toBe('Wait: no jobs in the last 24 hours');
    expect(latencySummary('Wait', undefined, '1h')).toBe('Wait: no jobs in the last hour');
  });

  it('puts the y axis on round steps that reach the largest value', () => {
    expect(latencyTicks(0.026)).toEqual([0, 0.01, 0.02, 0.03]);
    expect(latencyTicks(0.049)).toEqual([0, 0.02, 0.04, 0.06]);
    expect(latencyTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(latencyTicks(0.0008)).toEqual([0, 0.0002, 0.0004, 0.0006, 0.0008]);
    expect(latencyTicks(2.4)).toEqual([0, 1, 2, 3]);
    expect(latencyTicks(190)).toEqual([0, 60, 120, 180, 240]);
    expect(latencyTicks(3600)).toEqual([0, 900, 1800, 2700, 3600]);
    expect(latencyTicks(0)).toEqual([0, 0.0005, 0.001]);
    expect(latencyTicks(Number.NaN)).toEqual([0, 0.0005, 0.001]);
    expect(latencyTicks(0.03).map(formatSeconds)).toEqual(['0 ms', '10 ms', '20 ms', '30 ms']);
    for (const max of [0.00013, 0.0071, 0.42, 7, 55, 1000, 20_000]) {
      const ticks = latencyTicks(max);
      expect(ticks.length).toBeLessThanOrEqual(5);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
    }
  });
});
