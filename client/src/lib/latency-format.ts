/** Wording for wait and processing percentiles (seconds, from `metrics.latency`). Pure: unit-tested. */
import type { MetricRange, Percentiles } from '../../../shared/api.ts';

/** Drops a trailing ".0" so "2.0 s" reads "2 s". */
const oneDecimal = (n: number) => n.toFixed(1).replace(/\.0$/, '');

/**
 * A duration in seconds as people read it: "0.8 ms", "120 ms", "2.4 s", "42 s", "3 min 10 s", "1 h 5 min".
 * Sub-millisecond precision matters here (no-op jobs finish in well under a millisecond), unlike
 * `formatDuration`. Null, negative or not a number is "—".
 */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds === 0) return '0 ms';
  const ms = seconds * 1000;
  if (ms < 0.1) return '< 0.1 ms';
  // Each scale is chosen on the rounded value, so 999.7 ms reads "1 s", not "1000 ms".
  if (Math.round(ms * 10) < 100) return `${oneDecimal(ms)} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.round(seconds * 10) < 100) return `${oneDecimal(seconds)} s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return whole % 60 ? `${minutes} min ${whole % 60} s` : `${minutes} min`;
  const wholeMinutes = Math.round(seconds / 60);
  const hours = Math.floor(wholeMinutes / 60);
  if (hours < 48) return wholeMinutes % 60 ? `${hours} h ${wholeMinutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "the last hour", "the last 24 hours", "the last 7 days". */
export function rangePhrase(range: MetricRange): string {
  return range === '1h' ? 'the last hour' : range === '24h' ? 'the last 24 hours' : 'the last 7 days';
}

/** The small print under a p95: "p50 1.2 ms · p99 4 ms", or why there is no value. */
export function percentileDetail(p: Percentiles, range: MetricRange): string {
  if (p.count === 0) return `no jobs in ${rangePhrase(range)}`;
  return `p50 ${formatSeconds(p.p50)} · p99 ${formatSeconds(p.p99)}`;
}

/** A chart's text equivalent: "Processing p95 120 ms over the last hour (42 jobs)". */
export function latencySummary(label: string, p: Percentiles | undefined, range: MetricRange): string {
  if (!p || p.count === 0) return `${label}: no jobs in ${rangePhrase(range)}`;
  const jobs = `${p.count.toLocaleString('en-US')} ${p.count === 1 ? 'job' : 'jobs'}`;
  return `${label} p95 ${formatSeconds(p.p95)} over ${rangePhrase(range)} (${jobs}; p50 ${formatSeconds(p.p50)}, p99 ${formatSeconds(p.p99)})`;
}

/** Steps a latency axis may use, seconds: round numbers in ms, s, min and h. */
const TICK_STEPS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * Y axis ticks from 0 to at least `max` seconds, at most five, on round steps ("0, 10 ms, 20 ms, 30 ms"),
 * where the chart library's own would read "6.5 ms, 13 ms".
 */
export function latencyTicks(max: number): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 0.001;
  const step = TICK_STEPS.find((s) => top / s <= 4) ?? 3600 * Math.ceil(top / 4 / 3600);
  const n = Math.max(1, Math.ceil(top / step - 1e-9));
  // Multiplying, then rounding away float noise (3 × 0.1 → 0.30000000000000004).
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}
