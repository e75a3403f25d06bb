import type { InsightPeriod } from '../../../shared/jobs.ts';
import { METRIC_NAMES, type MetricName } from '../../../shared/metrics.ts';
import type { DailyPoint, Insight, InsightSeverity, InsightType, InsightsInput, MetricSeries } from './types.ts';

/**
 * The insights maths: small pure functions over daily series, and `computeInsights` that turns a
 * current and a previous window into findings with the numbers behind them. No I/O, no clock: the
 * same input always gives the same insights in the same order.
 *
 * Choices worth knowing:
 * - Missing days. The contract leaves days with no data out. For metrics that count or sum events
 *   (ZERO_FILL_METRICS: revenue, orders, refunds, refund_amount, conversions, ad_spend, impressions,
 *   clicks) a missing day means nothing happened, so a gap is filled with 0. Sessions and users are
 *   measurements: a missing day is far more likely a tracking or sync gap than a day with no visitors,
 *   so they are not filled. Filling only covers the metric's own first to last day in the window: the
 *   input does not carry the window's bounds, and extending to them would turn a not-yet-synced or
 *   not-yet-connected stretch into a run of zero days (false drops, false trends).
 * - Anomalies use the robust (modified) z-score of Iglewicz and Hoaglin over the current window. They
 *   need MIN_DAYS days, and are not looked for in a sparse series (median 0: most days have none, as
 *   with a few refunds a month), where any non-zero day would stand out without meaning anything.
 * - Percentages in `numbers` are raw (not rounded); headlines and details round for display.
 */

export const DEFAULT_ANOMALY_THRESHOLD = 3.5;
/** Fewer days than this and anomalies and trends are not looked for. */
export const MIN_DAYS = 5;
/** A change smaller than this (in %) is reported as `info`, not good or bad news. */
export const FLAT_CHANGE_PCT = 5;
/** A trend is reported when the fitted line moves at least this much (in % of the mean) over the window… */
export const MIN_TREND_DRIFT_PCT = 10;
/** …and its slope's t-statistic is at least this (|t| ≥ 3, computed from R² so a perfect fit is fine). */
export const MIN_TREND_T = 3;

export const ZERO_FILL_METRICS: ReadonlySet<MetricName> = new Set<MetricName>([
  'revenue',
  'orders',
  'refunds',
  'refund_amount',
  'conversions',
  'ad_spend',
  'impressions',
  'clicks',
]);

/** Best and worst days are reported for these. */
export const BEST_WORST_METRICS: readonly MetricName[] = ['revenue', 'sessions', 'orders'];

/**
 * +1: up is good news; -1: up is bad news (refunds); 0: neither (ad spend is a budget decision, its
 * efficiency is judged by the ROAS insight), so its changes are `info`.
 */
export const METRIC_POLARITY: Readonly<Record<MetricName, 1 | -1 | 0>> = {
  revenue: 1,
  orders: 1,
  refunds: -1,
  refund_amount: -1,
  sessions: 1,
  users: 1,
  conversions: 1,
  ad_spend: 0,
  impressions: 1,
  clicks: 1,
};

const MONEY_METRICS: ReadonlySet<MetricName> = new Set<MetricName>(['revenue', 'refund_amount', 'ad_spend']);

const METRIC_LABELS: Readonly<Record<MetricName, string>> = {
  revenue: 'Revenue',
  orders: 'Orders',
  refunds: 'Refunds',
  refund_amount: 'Refund amount',
  sessions: 'Sessions',
  users: 'Users',
  conversions: 'Conversions',
  ad_spend: 'Ad spend',
  impressions: 'Impressions',
  clicks: 'Clicks',
};

const PERIOD_LABELS: Readonly<Record<InsightPeriod, string>> = {
  '7d': '7 days',
  '30d': '30 days',
  '90d': '90 days',
  '1y': '12 months',
};

