import { createHmac, timingSafeEqual } from 'node:crypto';
import { metaVersionStatus, NEWEST_META_VERSION } from '../../domain/connectors/meta-versions.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { MetricsStore, seasonality } from './metrics-store.ts';
import { addDays, dayOf, randInt } from './prng.ts';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 500;
/** Insights field → our metric. */
const FIELDS = { spend: 'ad_spend', impressions: 'impressions', clicks: 'clicks' } as const;
/** The Business Use Case window: a rolling hour. */
const HOUR_MS = 3_600_000;
/** Ads Insights BUC calls per hour, Standard tier: 600 + 400 × active ads (this account runs 10). */
export const DEFAULT_CALLS_PER_HOUR = 600 + 400 * 10;

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

/** What a test (or a demo) can change about the Meta stand-in beyond the shared fault knobs. */
export interface FacebookAdsControls {
  /** Ads Insights calls per rolling hour before Meta throttles with #80000 (default DEFAULT_CALLS_PER_HOUR). */
  setCallBudget(callsPerHour: number): void;
  /** The app's "Require App Secret" setting: calls without appsecret_proof are refused (a proof sent is always checked). */
  requireAppSecretProof(on: boolean): void;
  /** The access token's session expires: calls get 190/463, as Meta sends for an expired token. */
  expireAccessToken(): void;
}

export interface FacebookAdsStandinOptions {
  now: number;
  days: number;
  pageSizeCap?: number;
  accessToken: string;
  adAccountId: string;
  /** The app's secret: an appsecret_proof sent is checked against it. Empty: proofs are not checked. */
  appSecret?: string;
  /** The wall clock for rate limits and the version calendar (default Date.now). */
  clock?: () => number;
}

