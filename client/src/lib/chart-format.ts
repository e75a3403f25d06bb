/** Wording for the throughput and depth charts: axis ticks and the one-line summaries that name them. Pure: unit-tested. */
import type { MetricRange } from '../../../shared/api.ts';
import { formatNumber } from './format.ts';
import { rangePhrase } from './latency-format.ts';

const SUFFIXES = ['', 'k', 'M', 'B'] as const;

/** One decimal below 100, none from 100 up. */
const roundForTick = (x: number) => (x >= 100 ? Math.round(x) : Math.round(x * 10) / 10);

/**
 * A count short enough for an axis tick: "950", "1.2k", "200k", "1.2M". At most one decimal, none from
 * 100 up; a value that rounds up to the next scale moves there ("999,999" reads "1M", not "1000k").
 */
export function compactNumber(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  let scale = 0;
  let value = Math.abs(n);
  while (scale < SUFFIXES.length - 1 && roundForTick(value) >= 1000) {
    value /= 1000;
    scale++;
  }
  return `${sign}${roundForTick(value)}${SUFFIXES[scale]}`;
}

/**
 * The y axis width (px) that fits the longest compact tick at the charts' 11 px font, so "200k" is never
 * cut: about 7 px a character, one character spare (the top tick is rounded up from the data's maximum).
 */
export function compactAxisWidth(max: number): number {
  return Math.max(32, 8 + 7 * (compactNumber(Math.max(0, max)).length + 1));
}

export interface ThroughputPoint {
  t: number;
  completed: number;
  failed: number;
}

/** "1,204 completed and 36 failed over the last hour; at most 58 jobs in one minute." */
export function throughputSummary(points: ThroughputPoint[], bucketMinutes: number, range: MetricRange): string {
  const completed = points.reduce((s, p) => s + p.completed, 0);
  const failed = points.reduce((s, p) => s + p.failed, 0);
  const peak = Math.max(0, ...points.map((p) => p.completed + p.failed));
  const bucket = bucketMinutes === 1 ? 'one minute' : bucketMinutes === 60 ? 'one hour' : `${bucketMinutes} minutes`;
  return `${formatNumber(completed)} completed and ${formatNumber(failed)} failed over ${rangePhrase(range)}; at most ${formatNumber(peak)} ${peak === 1 ? 'job' : 'jobs'} in ${bucket}.`;
}

export interface DepthPoint {
  t: number;
  waiting: number;
  active: number;
  failed: number;
}

/** "Now 200,000 waiting, 0 active, 50,000 failed; waiting peaked at 210,000 over the last hour." */
export function depthSummary(points: DepthPoint[], range: MetricRange): string {
  const last = points[points.length - 1];
  if (!last) return `No depth samples over ${rangePhrase(range)}.`;
  const peak = Math.max(...points.map((p) => p.waiting));
  return `Now ${formatNumber(last.waiting)} waiting, ${formatNumber(last.active)} active, ${formatNumber(last.failed)} failed; waiting peaked at ${formatNumber(peak)} over ${rangePhrase(range)}.`;
}

/** A point's time in a chart's table: short date, time to the second (depth is sampled every 10 s). */
export function tableTime(t: number): string {
  return new Date(t).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}
