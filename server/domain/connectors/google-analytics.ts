import { z } from 'zod';
import type { MetricName } from '../../../shared/metrics.ts';
import type { Connector, ConnectorContext, DailyMetricRow } from './types.ts';
import { parseBody, requestJson, type JsonResponse } from './http.ts';
import { day } from './dates.ts';
import { amount } from './money.ts';
import { PlatformAuthError, PlatformRateLimitError, PlatformRequestError } from './errors.ts';
import { apiUrl } from './urls.ts';
import { googleAccessToken } from './google-auth.ts';
import { dailyBudgetLow, gaApiError, nextDailyQuotaReset, propertyQuotaSchema } from './google-analytics-quota.ts';

/** Rows (days) per report page: a page is a few hundred days at most, so one page is the usual case. */
const LIMIT = 10_000;

/**
 * Our metrics and the GA4 metric names that give them, preferred first. GA renamed "conversions" to
 * "keyEvents" in 2024 and now refuses the old name (400 "Field conversions is not a valid metric"); a
 * property that still lists only the old name (or a proxy that does) gets it.
 */
const WANTED = [
  { metric: 'sessions', names: ['sessions'] },
  { metric: 'users', names: ['totalUsers'] },
  { metric: 'conversions', names: ['keyEvents', 'conversions'] },
] as const satisfies readonly { metric: MetricName; names: readonly string[] }[];

/** Every GA metric name we read → our metric. */
const GA_TO_METRIC: Record<string, MetricName> = Object.fromEntries(WANTED.flatMap((w) => w.names.map((n) => [n, w.metric])));

const metadataSchema = z.looseObject({
  name: z.string().optional(),
  metrics: z.array(z.looseObject({ apiName: z.string(), deprecatedApiNames: z.array(z.string()).optional() })).default([]),
});
export type GaMetadata = z.infer<typeof metadataSchema>;

const reportSchema = z.looseObject({
  metricHeaders: z.array(z.looseObject({ name: z.string() })).optional(),
  rows: z
    .array(z.looseObject({ dimensionValues: z.array(z.object({ value: z.string() })), metricValues: z.array(z.object({ value: z.string() })) }))
    .default([]),
  // GA leaves rowCount out when the report is empty.
  rowCount: z.number().int().default(0),
  propertyQuota: propertyQuotaSchema.optional(),
});
export type GaReport = z.infer<typeof reportSchema>;

/** Parses a runReport / metadata body with the connector's own schemas (fixtures, tests). */
export const parseGaReport = (body: unknown): GaReport => parseBody(reportSchema, body, 'GA runReport');
export const parseGaMetadata = (body: unknown): GaMetadata => parseBody(metadataSchema, body, 'GA metadata');

export interface MetricPlan {
  /** GA metric names to request, in report order. */
  request: string[];
  /** Our metrics the property offers no name for (not synced). */
  missing: MetricName[];
}

/** Which metric names to ask for, from what the property's metadata lists (apiName only: a deprecated alias may vanish). */
export function planMetrics(metadata: GaMetadata): MetricPlan {
  const offered = new Set(metadata.metrics.map((m) => m.apiName));
  const request: string[] = [];
  const missing: MetricName[] = [];
  for (const w of WANTED) {
    const name = w.names.find((n) => offered.has(n));
    if (name) request.push(name);
    else missing.push(w.metric);
  }
  if (request.length === 0) {
    throw new PlatformRequestError(`the GA property lists none of the metrics we read (${WANTED.flatMap((w) => w.names).join(', ')})`);
  }
  return { request, missing };
}

