import type { DailyPoint } from './types.ts';

/**
 * Pure numeric helpers over values and daily series: no metric-specific rules, no wording, no I/O,
 * no clock. The insight rules (rules.ts) decide what to compute; this module only computes it.
 */

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : sum(values) / values.length;
}

/** The middle value (mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median absolute deviation from the median (unscaled); NaN for no values. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** sqrt(π/2): the mean absolute deviation of a normal distribution times this is its σ. */
const MEAN_AD_SCALE = 1.253314;

export interface RobustStats {
  median: number;
  mad: number;
  /** Mean absolute deviation from the median: the scale used when the MAD is 0. */
  meanAbsDev: number;
  method: 'mad' | 'meanad' | 'flat';
  z: number[];
}

/**
 * Robust (modified) z-scores of Iglewicz and Hoaglin, with their ingredients: 0.6745·(x − median)/MAD;
 * when the MAD is 0 (more than half the values equal the median), (x − median)/(1.253314·meanAD); when
 * that is 0 too the series is flat and every z is 0.
 */
export function robustStats(values: readonly number[]): RobustStats {
  if (values.length === 0) return { median: NaN, mad: NaN, meanAbsDev: NaN, method: 'flat', z: [] };
  const med = median(values);
  const deviations = values.map((v) => Math.abs(v - med));
  const m = median(deviations);
  const meanAbsDev = mean(deviations);
  if (m > 0) return { median: med, mad: m, meanAbsDev, method: 'mad', z: values.map((v) => (0.6745 * (v - med)) / m) };
  if (meanAbsDev > 0) {
    return { median: med, mad: 0, meanAbsDev, method: 'meanad', z: values.map((v) => (v - med) / (MEAN_AD_SCALE * meanAbsDev)) };
  }
  return { median: med, mad: 0, meanAbsDev: 0, method: 'flat', z: values.map(() => 0) };
}

/** Robust z-score of each value (see robustStats); all zeros for a flat series. */
export function robustZ(values: readonly number[]): number[] {
  return robustStats(values).z;
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Share of the variance the line explains (0 for a flat series). */
  r2: number;
}

/** Least-squares line through (x, value); x defaults to 0, 1, 2… (one per day). */
export function linearFit(values: readonly number[], x?: readonly number[]): LinearFit {
  const n = values.length;
  if (x && x.length !== n) throw new RangeError('linearFit: x and values differ in length');
  const xs = x ?? values.map((_, i) => i);
  if (n < 2) return { slope: 0, intercept: n === 1 ? values[0] : 0, r2: 0 };
  const mx = mean(xs);
  const my = mean(values);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = values[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, intercept: my, r2: 0 };
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : Math.min(1, (sxy * sxy) / (sxx * syy));
  return { slope, intercept: my - slope * mx, r2 };
}

/** Least-squares slope per day (x defaults to 0, 1, 2…); 0 for fewer than two values or a flat series. */
export function slope(values: readonly number[], x?: readonly number[]): number {
  return linearFit(values, x).slope;
}

/** Change from previous to current in %; null when previous is 0 (or either is not a finite number). */
export function changePct(current: number, previous: number): number | null {
  if (!Number.isFinite(current) || !Number.isFinite(previous) || previous === 0) return null;
  return ((current - previous) / Math.abs(previous)) * 100;
}

// — daily series —

const DAY_MS = 86_400_000;

/** Days since the epoch of a YYYY-MM-DD (or ISO date-time, whose UTC calendar day counts); NaN if invalid. */
export function dayNumber(date: string): number {
  const day = date.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return NaN;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? NaN : Math.round(t / DAY_MS);
}

function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * One point per calendar day from startDate to endDate (inclusive), oldest first, 0 for a day with no
 * point. Points outside the range are dropped; several points on one day are added up. Only right for
 * metrics where a missing day means zero (rules.ts decides which).
 */
export function fillDays(points: readonly DailyPoint[], startDate: string, endDate: string): DailyPoint[] {
  const start = dayNumber(startDate);
  const end = dayNumber(endDate);
  if (Number.isNaN(start) || Number.isNaN(end) || start > end) return [];
  const byDay = new Map<number, number>();
  for (const p of points) {
    const d = dayNumber(p.date);
    if (Number.isNaN(d) || !Number.isFinite(p.value)) continue;
    byDay.set(d, (byDay.get(d) ?? 0) + p.value);
  }
  const out: DailyPoint[] = [];
  for (let d = start; d <= end; d++) out.push({ date: dateOfDay(d), value: byDay.get(d) ?? 0 });
  return out;
}

/** Sorted oldest first, one point per day (same-day points added), invalid dates and values dropped. */
export function normalizeDays(points: readonly DailyPoint[]): DailyPoint[] {
  const byDay = new Map<number, number>();
  for (const p of points) {
    const d = dayNumber(p.date);
    if (Number.isNaN(d) || !Number.isFinite(p.value)) continue;
    byDay.set(d, (byDay.get(d) ?? 0) + p.value);
  }
  return [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([d, value]) => ({ date: dateOfDay(d), value }));
}