// — helpers —

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
 * Robust z-scores with their ingredients: 0.6745·(x − median)/MAD; when the MAD is 0 (more than half
 * the values equal the median), (x − median)/(1.253314·meanAD); when that is 0 too the series is
 * flat and every z is 0.
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
 * point. Points outside the range are dropped; several points on one day are added up. Only for metrics
 * where a missing day means zero (ZERO_FILL_METRICS).
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
function normalize(points: readonly DailyPoint[]): DailyPoint[] {
  const byDay = new Map<number, number>();
  for (const p of points) {
    const d = dayNumber(p.date);
    if (Number.isNaN(d) || !Number.isFinite(p.value)) continue;
    byDay.set(d, (byDay.get(d) ?? 0) + p.value);
  }
  return [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([d, value]) => ({ date: dateOfDay(d), value }));
}

/** A metric's days in one window as analysed: normalized, gaps zero-filled where that is right; [] when absent. */
function prepare(series: MetricSeries | undefined, metric: MetricName): DailyPoint[] {
  const points = normalize(series?.[metric] ?? []);
  if (points.length === 0 || !ZERO_FILL_METRICS.has(metric)) return points;
  return fillDays(points, points[0].date, points[points.length - 1].date);
}

// — display —

function fmtNumber(v: number, maxDecimals: number, minDecimals = 0): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: minDecimals, maximumFractionDigits: maxDecimals });
}

function fmtValue(metric: MetricName, v: number): string {
  return MONEY_METRICS.has(metric) ? fmtNumber(v, 2, 2) : fmtNumber(v, Number.isInteger(v) ? 0 : 1);
}

/** A percentage's size for display: 1 decimal at most, no sign. */
function fmtPct(p: number): string {
  return `${fmtNumber(Math.abs(p), 1)}%`;
}

const SINGULAR_METRICS: ReadonlySet<MetricName> = new Set<MetricName>(['revenue', 'refund_amount', 'ad_spend']);

function was(metric: MetricName): string {
  return SINGULAR_METRICS.has(metric) ? 'was' : 'were';
}

function lower(metric: MetricName): string {
  return METRIC_LABELS[metric].toLowerCase();
}

// — severity —

/** Good, bad or neutral news by direction and polarity; changes under FLAT_CHANGE_PCT are info. */
function directionalSeverity(metric: MetricName, change: number | null): InsightSeverity {
  if (change === null || Math.abs(change) < FLAT_CHANGE_PCT) return 'info';
  const polarity = METRIC_POLARITY[metric];
  if (polarity === 0) return 'info';
  const good = change > 0 === polarity > 0;
  if (good) return 'positive';
  // A good-news metric losing half or more is critical.
  return polarity > 0 && change <= -50 ? 'critical' : 'warning';
}

const SEVERITY_RANK: Readonly<Record<InsightSeverity, number>> = { critical: 0, warning: 1, positive: 2, info: 3 };
const TYPE_RANK: Readonly<Record<InsightType, number>> = { anomaly: 0, total_change: 1, trend: 2, roas: 3, best_day: 4, worst_day: 5 };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first, then metric name (insights without a metric, such as ROAS, last), type, date, headline. */
export function compareInsights(a: Insight, b: Insight): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.metric === b.metric ? 0 : a.metric === undefined ? 1 : b.metric === undefined ? -1 : cmp(a.metric, b.metric)) ||
    TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
    cmp(String(a.numbers.date ?? ''), String(b.numbers.date ?? '')) ||
    cmp(a.headline, b.headline)
  );
}

// — insights —

