import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { MetricsStore, seasonality } from './metrics-store.ts';
import { addDays, dayOf, randInt } from './prng.ts';

const MAX_LIMIT = 250_000;
/** GA4 metric names the stand-in knows → our metric. */
const GA_METRICS = { sessions: 'sessions', totalUsers: 'users', conversions: 'conversions', keyEvents: 'conversions' } as const;

const gaError = (code: number, status: string, message: string): StandinReply => ({ status: code, body: { error: { code, message, status } } });
const invalid = (message: string): never => {
  throw new ReplyError(gaError(400, 'INVALID_ARGUMENT', message));
};

interface ReportRequest {
  dateRanges?: { startDate?: string; endDate?: string }[];
  dimensions?: { name?: string }[];
  metrics?: { name?: string }[];
  orderBys?: { desc?: boolean; dimension?: { dimensionName?: string } }[];
  limit?: number | string;
  offset?: number | string;
}

export function googleAnalyticsStandin(opts: { now: number; days: number; pageSizeCap?: number; accessToken: string; propertyId: string }) {
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

  /** GA's date forms: YYYY-MM-DD, today, yesterday, NdaysAgo. */
  const gaDay = (v: string | undefined, field: string): string => {
    if (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))) return v;
    if (v === 'today') return today;
    if (v === 'yesterday') return addDays(today, -1);
    const ago = /^(\d+)daysAgo$/.exec(v ?? '');
    if (ago) return addDays(today, -Number(ago[1]));
    return invalid(`Invalid ${field}: ${v}`);
  };

  const runReport = (call: StandinCall, propertyId: string): StandinReply => {
    if (propertyId !== opts.propertyId) return gaError(403, 'PERMISSION_DENIED', 'User does not have sufficient permissions for this property.');
    const req = (call.body ?? {}) as ReportRequest;
    const range = req.dateRanges?.[0];
    if (!range || (req.dateRanges?.length ?? 0) > 1) invalid('Exactly one dateRange is supported by this stand-in.');
    const start = gaDay(range!.startDate, 'startDate');
    const end = gaDay(range!.endDate, 'endDate');
    if (start > end) invalid('dateRange startDate must not be after endDate.');
    const dims = (req.dimensions ?? []).map((d) => d.name);
    if (dims.length !== 1 || dims[0] !== 'date') invalid('This stand-in reports by the "date" dimension only.');
    const metrics = (req.metrics ?? []).map((m) => m.name ?? '');
    if (metrics.length === 0) invalid('At least one metric is required.');
    for (const m of metrics) if (!(m in GA_METRICS)) invalid(`Field ${m} is not a valid metric.`);
    const limit = Math.min(Number(req.limit ?? 10_000), MAX_LIMIT, opts.pageSizeCap ?? MAX_LIMIT);
    const offset = Number(req.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) invalid('limit and offset must be non-negative integers.');

    const days = store.range(start, end);
    if (req.orderBys?.some((o) => o.dimension?.dimensionName === 'date' && o.desc)) days.reverse();
    const rows = days.slice(offset, offset + limit).map(([day, v]) => ({
      dimensionValues: [{ value: day.replaceAll('-', '') }],
      metricValues: metrics.map((m) => ({ value: String(v[GA_METRICS[m as keyof typeof GA_METRICS]]) })),
    }));
    return {
      status: 200,
      body: {
        dimensionHeaders: [{ name: 'date' }],
        metricHeaders: metrics.map((name) => ({ name, type: 'TYPE_INTEGER' })),
        // Like GA: an empty report has neither rows nor rowCount.
        ...(days.length ? { rows, rowCount: days.length } : {}),
        metadata: { currencyCode: 'USD', timeZone: 'Etc/UTC' },
        kind: 'analyticsData#runReport',
      },
    };
  };

  const behaviour: PlatformBehaviour = {
    authorize: (call) => call.headers.authorization === `Bearer ${opts.accessToken}`,
    unauthorized: () =>
      gaError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      ),
    errorBody: (status, message) => gaError(status, status === 429 ? 'RESOURCE_EXHAUSTED' : status === 503 ? 'UNAVAILABLE' : 'INTERNAL', message).body,
    handle(call) {
      const m = /^\/v1beta\/properties\/([^/:]+):runReport$/.exec(call.url.pathname);
      if (call.method !== 'POST' || !m) return gaError(404, 'NOT_FOUND', `Method not found: ${call.method} ${call.url.pathname}`);
      return runReport(call, decodeURIComponent(m[1]));
    },
  };

  return { behaviour, store };
}
