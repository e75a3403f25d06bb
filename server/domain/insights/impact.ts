import type { MetricName } from '../../../shared/metrics.ts';
import { FLAT_CHANGE_PCT } from './rules.ts';
import type { Insight, InsightSeverity } from './types.ts';
import { MONEY_METRICS } from './wording.ts';

/**
 * How much an insight matters, and the order the console and the report show them in.
 *
 * - amount: how far the value is from what it is compared with, in the metric's unit: the day's
 *   distance from a typical day, the period's from the period before, a trend's cumulative drift
 *   over its days (half the start-to-end gap per day, times the days), a best or worst day's from
 *   the average day. ROAS is a ratio: no amount.
 * - relative: the same distance as a fraction of the value it is compared with (0.62 = 62%).
 *
 * Order: first what moved (changes, unusual days, trends, ROAS moving at least FLAT_CHANGE_PCT);
 * among them money first, largest amount first (amounts in one currency compare directly), then the
 * rest by relative size; then the best and worst days, which describe the period rather than a
 * change; then what barely moved or has nothing to compare with.
 */

export interface Impact {
  amount: number | null;
  relative: number | null;
}

const n = (numbers: Insight['numbers'], key: string): number | null => {
  const v = numbers[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const fraction = (pct: number | null) => (pct === null ? null : Math.abs(pct) / 100);
const distance = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.abs(a - b));

export function impactOf(insight: Insight): Impact {
  const x = insight.numbers;
  switch (insight.type) {
    case 'anomaly':
      return x.previousDate !== undefined && n(x, 'change') !== null
        ? { amount: distance(n(x, 'value'), n(x, 'previous')), relative: fraction(n(x, 'change')) }
        : { amount: distance(n(x, 'value'), n(x, 'median')), relative: fraction(n(x, 'deviationPct')) };
    case 'total_change':
      return { amount: distance(n(x, 'total'), n(x, 'previous')), relative: fraction(n(x, 'change')) };
    case 'trend': {
      const gap = distance(n(x, 'endFit'), n(x, 'startFit'));
      const days = n(x, 'days');
      return { amount: gap === null || days === null ? null : (gap * days) / 2, relative: fraction(n(x, 'driftPct')) };
    }
    case 'best_day':
    case 'worst_day':
      return { amount: distance(n(x, 'value'), n(x, 'mean')), relative: fraction(n(x, 'vsMeanPct')) };
    case 'roas':
      return { amount: null, relative: fraction(n(x, 'change')) };
  }
  return { amount: null, relative: null };
}

const isMoney = (metric: MetricName | undefined) => metric !== undefined && MONEY_METRICS.has(metric);

/** 0: moved; 1: best or worst day; 2: barely moved or nothing to compare with. */
function tierOf(insight: Insight, impact: Impact): number {
  if (insight.type === 'best_day' || insight.type === 'worst_day') return 1;
  return impact.relative !== null && impact.relative * 100 >= FLAT_CHANGE_PCT ? 0 : 2;
}

const SEVERITY_RANK: Readonly<Record<InsightSeverity, number>> = { critical: 0, warning: 1, positive: 2, info: 3 };

/** Sort order by impact (see the module comment); ties by severity, then by the given order. */
export function compareByImpact(a: { insight: Insight; impact: Impact; index: number }, b: { insight: Insight; impact: Impact; index: number }): number {
  const ta = tierOf(a.insight, a.impact);
  const tb = tierOf(b.insight, b.impact);
  if (ta !== tb) return ta - tb;
  const ma = isMoney(a.insight.metric) && a.impact.amount !== null;
  const mb = isMoney(b.insight.metric) && b.impact.amount !== null;
  if (ma !== mb) return ma ? -1 : 1;
  const byAmount = ma ? b.impact.amount! - a.impact.amount! : 0;
  const byRelative = (b.impact.relative ?? -1) - (a.impact.relative ?? -1);
  return byAmount || byRelative || SEVERITY_RANK[a.insight.severity] - SEVERITY_RANK[b.insight.severity] || a.index - b.index;
}

/** The insights most impact first, each with its impact and rank (1 = first). Stable for equal impact. */
export function rankByImpact<T extends Insight>(insights: readonly T[]): Array<{ insight: T; impact: Impact; rank: number }> {
  return insights
    .map((insight, index) => ({ insight, impact: impactOf(insight), index }))
    .sort(compareByImpact)
    .map((e, i) => ({ insight: e.insight, impact: e.impact, rank: i + 1 }));
}