function totalChange(metric: MetricName, current: DailyPoint[], previous: DailyPoint[], periodLabel: string): Insight {
  const label = METRIC_LABELS[metric];
  const total = sum(current.map((p) => p.value));
  const prevTotal = previous.length > 0 ? sum(previous.map((p) => p.value)) : null;
  const change = prevTotal === null ? null : changePct(total, prevTotal);
  const totalText = fmtValue(metric, total);
  let headline: string;
  let detail: string;
  if (change === null) {
    headline = `${label} ${totalText} in the last ${periodLabel}`;
    detail =
      prevTotal === null
        ? `${label} totalled ${totalText} over ${current.length} days; there is no data for the previous ${periodLabel} to compare with.`
        : `${label} totalled ${totalText} over ${current.length} days, against none in the previous ${periodLabel}.`;
  } else {
    const prevText = fmtValue(metric, prevTotal!);
    const rounded = Math.round(change * 10) / 10;
    headline =
      rounded === 0
        ? `${label} unchanged vs the previous ${periodLabel}`
        : `${label} ${change > 0 ? 'up' : 'down'} ${fmtPct(change)} vs the previous ${periodLabel}`;
    detail = `${label} totalled ${totalText} over ${current.length} days, against ${prevText} over ${previous.length} days in the previous ${periodLabel}.`;
  }
  return {
    type: 'total_change',
    severity: directionalSeverity(metric, change),
    metric,
    headline,
    detail,
    numbers: { metric, total, previous: prevTotal, change, currentDays: current.length, previousDays: previous.length },
  };
}

function trend(metric: MetricName, points: DailyPoint[], periodLabel: string): Insight | null {
  const n = points.length;
  if (n < MIN_DAYS) return null;
  const values = points.map((p) => p.value);
  const avg = mean(values);
  if (!(avg > 0)) return null;
  const first = dayNumber(points[0].date);
  const xs = points.map((p) => dayNumber(p.date) - first);
  const fit = linearFit(values, xs);
  if (fit.slope === 0) return null;
  const span = xs[n - 1];
  const driftPct = ((fit.slope * span) / avg) * 100;
  // t² = R²(n − 2)/(1 − R²): compare without dividing, so a perfect fit (R² = 1) passes.
  const significant = fit.r2 * (n - 2) >= MIN_TREND_T * MIN_TREND_T * (1 - fit.r2);
  if (Math.abs(driftPct) < MIN_TREND_DRIFT_PCT || !significant) return null;
  const slopePct = (fit.slope / avg) * 100;
  const label = METRIC_LABELS[metric];
  const dir = fit.slope > 0 ? 'up' : 'down';
  const startFit = fit.intercept;
  const endFit = fit.intercept + fit.slope * span;
  return {
    type: 'trend',
    // A trend is a direction, not an event: at most a warning (the total change carries a collapse).
    severity: directionalSeverity(metric, driftPct) === 'critical' ? 'warning' : directionalSeverity(metric, driftPct),
    metric,
    headline: `${label} trending ${dir} ${fmtNumber(Math.abs(slopePct), 1)}%/day over the last ${periodLabel}`,
    detail:
      `The least-squares line through ${n} daily values moves ${fit.slope > 0 ? '+' : '-'}${fmtValue(metric, Math.abs(fit.slope))} a day ` +
      `(${fmtNumber(slopePct, 2)}% of the daily mean ${fmtValue(metric, avg)}), from ${fmtValue(metric, startFit)} to ${fmtValue(metric, endFit)} ` +
      `(${driftPct > 0 ? '+' : '-'}${fmtPct(driftPct)}); R² ${fmtNumber(fit.r2, 2)}.`,
    numbers: {
      metric,
      slope: fit.slope,
      slopePct,
      mean: avg,
      driftPct,
      r2: fit.r2,
      days: n,
      startDate: points[0].date,
      endDate: points[n - 1].date,
      startFit,
      endFit,
    },
  };
}

