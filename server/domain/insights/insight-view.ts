import type { InsightPeriod } from '../../../shared/jobs.ts';
import { insightPeriodSchema } from '../../../shared/jobs.ts';
import type { InsightView, InsightsView } from '../../../shared/insights.ts';
import type { MetricName } from '../../../shared/metrics.ts';
import type { StoredInsights } from '../store/insights-store.ts';
import type { CurrencyShare } from './currency.ts';
import { rankByImpact } from './impact.ts';
import { plainInsight } from './plain-language.ts';
import { prepare } from './rules.ts';
import { insightTone } from './tone.ts';
import type { Insight, MetricSeries } from './types.ts';

export interface DescribeContext {
  period: InsightPeriod;
  currency: string | null;
  withYear?: boolean;
}

/** Each insight with its plain-language summary, figures, tone and impact, most impact first. Pure. */
export function describeInsights(insights: readonly Insight[], ctx: DescribeContext): InsightView[] {
  return rankByImpact(insights).map(({ insight, impact, rank }) => ({
    ...insight,
    ...plainInsight(insight, ctx),
    tone: insightTone(insight),
    impact: { ...impact, rank },
  }));
}

/**
 * The stored insights as the console shows them (see shared/insights.ts): described, with the
 * currency (the one most of the sales are in) and each charted metric's days over the window as
 * the rules analysed them (gaps of counted metrics as 0). Pure: the caller loads series and currencies.
 */
export function viewInsights(stored: StoredInsights, data: { series: MetricSeries; currencies: readonly CurrencyShare[] }): InsightsView {
  const period = insightPeriodSchema.catch('30d').parse(stored.period);
  const currency = data.currencies[0]?.currency ?? null;
  const withYear = period === '1y' || stored.windowStart.slice(0, 4) !== stored.windowEnd.slice(0, 4);
  const insights = describeInsights(stored.insights, { period, currency, withYear });
  const series: InsightsView['series'] = {};
  for (const metric of new Set(insights.map((i) => i.metric).filter((m): m is MetricName => m !== undefined))) {
    series[metric] = prepare(data.series, metric);
  }
  return {
    organizationId: stored.organizationId,
    period,
    windowStart: stored.windowStart,
    windowEnd: stored.windowEnd,
    insights,
    narrative: stored.narrative,
    generatedAt: stored.generatedAt,
    currency,
    currencies: [...data.currencies],
    series,
  };
}
