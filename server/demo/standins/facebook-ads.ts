import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { MetricsStore, seasonality } from './metrics-store.ts';
import { addDays, dayOf, randInt } from './prng.ts';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 500;
/** Insights field → our metric. */
const FIELDS = { spend: 'ad_spend', impressions: 'impressions', clicks: 'clicks' } as const;

const graphError = (status: number, message: string, type: string, code: number, extra: Record<string, unknown> = {}): StandinReply => ({
  status,
  body: { error: { message, type, code, ...extra, fbtrace_id: 'AstandinTrace' } },
});
const invalid = (message: string): never => {
  throw new ReplyError(graphError(400, `(#100) ${message}`, 'OAuthException', 100));
};

/** Opaque cursors, like the Graph API's. */
const cursor = (index: number) => Buffer.from(`idx:${index}`).toString('base64url');
const uncursor = (c: string): number => {
  const m = /^idx:(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : invalid('Invalid cursor');
};

export function facebookAdsStandin(opts: { now: number; days: number; pageSizeCap?: number; accessToken: string; adAccountId: string }) {
  const store = new MetricsStore(
    'facebook-ads',
    ['ad_spend', 'impressions', 'clicks'] as const,
    (rng, day) => {
      const impressions = Math.round(randInt(rng, 4_000, 40_000) * seasonality(day));
      const clicks = Math.round(impressions * (0.006 + rng() * 0.02));
      // Spend in cents, then back to 2 decimals, as Facebook reports it.
      return { impressions, clicks, ad_spend: Math.round(impressions * (0.4 + rng() * 0.8)) / 100 };
    },
    opts.now,
    opts.days,
  );
  const today = dayOf(opts.now);

  const insights = (call: StandinCall, account: string): StandinReply => {
    if (account !== opts.adAccountId) {
      return graphError(
        400,
        `Unsupported get request. Object with ID 'act_${account}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        'GraphMethodException',
        100,
        { error_subcode: 33 },
      );
    }
    const q = call.url.searchParams;
    const fields = (q.get('fields') ?? 'spend,impressions')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    for (const f of fields) if (!(f in FIELDS)) invalid(`${f} is not valid for fields param.`);
    if ((q.get('time_increment') ?? '1') !== '1') invalid('This stand-in supports time_increment=1 only.');
    let since = addDays(today, -30);
    let until = addDays(today, -1);
    const tr = q.get('time_range');
    if (tr) {
      let parsed: { since?: unknown; until?: unknown };
      try {
        parsed = JSON.parse(tr) as typeof parsed;
      } catch {
        return invalid('Param time_range must be a JSON object');
      }
      const ok = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
      if (!ok(parsed.since) || !ok(parsed.until) || parsed.since > parsed.until) invalid('Param time_range is invalid');
      since = parsed.since as string;
      until = parsed.until as string;
    }
    const limit = Math.min(Number(q.get('limit') ?? DEFAULT_LIMIT), MAX_LIMIT, opts.pageSizeCap ?? MAX_LIMIT);
    if (!Number.isInteger(limit) || limit < 1) invalid('Param limit must be a positive integer');
    const start = q.get('after') ? uncursor(q.get('after')!) + 1 : 0;

    const days = store.range(since, until);
    const page = days.slice(start, start + limit);
    const data = page.map(([day, v]) => ({
      account_id: account,
      ...Object.fromEntries(fields.map((f) => [f, f === 'spend' ? v.ad_spend.toFixed(2) : String(v[FIELDS[f as keyof typeof FIELDS]])])),
      date_start: day,
      date_stop: day,
    }));
    const paging: Record<string, unknown> = {};
    if (page.length) {
      paging.cursors = { before: cursor(start), after: cursor(start + page.length - 1) };
      if (start + page.length < days.length) {
        // Like Facebook: the full URL again, access token included, with the after cursor.
        const next = new URL(call.url.pathname, call.url.origin);
        for (const [k, v] of q) if (k !== 'after' && k !== 'before') next.searchParams.set(k, v);
        next.searchParams.set('after', cursor(start + page.length - 1));
        paging.next = next.href;
      }
    }
    return { status: 200, body: { data, ...(page.length ? { paging } : {}) } };
  };

  const token = (call: StandinCall) => call.url.searchParams.get('access_token') ?? call.headers.authorization?.replace(/^OAuth\s+|^Bearer\s+/, '');

  const behaviour: PlatformBehaviour = {
    authorize: (call) => token(call) === opts.accessToken,
    // The Graph API says 400 for most OAuth errors; code 190 is what marks it (and the connector reads that).
    unauthorized: () => graphError(401, 'Invalid OAuth access token - Cannot parse access token', 'OAuthException', 190),
    errorBody: (status, message) =>
      status === 429
        ? graphError(status, 'User request limit reached', 'OAuthException', 17).body
        : graphError(status, message, 'OAuthException', status >= 500 ? 2 : 1, { is_transient: status >= 500 }).body,
    handle(call) {
      const m = /^\/(v\d+\.\d+)\/act_([^/]+)\/insights$/.exec(call.url.pathname);
      if (call.method !== 'GET' || !m) return graphError(400, 'Unknown path components', 'OAuthException', 2500);
      return insights(call, decodeURIComponent(m[2]));
    },
  };

  return { behaviour, store };
}
