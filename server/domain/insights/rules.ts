import type { InsightPeriod } from '../../../shared/jobs.ts';
import { METRIC_NAMES, type MetricName } from '../../../shared/metrics.ts';
import { changePct, dayNumber, fillDays, linearFit, mean, normalizeDays, robustStats, sum } from './statistics.ts';
import type { DailyPoint, Insight, InsightSeverity, InsightType, InsightsInput, MetricSeries } from './types.ts';
import { bestWorstText, dayOverDayText, roasText, totalChangeText, trendText, unusualDayText } from './wording.ts';

/**
 * The insight rules: `computeInsights` turns a current and a previous window into findings with the
 * numbers behind them, using the maths in statistics.ts and the English in wording.ts. No I/O, no
 * clock: the same input always gives the same insights in the same order.
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

/** A metric's days in one window as analysed: normalized, gaps zero-filled where that is right; [] when absent. */
export function prepare(series: MetricSeries | undefined, metric: MetricName): DailyPoint[] {
  const points = normalizeDays(series?.[metric] ?? []);
  if (points.length === 0 || !ZERO_FILL_METRICS.has(metric)) return points;
  return fillDays(points, points[0].date, points[points.length - 1].date);
}

// — severity and order —

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

function totalChange(metric: MetricName, current: DailyPoint[], previous: DailyPoint[], period: InsightPeriod): Insight {
  const total = sum(current.map((p) => p.value));
  const prevTotal = previous.length > 0 ? sum(previous.map((p) => p.value)) : null;
  const change = prevTotal === null ? null : changePct(total, prevTotal);
  const figures = { total, previous: prevTotal, change, currentDays: current.length, previousDays: previous.length };
  return {
    type: 'total_change',
    severity: directionalSeverity(metric, change),
    metric,
    ...totalChangeText(metric, period, figures),
    numbers: { metric, ...figures },
  };
}

function trend(metric: MetricName, points: DailyPoint[], period: InsightPeriod): Insight | null {
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
  const startFit = fit.intercept;
  const endFit = fit.intercept + fit.slope * span;
  return {
    type: 'trend',
    // A trend is a direction, not an event: at most a warning (the total change carries a collapse).
    severity: directionalSeverity(metric, driftPct) === 'critical' ? 'warning' : directionalSeverity(metric, driftPct),
    metric,
    ...trendText(metric, period, { days: n, slope: fit.slope, slopePct, mean: avg, driftPct, r2: fit.r2, startFit, endFit }),
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
  const out: Insight[] = [];
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
      // The latest day moving the way its z-score says: compared with the day before rather than the median.
      const numbers = { ...base, change: dayOverDay, date, value, previous: before.value, previousDate: before.date, z };
      out.push({
        type: 'anomaly',
        severity: Math.abs(z) >= 2 * threshold || dayOverDay <= -50 ? 'critical' : 'warning',
        metric,
        ...dayOverDayText(metric, numbers),
        numbers,
      });
      continue;
    }
    const deviationPct = changePct(value, stats.median);
    const numbers = { ...base, date, value, deviationPct, z };
    out.push({
      type: 'anomaly',
      severity: Math.abs(z) >= 2 * threshold || (deviationPct !== null && deviationPct <= -50) ? 'critical' : 'warning',
      metric,
      ...unusualDayText(metric, numbers),
      numbers,
    });
  }
  return out;
}

function bestWorst(metric: MetricName, points: DailyPoint[], period: InsightPeriod): Insight[] {
  if (points.length < 2) return [];
  let best = points[0];
  let worst = points[0];
  for (const p of points) {
    if (p.value > best.value) best = p; // strict: ties go to the earliest day
    if (p.value < worst.value) worst = p;
  }
  if (best.value === worst.value) return [];
  const avg = mean(points.map((p) => p.value));
  const make = (type: 'best_day' | 'worst_day', p: DailyPoint): Insight => {
    const vsMeanPct = changePct(p.value, avg);
    return {
      type,
      severity: type === 'best_day' ? 'positive' : 'info',
      metric,
      ...bestWorstText(type, metric, period, { date: p.date, value: p.value, mean: avg, vsMeanPct }),
      numbers: { metric, date: p.date, value: p.value, mean: avg, vsMeanPct, days: points.length },
    };
  };
  return [make('best_day', best), make('worst_day', worst)];
}

function roas(input: InsightsInput): Insight | null {
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
  const numbers = {
    roas: value,
    revenue: revenueTotal,
    adSpend: spendTotal,
    previousRoas: previous,
    previousRevenue: prevRevenueTotal,
    previousAdSpend: prevSpendTotal,
    change,
  };
  return { type: 'roas', severity, ...roasText(input.period, numbers), numbers };
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
  const out: Insight[] = [];
  for (const metric of METRIC_NAMES) {
    const current = prepare(input.current, metric);
    if (current.length === 0) continue;
    const previous = prepare(input.previous, metric);
    out.push(totalChange(metric, current, previous, input.period));
    const t = trend(metric, current, input.period);
    if (t) out.push(t);
    out.push(...anomalies(metric, current, threshold));
    if (BEST_WORST_METRICS.includes(metric)) out.push(...bestWorst(metric, current, input.period));
  }
  const r = roas(input);
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