export function facebookAdsStandin(opts: FacebookAdsStandinOptions) {
  // Read Date.now at each call: tests that fake the wall clock move the BUC window with it.
  const clock = opts.clock ?? (() => Date.now());
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
  let callsPerHour = DEFAULT_CALLS_PER_HOUR;
  let proofRequired = false;
  let tokenExpiredAt: number | undefined;
  /** When each counted call was made, oldest first, within the last hour. */
  const calls: number[] = [];

  // — Business Use Case usage, sent as X-Business-Use-Case-Usage on every answer —
  const recentCalls = () => {
    const from = clock() - HOUR_MS;
    while (calls.length > 0 && calls[0] <= from) calls.shift();
    return calls.length;
  };
  /** Minutes until enough calls leave the window for one more (0 while under budget). */
  const regainMinutes = () => {
    const over = recentCalls() - callsPerHour;
    if (over < 0) return 0;
    return Math.max(1, Math.ceil((calls[over] + HOUR_MS - clock()) / 60_000));
  };
  const bucHeaders = (): Record<string, string> => {
    const pct = Math.min(100, Math.round((recentCalls() * 100) / callsPerHour));
    const entry = {
      type: 'ads_insights',
      call_count: pct,
      total_cputime: Math.round(pct * 0.6),
      total_time: Math.round(pct * 0.4),
      estimated_time_to_regain_access: regainMinutes(),
      ads_api_access_tier: 'standard_access',
    };
    return { 'X-Business-Use-Case-Usage': JSON.stringify({ [opts.adAccountId]: [entry] }) };
  };
  const withBuc = (reply: StandinReply): StandinReply => ({ ...reply, headers: { ...reply.headers, ...bucHeaders() } });

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
        // Like Facebook: the full URL again, access token and appsecret_proof included, with the after cursor.
        const next = new URL(call.url.pathname, call.url.origin);
        for (const [k, v] of q) if (k !== 'after' && k !== 'before') next.searchParams.set(k, v);
        next.searchParams.set('after', cursor(start + page.length - 1));
        paging.next = next.href;
      }
    }
    return { status: 200, body: { data, ...(page.length ? { paging } : {}) } };
  };

  const token = (call: StandinCall) => call.url.searchParams.get('access_token') ?? call.headers.authorization?.replace(/^OAuth\s+|^Bearer\s+/, '');

  /** The proof the app secret makes for `accessToken`: hex HMAC-SHA256, keyed with the secret (Meta's "Securing requests"). */
  const proofOf = (accessToken: string) =>
    createHmac('sha256', opts.appSecret ?? '')
      .update(accessToken)
      .digest('hex');
  const checkProof = (call: StandinCall): StandinReply | undefined => {
    const sent = call.url.searchParams.get('appsecret_proof');
    if (sent === null) {
      return proofRequired ? graphError(400, 'API calls from the server require an appsecret_proof argument', 'GraphMethodException', 100) : undefined;
    }
    if (!opts.appSecret) return undefined;
    const want = Buffer.from(proofOf(token(call) ?? ''));
    const got = Buffer.from(sent);
    return got.length === want.length && timingSafeEqual(got, want)
      ? undefined
      : graphError(400, 'Invalid appsecret_proof provided in the API argument', 'GraphMethodException', 100);
  };

  /** Meta's Marketing API calendar: a retired version answers #2635, one it never released #2500. */
  const checkVersion = (version: string, path: string): StandinReply | undefined => {
    const status = metaVersionStatus(version, new Date(clock()));
    if (status.state === 'expired') {
      return graphError(
        400,
        `(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: ${NEWEST_META_VERSION}.`,
        'OAuthException',
        2635,
      );
    }
    if (status.state === 'unknown') return graphError(400, `Unknown path components: ${path}`, 'OAuthException', 2500);
    return undefined;
  };

  /** One more call of the hour, or #80000 when the hour's budget is spent. */
  const countCall = (): StandinReply | undefined => {
    if (recentCalls() >= callsPerHour) {
      return graphError(
        400,
        '(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.',
        'OAuthException',
        80000,
        { error_subcode: 2446079 },
      );
    }
    calls.push(clock());
    return undefined;
  };

  const behaviour: PlatformBehaviour = {
    authorize: (call) => token(call) === opts.accessToken && tokenExpiredAt === undefined,
    // Meta answers 400 (not 401) for token errors; code 190 is what marks them.
    unauthorized: (call) =>
      withBuc(
        token(call) === opts.accessToken && tokenExpiredAt !== undefined
          ? graphError(
              400,
              `Error validating access token: Session has expired on ${new Date(tokenExpiredAt).toUTCString()}. The current time is ${new Date(clock()).toUTCString()}.`,
              'OAuthException',
              190,
              { error_subcode: 463 },
            )
          : graphError(400, 'Invalid OAuth access token - Cannot parse access token', 'OAuthException', 190),
      ),
    errorBody: (status, message) =>
      status === 429
        ? graphError(status, 'User request limit reached', 'OAuthException', 17).body
        : graphError(status, message, 'OAuthException', status >= 500 ? 2 : 1, { is_transient: status >= 500 }).body,
    handle(call) {
      const m = /^\/(v\d+\.\d+)\/act_([^/]+)\/insights$/.exec(call.url.pathname);
      if (call.method !== 'GET' || !m) return withBuc(graphError(400, 'Unknown path components', 'OAuthException', 2500));
      const refused = checkProof(call) ?? checkVersion(m[1], call.url.pathname) ?? countCall();
      if (refused) return withBuc(refused);
      try {
        return withBuc(insights(call, decodeURIComponent(m[2])));
      } catch (err) {
        if (err instanceof ReplyError) throw new ReplyError(withBuc(err.reply));
        throw err;
      }
    },
  };

  const controls: FacebookAdsControls = {
    setCallBudget(n) {
      callsPerHour = Math.max(1, Math.floor(n));
    },
    requireAppSecretProof(on) {
      proofRequired = on;
    },
    expireAccessToken() {
      tokenExpiredAt = clock();
    },
  };

  return { behaviour, store, controls };
}
