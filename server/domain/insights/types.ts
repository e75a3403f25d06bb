import type { InsightPeriod } from '../../../shared/jobs.ts';
import type { MetricName } from '../../../shared/metrics.ts';

/** One day's value of a metric, summed over an organization's integrations. */
export interface DailyPoint {
  date: string;
  value: number;
}

/** Per metric, the days of one window, oldest first (days with no data are absent, not zero). */
export type MetricSeries = Partial<Record<MetricName, DailyPoint[]>>;

export type InsightType = 'total_change' | 'trend' | 'anomaly' | 'best_day' | 'worst_day' | 'roas';
export type InsightSeverity = 'info' | 'positive' | 'warning' | 'critical';

/** One finding, with the numbers behind it so a reader can check it. */
export interface Insight {
  type: InsightType;
  severity: InsightSeverity;
  metric?: MetricName;
  headline: string;
  detail: string;
  numbers: Record<string, number | string | null>;
}

export interface InsightsInput {
  period: InsightPeriod;
  /** The period being analysed (e.g. the last 30 days). */
  current: MetricSeries;
  /** The period just before it, of the same length. */
  previous: MetricSeries;
  /** Robust z-score beyond which a day is an anomaly (default 3.5). */
  anomalyThreshold?: number;
}
