import { z } from 'zod';
import type { MetricName } from '../../../shared/metrics.ts';
import type { Connector, DailyMetricRow } from './types.ts';
import { credential, parseBody, requestJson, type ErrorMapper } from './http.ts';
import { day } from './dates.ts';
import { amount } from './money.ts';
import { PlatformAuthError, PlatformRateLimitError, PlatformRequestError } from './errors.ts';
import { apiUrl } from './urls.ts';

export const FACEBOOK_API_VERSION = 'v19.0';
/** Days per page. */
const LIMIT = 100;
/** Facebook sends no Retry-After; its throttles last minutes, not seconds. */
const THROTTLE_RETRY_MS = 60_000;

/** Insights field → our metric. */
const FIELDS = [
  ['spend', 'ad_spend'],
  ['impressions', 'impressions'],
  ['clicks', 'clicks'],
] as const satisfies readonly (readonly [string, MetricName])[];

const rowSchema = z.looseObject({
  date_start: z.string(),
  spend: z.union([z.string(), z.number()]).optional(),
  impressions: z.union([z.string(), z.number()]).optional(),
  clicks: z.union([z.string(), z.number()]).optional(),
});
const insightsSchema = z.looseObject({
  data: z.array(rowSchema),
  paging: z.looseObject({ next: z.string().optional(), cursors: z.looseObject({ after: z.string().optional() }).optional() }).optional(),
});

export type FacebookInsightsRow = z.infer<typeof rowSchema>;

/** One insights row per day (time_increment=1) → one metric row per field; a missing field is 0. */
export function facebookRowsToMetrics(rows: FacebookInsightsRow[]): DailyMetricRow[] {
  return rows.flatMap((row) => {
    const date = day(row.date_start);
    return FIELDS.map(([field, metric]) => ({ date, metric, value: amount(row[field] ?? 0, `Facebook ${field}`) }));
  });
}

/**
 * The next page's token: paging.next's query without the access token (tokens get checkpointed).
 * Its origin and path are dropped — the next request is rebuilt on the integration's base URL, so
 * a paging link can never send the token to another host.
 */
export function facebookNextToken(next: string | undefined): string | undefined {
  if (!next) return undefined;
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    throw new PlatformRequestError('unreadable Facebook paging.next');
  }
  url.searchParams.delete('access_token');
  return url.searchParams.toString();
}

/** Graph API errors say what they are in error.code, whatever the HTTP status (often 400). */
export const facebookError: ErrorMapper = (status, body) => {
  const e = (body as { error?: { code?: number; message?: string } } | undefined)?.error;
  const msg = `Facebook ${status}: ${e?.message ?? 'error'} (code ${e?.code ?? '?'})`;
  if (e?.code === 190 || e?.code === 102) return new PlatformAuthError(msg, status);
  if (status !== 429 && [4, 17, 32, 613, 80000, 80004].includes(e?.code ?? -1)) return new PlatformRateLimitError(msg, THROTTLE_RETRY_MS);
  return undefined;
};

export const facebookAdsConnector: Connector = {
  platform: 'facebook-ads',
  defaultBaseUrl: 'https://graph.facebook.com',
  // The Marketing API has no "changed since": the window's days are read whole.
  async fetchPage(ctx, window, pageToken) {
    const account = ctx.settings.adAccountId?.trim().replace(/^act_/, '');
    if (!account) throw new PlatformRequestError('setting "adAccountId" is required');
    const path = `/${FACEBOOK_API_VERSION}/act_${encodeURIComponent(account)}/insights`;
    const url = pageToken
      ? apiUrl(ctx.baseUrl, ctx.settings, path, Object.fromEntries(new URLSearchParams(pageToken)))
      : apiUrl(ctx.baseUrl, ctx.settings, path, {
          fields: FIELDS.map(([f]) => f).join(','),
          level: 'account',
          time_increment: 1,
          time_range: JSON.stringify({ since: day(window.startDate), until: day(window.endDate) }),
          limit: LIMIT,
        });
    url.searchParams.set('access_token', credential(ctx, 'accessToken'));
    const { body } = await requestJson(ctx, url, { headers: { Accept: 'application/json' }, mapError: facebookError });
    const insights = parseBody(insightsSchema, body, 'Facebook insights');
    return {
      records: [],
      metrics: facebookRowsToMetrics(insights.data),
      nextPage: facebookNextToken(insights.paging?.next),
    };
  },
};
