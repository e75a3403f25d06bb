import type { InsightTone } from '../../../shared/insights.ts';
import type { Insight } from './types.ts';

/**
 * Whether a change is good or bad for the business, which is what colours follow (green good, red
 * bad, grey neither): more revenue, orders or sessions is good; more refunds, refunded money or ad
 * spend is bad (ad spend is a cost: whether it paid off is the ROAS line's to say). The direction
 * of the arrow is the change's; only its colour reads the metric.
 */
export const BUSINESS_POLARITY: Readonly<Record<string, 1 | -1>> = {
  revenue: 1,
  orders: 1,
  sessions: 1,
  users: 1,
  conversions: 1,
  impressions: 1,
  clicks: 1,
  roas: 1,
  refunds: -1,
  refund_amount: -1,
  ad_spend: -1,
};

/** good / bad / neutral for a change of `changePct` in `metric` (a KPI key); neutral for no change, none, or an unknown metric. */
export function changeTone(metric: string, changePct: number | null): InsightTone {
  const polarity = BUSINESS_POLARITY[metric];
  if (changePct === null || !Number.isFinite(changePct) || changePct === 0 || polarity === undefined) return 'neutral';
  return changePct > 0 === polarity > 0 ? 'good' : 'bad';
}

/** An insight's tone from the rules' judgement: positive is good news, warning and critical bad, info neither. */
export function insightTone(insight: Pick<Insight, 'severity'>): InsightTone {
  return insight.severity === 'positive' ? 'good' : insight.severity === 'info' ? 'neutral' : 'bad';
}

/** The report's colours per tone (text on white; AA contrast). */
export const TONE_COLORS: Readonly<Record<InsightTone, string>> = { good: '#047857', bad: '#b91c1c', neutral: '#475569' };
