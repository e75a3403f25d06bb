import type { InsightPeriod } from '../../../shared/jobs.ts';
import type { MetricName } from '../../../shared/metrics.ts';
import type { Insight } from './types.ts';

/**
 * The English of the insights: labels, number formatting, and each insight's headline and detail,
 * written from numbers the rules (rules.ts) have already computed. Kept apart so wording can change
 * without touching what is found.
 *
 * Choices worth knowing:
 * - Percentages in an insight's `numbers` are raw (not rounded); headlines and details round for display.
 */

export type InsightText = Pick<Insight, 'headline' | 'detail'>;

export const MONEY_METRICS: ReadonlySet<MetricName> = new Set<MetricName>(['revenue', 'refund_amount', 'ad_spend']);

/** Takes "was" rather than "were". */
export const SINGULAR_METRICS: ReadonlySet<MetricName> = new Set<MetricName>(['revenue', 'refund_amount', 'ad_spend']);

export const METRIC_LABELS: Readonly<Record<MetricName, string>> = {
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

// — formatting —

/** The period as a reader says it ("30 days", "12 months"); an unknown period as given. */
export function periodLabel(period: InsightPeriod): string {
  return PERIOD_LABELS[period] ?? period;
}

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

function was(metric: MetricName): string {
  return SINGULAR_METRICS.has(metric) ? 'was' : 'were';
}

function lower(metric: MetricName): string {
  return METRIC_LABELS[metric].toLowerCase();
}

/** Whether a change shows as 0 once rounded to the 1 decimal displayed. */
function showsAsZero(change: number): boolean {
  return Math.round(change * 10) / 10 === 0;
}

// — headlines and details —

export interface TotalChangeFigures {
  total: number;
  /** The previous window's total; null when it has no days. */
  previous: number | null;
  /** null when there is nothing to compare with (no previous days, or a previous total of 0). */
  change: number | null;
  currentDays: number;
  previousDays: number;
}

export function totalChangeText(metric: MetricName, period: InsightPeriod, f: TotalChangeFigures): InsightText {
  const label = METRIC_LABELS[metric];
  const periodText = periodLabel(period);
  const totalText = fmtValue(metric, f.total);
  if (f.change === null) {
    return {
      headline: `${label} ${totalText} in the last ${periodText}`,
      detail:
        f.previous === null
          ? `${label} totalled ${totalText} over ${f.currentDays} days; there is no data for the previous ${periodText} to compare with.`
          : `${label} totalled ${totalText} over ${f.currentDays} days, against none in the previous ${periodText}.`,
    };
  }
  const prevText = fmtValue(metric, f.previous!);
  return {
    headline: showsAsZero(f.change)
      ? `${label} unchanged vs the previous ${periodText}`
      : `${label} ${f.change > 0 ? 'up' : 'down'} ${fmtPct(f.change)} vs the previous ${periodText}`,
    detail: `${label} totalled ${totalText} over ${f.currentDays} days, ` + `against ${prevText} over ${f.previousDays} days in the previous ${periodText}.`,
  };
}

export interface TrendFigures {
  days: number;
  slope: number;
  /** The slope in % of the daily mean. */
  slopePct: number;
  mean: number;
  /** How far the fitted line moves over the window, in % of the mean. */
  driftPct: number;
  r2: number;
  startFit: number;
  endFit: number;
}

export function trendText(metric: MetricName, period: InsightPeriod, f: TrendFigures): InsightText {
  const dir = f.slope > 0 ? 'up' : 'down';
  return {
    headline: `${METRIC_LABELS[metric]} trending ${dir} ${fmtNumber(Math.abs(f.slopePct), 1)}%/day over the last ${periodLabel(period)}`,
    detail:
      `The least-squares line through ${f.days} daily values moves ${f.slope > 0 ? '+' : '-'}${fmtValue(metric, Math.abs(f.slope))} a day ` +
      `(${fmtNumber(f.slopePct, 2)}% of the daily mean ${fmtValue(metric, f.mean)}), ` +
      `from ${fmtValue(metric, f.startFit)} to ${fmtValue(metric, f.endFit)} ` +
      `(${f.driftPct > 0 ? '+' : '-'}${fmtPct(f.driftPct)}); R² ${fmtNumber(f.r2, 2)}.`,
  };
}

interface AnomalyFigures {
  date: string;
  value: number;
  /** Median of the window's days. */
  median: number;
  days: number;
  z: number;
  threshold: number;
}

function zText(f: AnomalyFigures): string {
  return `robust z ${fmtNumber(f.z, 1)}, threshold ${fmtNumber(f.threshold, 2)}`;
}

export interface DayOverDayFigures extends AnomalyFigures {
  /** Change from the day before, in %. */
  change: number;
  previous: number;
  previousDate: string;
}

/** The latest day, compared with the day before: "Revenue dropped 50% from the day before". */
export function dayOverDayText(metric: MetricName, f: DayOverDayFigures): InsightText {
  const label = METRIC_LABELS[metric];
  return {
    headline: `${label} ${f.change < 0 ? 'dropped' : 'jumped'} ${fmtPct(f.change)} from the day before`,
    detail:
      `${label} ${was(metric)} ${fmtValue(metric, f.value)} on ${f.date} against ${fmtValue(metric, f.previous)} on ${f.previousDate}; ` +
      `the median of the last ${f.days} days is ${fmtValue(metric, f.median)} (${zText(f)}).`,
  };
}

export interface UnusualDayFigures extends AnomalyFigures {
  /** Deviation from the median, in %; null when the median is 0. */
  deviationPct: number | null;
}

/** A day that stands out from the window's median. */
export function unusualDayText(metric: MetricName, f: UnusualDayFigures): InsightText {
  const low = f.z < 0;
  return {
    headline: `Unusually ${low ? 'low' : 'high'} ${lower(metric)} on ${f.date}`,
    detail:
      `${METRIC_LABELS[metric]} ${was(metric)} ${fmtValue(metric, f.value)} on ${f.date}` +
      (f.deviationPct === null ? '' : `, ${fmtPct(f.deviationPct)} ${low ? 'below' : 'above'}`) +
      ` the median of ${fmtValue(metric, f.median)} over the last ${f.days} days (${zText(f)}).`,
  };
}

export interface BestWorstFigures {
  date: string;
  value: number;
  mean: number;
  /** null when the mean is 0. */
  vsMeanPct: number | null;
}

export function bestWorstText(type: 'best_day' | 'worst_day', metric: MetricName, period: InsightPeriod, f: BestWorstFigures): InsightText {
  const best = type === 'best_day';
  return {
    headline: `${best ? 'Best' : 'Worst'} ${lower(metric)} day: ${f.date} (${fmtValue(metric, f.value)})`,
    detail:
      `${METRIC_LABELS[metric]} ${was(metric)} ${fmtValue(metric, f.value)} on ${f.date}, ` +
      `the ${best ? 'highest' : 'lowest'} of the last ${periodLabel(period)}` +
      (f.vsMeanPct === null ? '' : `, ${fmtPct(f.vsMeanPct)} ${f.vsMeanPct >= 0 ? 'above' : 'below'} the daily mean of ${fmtValue(metric, f.mean)}`) +
      '.',
  };
}

export interface RoasFigures {
  roas: number;
  revenue: number;
  adSpend: number;
  /** null when the previous window has no ROAS (no revenue or ad spend days, or no spend). */
  previousRoas: number | null;
  previousRevenue: number | null;
  previousAdSpend: number | null;
  change: number | null;
}

export function roasText(period: InsightPeriod, f: RoasFigures): InsightText {
  const periodText = periodLabel(period);
  const roas = fmtNumber(f.roas, 2, 2);
  const headline =
    f.change === null
      ? `ROAS ${roas} over the last ${periodText}`
      : showsAsZero(f.change)
        ? `ROAS unchanged at ${roas} vs the previous ${periodText}`
        : `ROAS ${f.change > 0 ? 'up' : 'down'} ${fmtPct(f.change)} to ${roas} vs the previous ${periodText}`;
  const detail =
    `Revenue ${fmtValue('revenue', f.revenue)} for ad spend ${fmtValue('ad_spend', f.adSpend)}: ${roas} of revenue per unit spent` +
    (f.previousRoas === null
      ? '; no ROAS for the previous period to compare with.'
      : `, against ${fmtNumber(f.previousRoas, 2, 2)} ` +
        `(${fmtValue('revenue', f.previousRevenue!)} for ${fmtValue('ad_spend', f.previousAdSpend!)}) in the previous ${periodText}.`) +
    ' Revenue is all revenue, not only what the ads brought.';
  return { headline, detail };
}
