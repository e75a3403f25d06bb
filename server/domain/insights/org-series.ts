import type { InsightPeriod } from '../../../shared/jobs.ts';
import type { MetricName } from '../../../shared/metrics.ts';
import type { Store } from '../store/store.ts';
import type { MetricSeries } from './types.ts';

export const PERIOD_DAYS: Record<InsightPeriod, number> = { '7d': 7, '30d': 30, '90d': 90, '1y': 365 };

const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);

export interface Windows {
  current: { start: string; end: string };
  previous: { start: string; end: string };
}

/** The last `days` days ending `end` (inclusive), and the same length just before. */
export function windowsEnding(end: string, days: number): Windows {
  const start = addDays(end, -(days - 1));
  return { current: { start, end }, previous: { start: addDays(start, -days), end: addDays(start, -1) } };
}

/** An organization's daily metrics summed over its integrations, per metric, oldest first. */
export async function loadOrgSeries(store: Pick<Store, 'listMetrics'>, organizationId: string, start: string, end: string): Promise<MetricSeries> {
  const rows = await store.listMetrics({ organizationId, from: start, to: end });
  const byMetric = new Map<MetricName, Map<string, number>>();
  for (const r of rows) {
    const days = byMetric.get(r.metric) ?? new Map<string, number>();
    days.set(r.date, (days.get(r.date) ?? 0) + r.value);
    byMetric.set(r.metric, days);
  }
  const series: MetricSeries = {};
  for (const [metric, days] of byMetric) {
    series[metric] = [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, value]) => ({ date, value: Math.round(value * 100) / 100 }));
  }
  return series;
}
