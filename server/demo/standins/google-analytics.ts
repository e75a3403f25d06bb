import { createPublicKey, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { MetricsStore, seasonality } from './metrics-store.ts';
import { addDays, dayOf, randInt } from './prng.ts';

/**
 * Google Analytics Data API v1beta and Google's OAuth token endpoint, as the connector meets them:
 * access tokens that expire (an hour by default), refresh-token and service-account (JWT) grants,
 * 401 UNAUTHENTICATED, the metadata endpoint, `keyEvents` (and 400 for the retired `conversions`),
 * property quotas in the report and 429 RESOURCE_EXHAUSTED when a bucket is empty.
 */

const MAX_LIMIT = 250_000;
/** GA4 metric names the stand-in's property offers → our metric. `conversions` was renamed keyEvents (2024). */
const GA_METRICS = { sessions: 'sessions', totalUsers: 'users', keyEvents: 'conversions' } as const;
/** What /metadata lists (a small part of the real list, shaped as Google's MetricMetadata). */
const METADATA_METRICS = [
  { apiName: 'sessions', uiName: 'Sessions', description: 'The number of sessions that began on your site or app.', type: 'TYPE_INTEGER', category: 'Session' },
  {
    apiName: 'totalUsers',
    uiName: 'Total users',
    description: 'The number of distinct users who have logged at least one event.',
    type: 'TYPE_INTEGER',
    category: 'User',
  },
  { apiName: 'keyEvents', uiName: 'Key events', description: 'The number of times users triggered a key event.', type: 'TYPE_INTEGER', category: 'Key events' },
];
const METADATA_DIMENSIONS = [{ apiName: 'date', uiName: 'Date', description: 'The date of the event, formatted as YYYYMMDD.', category: 'Time' }];

const SCOPES = ['https://www.googleapis.com/auth/analytics.readonly', 'https://www.googleapis.com/auth/analytics'];
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const QUOTAS_URL = 'https://developers.google.com/analytics/devguides/reporting/data/v1/quotas';
/** Standard-property limits (developers.google.com/analytics/devguides/reporting/data/v1/quotas). */
const LIMITS = { tokensPerDay: 200_000, tokensPerHour: 40_000, tokensPerProjectPerHour: 14_000, concurrentRequests: 10 };

/** Which quota bucket a test empties; each answers with the message GA sends for it. */
export type GaQuotaBucket = 'day' | 'hour' | 'project-hour' | 'concurrent';
const QUOTA_MESSAGES: Record<GaQuotaBucket, string> = {
  // OBSERVED verbatim in a production log; the others follow its wording.
  'project-hour': `Exhausted property tokens for a project per hour. These quota tokens will return in under an hour. To learn more, see ${QUOTAS_URL}`,
  hour: `Exhausted property tokens per hour. These quota tokens will return in under an hour. To learn more, see ${QUOTAS_URL}`,
  day: `Exhausted property tokens per day. These quota tokens will return tomorrow. To learn more, see ${QUOTAS_URL}`,
  concurrent: `Exhausted concurrent requests quota. To learn more, see ${QUOTAS_URL}`,
};

/** Tokens a report costs: GA charges more for bigger and more complex reports; here, one per started 10 rows. */
export const reportTokenCost = (rows: number) => Math.max(1, Math.ceil(rows / 10));

const gaError = (code: number, status: string, message: string, details?: unknown[]): StandinReply => ({
  status: code,
  body: { error: { code, message, status, ...(details ? { details } : {}) } },
});
const invalid = (message: string): never => {
  throw new ReplyError(gaError(400, 'INVALID_ARGUMENT', message));
};
const oauthError = (status: number, error: string, description: string): StandinReply => ({ status, body: { error, error_description: description } });

interface ReportRequest {
  dateRanges?: { startDate?: string; endDate?: string }[];
  dimensions?: { name?: string }[];
  metrics?: { name?: string }[];
  orderBys?: { desc?: boolean; dimension?: { dimensionName?: string } }[];
  limit?: number | string;
  offset?: number | string;
  returnPropertyQuota?: boolean;
}

export interface IssuedToken {
  token: string;
  grant: 'refresh_token' | 'jwt-bearer' | 'static';
  expiresAt: number;
}

/** What tests (and nothing else) turn on a running GA stand-in. */
export interface GoogleAnalyticsControls {
  /** Every access token issued so far stops working now, as when its hour is up. */
  expireAccessTokens(): void;
  /** The user withdrew the app's access: the refresh token answers 400 invalid_grant from now on. */
  revokeRefreshToken(): void;
  /** Every Data API call answers 429 RESOURCE_EXHAUSTED for `bucket` until restoreQuota(). */
  exhaustQuota(bucket: GaQuotaBucket): void;
  restoreQuota(): void;
  /** Sets the property's tokens left today (reports cost reportTokenCost(rows)); at 0, calls get the per-day 429. */
  setDailyTokensRemaining(n: number): void;
  /** A service account the token endpoint accepts, as the credentials a connector reads. */
  addServiceAccount(email?: string): { serviceAccountEmail: string; privateKey: string };
  /** Access tokens issued, oldest first. */
  readonly issued: readonly IssuedToken[];
  /** Every runReport past the token and quota checks (a 400 included), oldest first: what the connector asked for. */
  readonly reportRequests: readonly ReportRequestLog[];
}

export interface ReportRequestLog {
  metrics: string[];
  offset: number;
  returnPropertyQuota: boolean;
}

export interface GoogleAnalyticsStandinOptions {
  now: number;
  days: number;
  pageSizeCap?: number;
  propertyId: string;
  /** clientId, clientSecret, refreshToken the token endpoint accepts; an accessToken, if any, works as issued at start. */
  credentials: Record<string, string>;
  /** Lifetime of issued access tokens. Default 3599 s, as Google's. */
  accessTokenLifetimeSec?: number;
}

/** The quota day: it turns at 08:00 UTC (midnight PST). */
const quotaDay = (ms: number) => Math.floor((ms - 8 * 3_600_000) / 86_400_000);
const quotaHour = (ms: number) => Math.floor(ms / 3_600_000);

const b64urlJson = (part: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export function googleAnalyticsStandin(opts: GoogleAnalyticsStandinOptions) {
  const store = new MetricsStore(
    'google-analytics',
    ['sessions', 'users', 'conversions'] as const,
    (rng, day) => {
      const sessions = Math.round(randInt(rng, 400, 1100) * seasonality(day));
      const users = Math.round(sessions * (0.68 + rng() * 0.2));
      return { sessions, users, conversions: Math.round(sessions * (0.012 + rng() * 0.025)) };
    },
    opts.now,
    opts.days,
  );
  const today = dayOf(opts.now);
  const lifetimeMs = (opts.accessTokenLifetimeSec ?? 3599) * 1000;
  const { clientId, clientSecret } = opts.credentials;

  // — tokens —
  const issued: IssuedToken[] = [];
  const tokens = new Map<string, IssuedToken>();
  let refreshToken: string | undefined = opts.credentials.refreshToken;
  const serviceAccounts = new Map<string, KeyObject>();
  const issue = (grant: IssuedToken['grant'], token = `ya29.standin-${randomBytes(12).toString('hex')}`): IssuedToken => {
    const t = { token, grant, expiresAt: Date.now() + lifetimeMs };
    issued.push(t);
    tokens.set(token, t);
    return t;
  };
  if (opts.credentials.accessToken) issue('static', opts.credentials.accessToken);
  const bearer = (call: StandinCall) => /^Bearer (.+)$/.exec(call.headers.authorization ?? '')?.[1];

  const tokenReply = (t: IssuedToken, scope?: string): StandinReply => ({
    status: 200,
    body: { access_token: t.token, expires_in: Math.round((t.expiresAt - Date.now()) / 1000), ...(scope ? { scope } : {}), token_type: 'Bearer' },
    headers: { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' },
  });

  /** A signed service-account assertion: RS256 by a known account, for this endpoint, at most an hour, now. */
  const jwtGrant = (call: StandinCall, assertion: string | undefined): StandinReply => {
    const [h, c, sig] = (assertion ?? '').split('.');
    const header = h ? b64urlJson(h) : undefined;
    const claims = c ? b64urlJson(c) : undefined;
    if (!header || !claims || !sig || header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT: the assertion is not a signed RS256 JWT.');
    const key = typeof claims.iss === 'string' ? serviceAccounts.get(claims.iss) : undefined;
    if (!key || !createVerify('RSA-SHA256').update(`${h}.${c}`).verify(key, sig, 'base64url'))
      return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== new URL('/token', call.url).href) return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
    const now = Date.now() / 1000;
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!(exp > iat && exp - iat <= 3600 && iat <= now + 300 && exp >= now - 300)) {
      return oauthError(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const scopes = String(claims.scope ?? '').split(' ');
    if (!scopes.some((s) => SCOPES.includes(s))) return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    return tokenReply(issue('jwt-bearer'));
  };

  const tokenEndpoint = (call: StandinCall): StandinReply => {
    if (call.method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'Only POST is supported.' } };
    const form = (call.body ?? {}) as Record<string, string>;
    if (form.grant_type === JWT_BEARER) return jwtGrant(call, form.assertion);
    if (form.grant_type !== 'refresh_token') return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    if (!clientId || form.client_id !== clientId || form.client_secret !== clientSecret) return oauthError(401, 'invalid_client', 'Unauthorized');
    if (!refreshToken || form.refresh_token !== refreshToken) return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    return tokenReply(issue('refresh_token'), SCOPES[0]);
  };

  // — quota —
  let exhausted: GaQuotaBucket | undefined;
  const used = { day: quotaDay(Date.now()), hour: quotaHour(Date.now()), dayTokens: 0, hourTokens: 0, dailyLimit: LIMITS.tokensPerDay };
  const roll = () => {
    const now = Date.now();
    if (quotaDay(now) !== used.day) Object.assign(used, { day: quotaDay(now), dayTokens: 0, dailyLimit: LIMITS.tokensPerDay });
    if (quotaHour(now) !== used.hour) Object.assign(used, { hour: quotaHour(now), hourTokens: 0 });
  };
  const refusedByQuota = (): StandinReply | undefined => {
    roll();
    const bucket = exhausted ?? (used.dayTokens >= used.dailyLimit ? 'day' : used.hourTokens >= LIMITS.tokensPerProjectPerHour ? 'project-hour' : undefined);
    return bucket ? gaError(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGES[bucket]) : undefined;
  };
  const charge = (cost: number) => {
    used.dayTokens += cost;
    used.hourTokens += cost;
    const status = (consumed: number, limit: number, total: number) => ({ consumed, remaining: Math.max(0, limit - total) });
    return {
      tokensPerDay: status(cost, used.dailyLimit, used.dayTokens),
      tokensPerHour: status(cost, LIMITS.tokensPerHour, used.hourTokens),
      concurrentRequests: { consumed: 0, remaining: LIMITS.concurrentRequests },
      serverErrorsPerProjectPerHour: { consumed: 0, remaining: 10 },
      potentiallyThresholdedRequestsPerHour: { consumed: 0, remaining: 120 },
      tokensPerProjectPerHour: status(cost, LIMITS.tokensPerProjectPerHour, used.hourTokens),
    };
  };

  // — the Data API —
  /** GA's date forms: YYYY-MM-DD, today, yesterday, NdaysAgo. */
  const gaDay = (v: string | undefined, field: string): string => {
    if (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))) return v;
    if (v === 'today') return today;
    if (v === 'yesterday') return addDays(today, -1);
    const ago = /^(\d+)daysAgo$/.exec(v ?? '');
    if (ago) return addDays(today, -Number(ago[1]));
    return invalid(`Invalid ${field}: ${v}`);
  };
  const noAccess = () => gaError(403, 'PERMISSION_DENIED', 'User does not have sufficient permissions for this property.');

  const metadata = (): StandinReply => ({
    status: 200,
    body: { name: `properties/${opts.propertyId}/metadata`, dimensions: METADATA_DIMENSIONS, metrics: METADATA_METRICS },
  });

  const reportRequests: ReportRequestLog[] = [];
  const runReport = (call: StandinCall): StandinReply => {
    const req = (call.body ?? {}) as ReportRequest;
    reportRequests.push({
      metrics: (req.metrics ?? []).map((m) => String(m.name)),
      offset: Number(req.offset ?? 0),
      returnPropertyQuota: req.returnPropertyQuota === true,
    });
    const range = req.dateRanges?.[0];
    if (!range || (req.dateRanges?.length ?? 0) > 1) invalid('Exactly one dateRange is supported by this stand-in.');
    const start = gaDay(range!.startDate, 'startDate');
    const end = gaDay(range!.endDate, 'endDate');
    if (start > end) invalid('dateRange startDate must not be after endDate.');
    const dims = (req.dimensions ?? []).map((d) => d.name);
    if (dims.length !== 1 || dims[0] !== 'date') invalid('This stand-in reports by the "date" dimension only.');
    const metrics = (req.metrics ?? []).map((m) => m.name ?? '');
    if (metrics.length === 0) invalid('At least one metric is required.');
    for (const m of metrics) {
      if (!(m in GA_METRICS))
        invalid(
          `Field ${m} is not a valid metric. For a list of valid dimensions and metrics, see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema`,
        );
    }
    const limit = Math.min(Number(req.limit ?? 10_000), MAX_LIMIT, opts.pageSizeCap ?? MAX_LIMIT);
    const offset = Number(req.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) invalid('limit and offset must be non-negative integers.');

    const days = store.range(start, end);
    if (req.orderBys?.some((o) => o.dimension?.dimensionName === 'date' && o.desc)) days.reverse();
    const rows = days.slice(offset, offset + limit).map(([day, v]) => ({
      dimensionValues: [{ value: day.replaceAll('-', '') }],
      metricValues: metrics.map((m) => ({ value: String(v[GA_METRICS[m as keyof typeof GA_METRICS]]) })),
    }));
    const quota = charge(reportTokenCost(rows.length));
    return {
      status: 200,
      body: {
        dimensionHeaders: [{ name: 'date' }],
        metricHeaders: metrics.map((name) => ({ name, type: 'TYPE_INTEGER' })),
        // Like GA: an empty report has neither rows nor rowCount.
        ...(days.length ? { rows, rowCount: days.length } : {}),
        metadata: { currencyCode: 'USD', timeZone: 'Etc/UTC' },
        ...(req.returnPropertyQuota ? { propertyQuota: quota } : {}),
        kind: 'analyticsData#runReport',
      },
    };
  };

  const unauthenticated = (expired: boolean): StandinReply =>
    gaError(
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      expired
        ? [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'ACCESS_TOKEN_EXPIRED',
              domain: 'googleapis.com',
              metadata: { service: 'analyticsdata.googleapis.com' },
            },
          ]
        : undefined,
    );

  const behaviour: PlatformBehaviour = {
    // The token endpoint authenticates by its body; the Data API by a live bearer token.
    authorize: (call) => {
      if (call.url.pathname === '/token') return true;
      const t = tokens.get(bearer(call) ?? '');
      return t !== undefined && t.expiresAt > Date.now();
    },
    unauthorized: (call) => unauthenticated(tokens.has(bearer(call) ?? '')),
    errorBody: (status, message) => gaError(status, status === 429 ? 'RESOURCE_EXHAUSTED' : status === 503 ? 'UNAVAILABLE' : 'INTERNAL', message).body,
    handle(call) {
      const path = call.url.pathname;
      if (path === '/token') return tokenEndpoint(call);
      const report = /^\/v1beta\/properties\/([^/:]+):runReport$/.exec(path);
      const meta = /^\/v1beta\/properties\/([^/:]+)\/metadata$/.exec(path);
      const propertyId = decodeURIComponent((report ?? meta)?.[1] ?? '');
      if (report && call.method === 'POST') return propertyId !== opts.propertyId ? noAccess() : (refusedByQuota() ?? runReport(call));
      if (meta && call.method === 'GET') return propertyId !== opts.propertyId ? noAccess() : (refusedByQuota() ?? metadata());
      return gaError(404, 'NOT_FOUND', `Method not found: ${call.method} ${path}`);
    },
  };

  const controls: GoogleAnalyticsControls = {
    expireAccessTokens() {
      const now = Date.now();
      for (const t of issued) t.expiresAt = Math.min(t.expiresAt, now - 1);
    },
    revokeRefreshToken() {
      refreshToken = undefined;
    },
    exhaustQuota(bucket) {
      exhausted = bucket;
    },
    restoreQuota() {
      exhausted = undefined;
      Object.assign(used, { dayTokens: 0, hourTokens: 0, dailyLimit: LIMITS.tokensPerDay });
    },
    setDailyTokensRemaining(n) {
      roll();
      used.dailyLimit = used.dayTokens + Math.max(0, n);
    },
    addServiceAccount(email = `bizinsights-standin-${serviceAccounts.size + 1}@standin-project.iam.gserviceaccount.com`) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      serviceAccounts.set(email, createPublicKey(privateKey));
      return { serviceAccountEmail: email, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    },
    issued,
    reportRequests,
  };

  return { behaviour, store, controls };
}