function anomalies(metric: MetricName, points: DailyPoint[], threshold: number): Insight[] {
  const n = points.length;
  if (n < MIN_DAYS) return [];
  const values = points.map((p) => p.value);
  const stats = robustStats(values);
  if (stats.method === 'flat' || stats.median === 0) return [];
  const label = METRIC_LABELS[metric];
  const out: Insight[] = [];
  const zText = (z: number) => `robust z ${fmtNumber(z, 1)}, threshold ${fmtNumber(threshold, 2)}`;
  const base = { metric, median: stats.median, mad: stats.mad, meanAbsDev: stats.meanAbsDev, zMethod: stats.method, threshold, days: n };
  for (let i = 0; i < n; i++) {
    const z = stats.z[i];
    if (!(Math.abs(z) > threshold)) continue;
    const { date, value } = points[i];
    const before = i === n - 1 && i > 0 ? points[i - 1] : undefined;
    const dayOverDay =
      before && dayNumber(date) - dayNumber(before.date) === 1 && before.value > 0 && Math.sign(value - before.value) === Math.sign(z)
        ? changePct(value, before.value)
        : null;
    if (before && dayOverDay !== null) {
      // The latest day, compared with the day before: "Revenue dropped 50% from the day before".
      out.push({
        type: 'anomaly',
        severity: Math.abs(z) >= 2 * threshold || dayOverDay <= -50 ? 'critical' : 'warning',
        metric,
        headline: `${label} ${dayOverDay < 0 ? 'dropped' : 'jumped'} ${fmtPct(dayOverDay)} from the day before`,
        detail:
          `${label} ${was(metric)} ${fmtValue(metric, value)} on ${date} against ${fmtValue(metric, before.value)} on ${before.date}; ` +
          `the median of the last ${n} days is ${fmtValue(metric, stats.median)} (${zText(z)}).`,
        numbers: { ...base, change: dayOverDay, date, value, previous: before.value, previousDate: before.date, z },
      });
      continue;
    }
    const deviationPct = changePct(value, stats.median);
    const low = z < 0;
    out.push({
      type: 'anomaly',
      severity: Math.abs(z) >= 2 * threshold || (deviationPct !== null && deviationPct <= -50) ? 'critical' : 'warning',
      metric,
      headline: `Unusually ${low ? 'low' : 'high'} ${lower(metric)} on ${date}`,
      detail:
        `${label} ${was(metric)} ${fmtValue(metric, value)} on ${date}` +
        (deviationPct === null ? '' : `, ${fmtPct(deviationPct)} ${low ? 'below' : 'above'}`) +
        ` the median of ${fmtValue(metric, stats.median)} over the last ${n} days (${zText(z)}).`,
      numbers: { ...base, date, value, deviationPct, z },
    });
  }
  return out;
}

function bestWorst(metric: MetricName, points: DailyPoint[], periodLabel: string): Insight[] {
  if (points.length < 2) return [];
  let best = points[0];
  let worst = points[0];
  for (const p of points) {
    if (p.value > best.value) best = p; // strict: ties go to the earliest day
    if (p.value < worst.value) worst = p;
  }
  if (best.value === worst.value) return [];
  const avg = mean(points.map((p) => p.value));
  const label = METRIC_LABELS[metric];
  const make = (type: 'best_day' | 'worst_day', p: DailyPoint): Insight => {
    const vsMeanPct = changePct(p.value, avg);
    return {
      type,
      severity: type === 'best_day' ? 'positive' : 'info',
      metric,
      headline: `${type === 'best_day' ? 'Best' : 'Worst'} ${lower(metric)} day: ${p.date} (${fmtValue(metric, p.value)})`,
      detail:
        `${label} ${was(metric)} ${fmtValue(metric, p.value)} on ${p.date}, the ${type === 'best_day' ? 'highest' : 'lowest'} of the last ${periodLabel}` +
        (vsMeanPct === null ? '' : `, ${fmtPct(vsMeanPct)} ${vsMeanPct >= 0 ? 'above' : 'below'} the daily mean of ${fmtValue(metric, avg)}`) +
        '.',
      numbers: { metric, date: p.date, value: p.value, mean: avg, vsMeanPct, days: points.length },
    };
  };
  return [make('best_day', best), make('worst_day', worst)];
}

