import type { AlertJobData, InsightsJobData } from '../../../shared/jobs.ts';
import type { Cache } from '../../cache.ts';
import { PermanentJobError, type ProcessorContext } from '../../jobs/contract.ts';
import type { StoredInsights } from '../store/insights-store.ts';
import type { Store } from '../store/store.ts';
import { PERIOD_DAYS, addDays, dayOf, loadOrgSeries, windowsEnding } from './org-series.ts';
import { anomaliesForAlert, computeInsights } from './rules.ts';

export interface InsightsDeps {
  store: Store;
  cache: Cache;
  cacheTtlSec: number;
  anomalyThreshold: number;
  raiseAlert(data: AlertJobData, dedupeKey: string): Promise<void>;
  now?: () => Date;
}

export type InsightsResult = StoredInsights & { cached: boolean; alerts: number };

export const insightsCacheKey = (organizationId: string, period: string) => `insights:${organizationId}:${period}`;

/**
 * The insights processor: the organization's daily metrics for the period (ending yesterday, the
 * last complete day) against the period before, through the pure rules (rules.ts); the result is
 * stored, cached per organization and period, and reused unless forceRegenerate. A notable anomaly
 * raises a DATA_ANOMALY alert (one per metric and day).
 */
export function createInsightsProcessor(deps: InsightsDeps) {
  return async function generateInsights(data: InsightsJobData, ctx: ProcessorContext): Promise<InsightsResult> {
    const key = insightsCacheKey(data.organizationId, data.period);
    if (!data.forceRegenerate) {
      const hit = await deps.cache.get<StoredInsights>(key);
      if (hit) return { ...hit, cached: true, alerts: 0 };
    }
    const org = await deps.store.getOrganization(data.organizationId);
    if (!org) throw new PermanentJobError(`Organization "${data.organizationId}" not found`);

    const end = addDays(dayOf((deps.now?.() ?? new Date()).getTime()), -1);
    const w = windowsEnding(end, PERIOD_DAYS[data.period]);
    const [current, previous] = await Promise.all([
      loadOrgSeries(deps.store, org.id, w.current.start, w.current.end),
      loadOrgSeries(deps.store, org.id, w.previous.start, w.previous.end),
    ]);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const insights = computeInsights({ period: data.period, current, previous, anomalyThreshold: deps.anomalyThreshold });
    const stored: StoredInsights = {
      organizationId: org.id,
      period: data.period,
      windowStart: w.current.start,
      windowEnd: w.current.end,
      insights,
      narrative: null,
      generatedAt: new Date().toISOString(),
    };
    await deps.store.insights.save(stored);
    await deps.cache.set(key, stored, deps.cacheTtlSec);

    const anomalies = anomaliesForAlert(insights, deps.anomalyThreshold);
    for (const a of anomalies) {
      await deps.raiseAlert(
        {
          organizationId: org.id,
          alertType: 'DATA_ANOMALY',
          severity: a.severity === 'critical' ? 'HIGH' : 'MEDIUM',
          message: a.headline,
          metadata: { ...a.numbers, metric: a.metric ?? null, period: data.period },
        },
        `anomaly-${org.id}-${a.metric}-${String(a.numbers.date ?? end)}`,
      );
    }
    return { ...stored, cached: false, alerts: anomalies.length };
  };
}