/** "20241001" → "2024-10-01". */
export function gaDate(v: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (!m) throw new PlatformRequestError(`unreadable GA date: ${v}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Each report row (one day, in the property's time zone) → one metric row per metric; values follow `names` (the metric headers). */
export function gaRowsToMetrics(rows: GaReport['rows'], names: readonly string[]): DailyMetricRow[] {
  const metrics = names.map((n) => {
    const metric = GA_TO_METRIC[n];
    if (!metric) throw new PlatformRequestError(`GA report has a metric we did not ask for: ${n}`);
    return metric;
  });
  return rows.flatMap((row) => {
    const date = gaDate(row.dimensionValues[0]?.value ?? '');
    return metrics.map((metric, i) => ({ date, metric, value: amount(row.metricValues[i]?.value, `GA ${names[i]}`) }));
  });
}

/** Page token: the next row offset, and when the daily quota ran low, the time not to ask before ("500@1733126460000"). */
export function parseGaPageToken(token: string | undefined): { offset: number; notBefore?: number } {
  if (!token) return { offset: 0 };
  const m = /^(\d+)(?:@(\d+))?$/.exec(token);
  if (!m) throw new PlatformRequestError(`bad GA page token: ${token}`);
  return { offset: Number(m[1]), ...(m[2] ? { notBefore: Number(m[2]) } : {}) };
}

/**
 * One Data API call with a current access token. A 401 once renews the token and tries again (it may
 * have been revoked or expired early); a second 401, or one with a token just issued, is final.
 */
async function gaCall(ctx: ConnectorContext, url: URL, init: { method: 'GET' } | { method: 'POST'; body: string }): Promise<JsonResponse> {
  let auth = await googleAccessToken(ctx);
  for (;;) {
    try {
      return await requestJson(ctx, url, {
        ...init,
        headers: {
          Authorization: `Bearer ${auth.token}`,
          Accept: 'application/json',
          ...(init.method === 'POST' ? { 'Content-Type': 'application/json' } : {}),
        },
        mapError: gaApiError,
      });
    } catch (err) {
      if (!(err instanceof PlatformAuthError && err.status === 401 && auth.renewable && !auth.fresh)) throw err;
      auth = await googleAccessToken(ctx, { force: true });
    }
  }
}

/** The metric plan, asked once per sync run (a run keeps its context; metadata calls count against the quota too). */
const plans = new WeakMap<ConnectorContext, MetricPlan>();
async function metricPlan(ctx: ConnectorContext, propertyId: string): Promise<MetricPlan> {
  const known = plans.get(ctx);
  if (known) return known;
  const url = apiUrl(ctx.baseUrl, ctx.settings, `/v1beta/properties/${encodeURIComponent(propertyId)}/metadata`);
  const { body } = await gaCall(ctx, url, { method: 'GET' });
  const plan = planMetrics(parseGaMetadata(body));
  plans.set(ctx, plan);
  return plan;
}

export const googleAnalyticsConnector: Connector = {
  platform: 'google-analytics',
  defaultBaseUrl: 'https://analyticsdata.googleapis.com',
  // GA has no "changed since": the window's days are read whole.
  async fetchPage(ctx, window, pageToken) {
    const { offset, notBefore } = parseGaPageToken(pageToken);
    const propertyId = ctx.settings.propertyId?.trim();
    if (!propertyId) throw new PlatformRequestError('setting "propertyId" is required');
    if (notBefore !== undefined && notBefore > Date.now()) {
      throw new PlatformRateLimitError(
        `Google Analytics daily quota of property ${propertyId} is nearly spent: the rest waits for its reset`,
        notBefore - Date.now(),
      );
    }
    const plan = await metricPlan(ctx, propertyId);
    const url = apiUrl(ctx.baseUrl, ctx.settings, `/v1beta/properties/${encodeURIComponent(propertyId)}:runReport`);
    const { body } = await gaCall(ctx, url, {
      method: 'POST',
      body: JSON.stringify({
        dateRanges: [{ startDate: day(window.startDate), endDate: day(window.endDate) }],
        dimensions: [{ name: 'date' }],
        metrics: plan.request.map((name) => ({ name })),
        // A fixed order keeps offset pages from overlapping.
        orderBys: [{ dimension: { dimensionName: 'date' } }],
        limit: LIMIT,
        offset,
        returnPropertyQuota: true,
      }),
    });
    const report = parseGaReport(body);
    const names = report.metricHeaders?.map((h) => h.name) ?? plan.request;
    const next = offset + report.rows.length;
    const more = report.rows.length > 0 && next < report.rowCount;
    const notices: string[] = [];
    if (plan.missing.length > 0) notices.push(`the GA property offers no ${plan.missing.join(', ')} metric: not synced`);
    let nextPage = more ? String(next) : undefined;
    if (more && dailyBudgetLow(report.propertyQuota)) {
      // Stop before GA refuses: this page is kept, the next waits for the daily reset.
      const reset = nextDailyQuotaReset(Date.now());
      nextPage = `${next}@${reset}`;
      const left = report.propertyQuota?.tokensPerDay?.remaining ?? 0;
      notices.push(`GA daily quota nearly spent (${left} tokens left): the rest of the window is read after ${new Date(reset).toISOString()}`);
    }
    return {
      records: [],
      metrics: gaRowsToMetrics(report.rows, names),
      nextPage,
      ...(notices.length ? { notice: notices.join('; ') } : {}),
    };
  },
};
