import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { MetricName } from '../../../shared/metrics.ts';
import type { Connector, DailyMetricRow } from './types.ts';
import { credential, parseBody, parseRetryAfter, requestJson, type ErrorMapper } from './http.ts';
import { day } from './dates.ts';
import { amount } from './money.ts';
import { PlatformAccessError, PlatformAuthError, type PlatformError, PlatformRateLimitError, PlatformRequestError, PlatformTransientError } from './errors.ts';
import { apiUrl } from './urls.ts';
import { DEFAULT_API_VERSIONS } from './api-versions.ts';
import { META_VERSIONS, NEWEST_META_VERSION } from './meta-versions.ts';
import { BUC_HEADER, bucPauseMs, bucRegainMs, parseBucUsage } from './meta-usage.ts';

/** Days per page. */
const LIMIT = 100;
/** A throttle with no BUC wait: the engine backs off from here (Meta's throttles last minutes, not seconds). */
const UNTOLD_THROTTLE_FLOOR_MS = 60_000;
/** Graph throttle codes: app (4), user (17), page (32), custom (613), Business Use Case (80000–80014). */
const THROTTLE_CODES = new Set([4, 17, 32, 613]);
const isBucThrottle = (code: number) => code >= 80000 && code <= 80014;
/** Sent when Meta ran an expired version's call on a newer one instead of refusing it (its "auto-upgrade"). */
const VERSION_WARNING_HEADER = 'x-ad-api-version-warning';
/** The alert a person gets for a version Meta refuses: the fix is configuration, not reconnecting. */
export const API_VERSION_ALERT = 'API_VERSION_ERROR';

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
export const facebookInsightsSchema = z.looseObject({
  data: z.array(rowSchema),
  paging: z.looseObject({ next: z.string().optional(), cursors: z.looseObject({ after: z.string().optional() }).optional() }).optional(),
});
/** The Graph API's error body: `{"error": {message, type, code, error_subcode?, is_transient?, fbtrace_id}}`. */
export const facebookErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
  }),
});

export type FacebookInsightsRow = z.infer<typeof rowSchema>;

/** One insights row per day (time_increment=1) → one metric row per field; a missing field is 0. */
export function facebookRowsToMetrics(rows: FacebookInsightsRow[]): DailyMetricRow[] {
  return rows.flatMap((row) => {
    const date = day(row.date_start);
    return FIELDS.map(([field, metric]) => ({ date, metric, value: amount(row[field] ?? 0, `Facebook ${field}`) }));
  });
}

/** appsecret_proof: hex HMAC-SHA256 of the access token keyed with the app secret (Meta's "Securing Graph API requests"). */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/**
 * The next page's token: paging.next's query without the access token and its appsecret_proof (tokens
 * get checkpointed; both are set afresh on every call). Its origin and path are dropped — the next
 * request is rebuilt on the integration's base URL and version, so a paging link can never send the
 * token to another host.
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
  url.searchParams.delete('appsecret_proof');
  return url.searchParams.toString();
}

const SET_VERSION = `set FACEBOOK_API_VERSION to a version Meta supports (newest we know: ${NEWEST_META_VERSION})`;

/** A throttle: as long as the BUC header says (minutes), else Retry-After, else untold (the engine backs off). */
function throttle(msg: string, headers: Headers): PlatformRateLimitError {
  const buc = bucRegainMs(parseBucUsage(headers.get(BUC_HEADER)));
  if (buc !== undefined) return new PlatformRateLimitError(`${msg}; access back in ${Math.round(buc / 60_000)} min`, buc);
  if (headers.get('retry-after')) return new PlatformRateLimitError(msg, parseRetryAfter(headers.get('retry-after')));
  return new PlatformRateLimitError(msg, UNTOLD_THROTTLE_FLOOR_MS, false);
}

/**
 * Graph API errors say what they are in error.code, whatever the HTTP status (auth and throttles come as
 * 400): https://developers.facebook.com/docs/graph-api/guides/error-handling. `apiVersion` is the one
 * the request named, for version errors. Undefined: the generic reading by status applies.
 */