function roas(input: InsightsInput, periodLabel: string): Insight | null {
  const revenue = prepare(input.current, 'revenue');
  const spend = prepare(input.current, 'ad_spend');
  if (revenue.length === 0 || spend.length === 0) return null;
  const revenueTotal = sum(revenue.map((p) => p.value));
  const spendTotal = sum(spend.map((p) => p.value));
  if (!(spendTotal > 0)) return null;
  const value = revenueTotal / spendTotal;
  const prevRevenue = prepare(input.previous, 'revenue');
  const prevSpend = prepare(input.previous, 'ad_spend');
  const prevRevenueTotal = prevRevenue.length > 0 ? sum(prevRevenue.map((p) => p.value)) : null;
  const prevSpendTotal = prevSpend.length > 0 ? sum(prevSpend.map((p) => p.value)) : null;
  const previous = prevRevenueTotal !== null && prevSpendTotal !== null && prevSpendTotal > 0 ? prevRevenueTotal / prevSpendTotal : null;
  const change = previous === null ? null : changePct(value, previous);
  let severity: InsightSeverity =
    change === null || Math.abs(change) < FLAT_CHANGE_PCT ? 'info' : change > 0 ? 'positive' : change <= -50 ? 'critical' : 'warning';
  // Spending more on ads than the whole revenue is worth a look whatever the trend.
  if (value < 1 && SEVERITY_RANK[severity] > SEVERITY_RANK.warning) severity = 'warning';
  const roasText = fmtNumber(value, 2, 2);
  const headline =
    change === null
      ? `ROAS ${roasText} over the last ${periodLabel}`
      : Math.round(change * 10) / 10 === 0
        ? `ROAS unchanged at ${roasText} vs the previous ${periodLabel}`
        : `ROAS ${change > 0 ? 'up' : 'down'} ${fmtPct(change)} to ${roasText} vs the previous ${periodLabel}`;
  const detail =
    `Revenue ${fmtValue('revenue', revenueTotal)} for ad spend ${fmtValue('ad_spend', spendTotal)}: ${roasText} of revenue per unit spent` +
    (previous === null
      ? '; no ROAS for the previous period to compare with.'
      : `, against ${fmtNumber(previous, 2, 2)} (${fmtValue('revenue', prevRevenueTotal!)} for ${fmtValue('ad_spend', prevSpendTotal!)}) in the previous ${periodLabel}.`) +
    ' Revenue is all revenue, not only what the ads brought.';
  return {
    type: 'roas',
    severity,
    headline,
    detail,
    numbers: {
      roas: value,
      revenue: revenueTotal,
      adSpend: spendTotal,
      previousRoas: previous,
      previousRevenue: prevRevenueTotal,
      previousAdSpend: prevSpendTotal,
      change,
    },
  };
}

/**
 * Every insight for one organization's current window against the previous one, most severe first
 * (see compareInsights). Metrics with no days in the current window are skipped.
 */
export function computeInsights(input: InsightsInput): Insight[] {
  const threshold =
    input.anomalyThreshold !== undefined && Number.isFinite(input.anomalyThreshold) && input.anomalyThreshold > 0
      ? input.anomalyThreshold
      : DEFAULT_ANOMALY_THRESHOLD;
  const periodLabel = PERIOD_LABELS[input.period] ?? input.period;
  const out: Insight[] = [];
  for (const metric of METRIC_NAMES) {
    const current = prepare(input.current, metric);
    if (current.length === 0) continue;
    const previous = prepare(input.previous, metric);
    out.push(totalChange(metric, current, previous, periodLabel));
    const t = trend(metric, current, periodLabel);
    if (t) out.push(t);
    out.push(...anomalies(metric, current, threshold));
    if (BEST_WORST_METRICS.includes(metric)) out.push(...bestWorst(metric, current, periodLabel));
  }
  const r = roas(input, periodLabel);
  if (r) out.push(r);
  return out.sort(compareInsights);
}

/**
 * The anomaly insights that should raise a DATA_ANOMALY alert: severity warning or critical and
 * |z| at least `threshold` (which lets the alert be stricter than the insight), in the given order.
 */
export function anomaliesForAlert(insights: readonly Insight[], threshold: number = DEFAULT_ANOMALY_THRESHOLD): Insight[] {
  return insights.filter((i) => {
    if (i.type !== 'anomaly' || (i.severity !== 'warning' && i.severity !== 'critical')) return false;
    const z = i.numbers.z;
    return typeof z === 'number' && Math.abs(z) >= threshold;
  });
}