export function facebookError(status: number, body: unknown, headers: Headers, apiVersion: string = DEFAULT_API_VERSIONS.facebook): PlatformError | undefined {
  const parsed = facebookErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const e = parsed.data.error;
  const code = e.code ?? -1;
  const said = e.message ?? 'error';
  const msg = `Facebook ${status}: ${said} (code ${e.code ?? '?'}${e.error_subcode ? `, subcode ${e.error_subcode}` : ''})`;

  // 190 invalid/expired token (463 expired, 460 password changed…), 102 session: only reconnecting helps.
  if (code === 190 || code === 102) return new PlatformAuthError(`${msg}: reconnect the Facebook account`, status);
  // 10, 200–299: the token lacks a permission (ads_read).
  if (code === 10 || (code >= 200 && code <= 299)) return new PlatformAuthError(`${msg}: reconnect granting ads_read on the ad account`, status);
  // 100 naming appsecret_proof: the app requires one (no appSecret stored) or the stored secret is not the token's app's.
  if (code === 100 && /appsecret_proof/i.test(said)) {
    return new PlatformAuthError(`${msg}: store the app's secret (appSecret) with the integration, matching the access token's app`, status);
  }
  // Version errors: the fix is configuration, so ERROR and its own alert, not NEEDS_REAUTH.
  const versionError = (what: string) => new PlatformAccessError(`${what}: ${SET_VERSION}. Meta said: ${said}`, API_VERSION_ALERT, status);
  if (code === 2635) return versionError(`Meta refused API version ${apiVersion} as retired (code 2635)`);
  if (code === 12) return versionError(`Meta says this call is deprecated in API version ${apiVersion} (code 12)`);
  // 2500 "Unknown path components": on our fixed path, a version segment Meta does not know.
  if (code === 2500 && !META_VERSIONS.some((r) => r.version === apiVersion)) return versionError(`Meta does not know API version ${apiVersion} (code 2500)`);
  if (THROTTLE_CODES.has(code) || isBucThrottle(code)) return throttle(msg, headers);
  // 1 unknown, 2 service: temporary by Meta's word.
  if (e.is_transient || code === 1 || code === 2) return new PlatformTransientError(msg, status);
  return undefined;
}

/** The operator's note when Meta ran the call on a newer version than asked (the asked one has expired). */
export function facebookVersionNotice(headers: Headers, apiVersion: string): string | undefined {
  const warning = headers.get(VERSION_WARNING_HEADER);
  if (!warning) return undefined;
  return `Meta upgraded calls made with API version ${apiVersion} (${warning.slice(0, 200)}): ${SET_VERSION}`;
}

export interface FacebookAdsOptions {
  /** Marketing API version, e.g. "v27.0" (FACEBOOK_API_VERSION); default DEFAULT_API_VERSIONS.facebook. */
  apiVersion?: string;
}

/** The Marketing API connector: daily account-level insights (spend, impressions, clicks). */
export function createFacebookAdsConnector(opts: FacebookAdsOptions = {}): Connector {
  const version = opts.apiVersion || DEFAULT_API_VERSIONS.facebook;
  const mapError: ErrorMapper = (status, body, headers) => facebookError(status, body, headers, version);
  return {
    platform: 'facebook-ads',
    defaultBaseUrl: 'https://graph.facebook.com',
    // The Marketing API has no "changed since": the window's days are read whole.
    async fetchPage(ctx, window, pageToken) {
      if (!/^v\d+\.\d+$/.test(version))
        throw new PlatformAccessError(`FACEBOOK_API_VERSION "${version}" must look like ${NEWEST_META_VERSION}`, API_VERSION_ALERT);
      const account = ctx.settings.adAccountId?.trim().replace(/^act_/, '');
      if (!account) throw new PlatformRequestError('setting "adAccountId" is required');
      const token = credential(ctx, 'accessToken');
      const path = `/${version}/act_${encodeURIComponent(account)}/insights`;
      const url = pageToken
        ? apiUrl(ctx.baseUrl, ctx.settings, path, Object.fromEntries(new URLSearchParams(pageToken)))
        : apiUrl(ctx.baseUrl, ctx.settings, path, {
            fields: FIELDS.map(([f]) => f).join(','),
            level: 'account',
            time_increment: 1,
            time_range: JSON.stringify({ since: day(window.startDate), until: day(window.endDate) }),
            limit: LIMIT,
          });
      url.searchParams.set('access_token', token);
      // Apps with "Require App Secret" refuse calls without it; others check it when sent.
      if (ctx.credentials.appSecret) url.searchParams.set('appsecret_proof', appSecretProof(token, ctx.credentials.appSecret));
      const { body, headers } = await requestJson(ctx, url, { headers: { Accept: 'application/json' }, mapError });
      const insights = parseBody(facebookInsightsSchema, body, 'Facebook insights');
      const pauseMs = bucPauseMs(parseBucUsage(headers.get(BUC_HEADER)));
      const notice = facebookVersionNotice(headers, version);
      return {
        records: [],
        metrics: facebookRowsToMetrics(insights.data),
        nextPage: facebookNextToken(insights.paging?.next),
        ...(pauseMs !== undefined ? { pauseMs } : {}),
        ...(notice ? { notice } : {}),
      };
    },
  };
}

/** The connector at the default version (tests, scripts). */
export const facebookAdsConnector: Connector = createFacebookAdsConnector();
