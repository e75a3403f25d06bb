import type { Platform } from '../../../shared/jobs.ts';
import { PLATFORMS } from '../../../shared/jobs.ts';
import type { MetricName } from '../../../shared/metrics.ts';
import type { ConnectorContext, DailyMetricRow, PlatformRecord } from '../../domain/connectors/types.ts';
import type { CommerceStore, NewOrder, SimOrder, SimRefund } from './commerce-store.ts';
import { serveStandin, type FailOptions, type PlatformBehaviour, type RequestLogEntry, type StandinServer } from './harness.ts';
import { shopifyStandin, type ShopifyControls, type ShopifyStandinOptions } from './shopify.ts';
import { woocommerceStandin } from './woocommerce.ts';
import { stripeStandin, type StripeControls } from './stripe.ts';
import { googleAnalyticsStandin, type GoogleAnalyticsControls } from './google-analytics.ts';
import { facebookAdsStandin, type FacebookAdsControls } from './facebook-ads.ts';

export type { FailOptions, NewOrder, RequestLogEntry, SimOrder, SimRefund };

export interface StandinOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The stand-in's "now" (ms): history ends here, today is its day. Default: the current time. */
  now?: number;
  /** Days of history up to and including today. Default 120. */
  days?: number;
  /** Serve at most this many items per page whatever the client asks (to exercise pagination). Default: the platform's own maximum. */
  pageSizeCap?: number;
  /** Override the credentials the stand-in accepts (same keys as `credentials`). */
  credentials?: Record<string, string>;
  /** Shopify: the token's scopes, the API versions served, the cost bucket, protected-data approval. */
  shopify?: ShopifyStandinOptions;
  /** Stand-ins whose access tokens expire (Google Analytics): their lifetime in seconds. Default 3599, as Google's. */
  accessTokenLifetimeSec?: number;
}

interface StandinCommon extends StandinServer {
  platform: Platform;
  /** What the stand-in accepts, under the keys connectors read (ConnectorContext.credentials). */
  credentials: Record<string, string>;
  /** The settings a connector needs for it (propertyId, adAccountId, shopDomain, …). */
  settings: Record<string, string>;
  /** A ConnectorContext pointing at this stand-in. */
  context(signal?: AbortSignal): ConnectorContext;
}

export interface CommerceStandin extends StandinCommon {
  platform: 'shopify' | 'woocommerce' | 'stripe';
  /** The live orders (charges for Stripe). */
  readonly orders: readonly SimOrder[];
  addOrder(input?: NewOrder): SimOrder;
  /** Refund `amount` (major units; default: all that is left) of an order, now (or at `at`, ms). */
  refundOrder(id: string, amount?: number, at?: number): SimRefund;
  /** Change an order without money moving (updatedAt moves). */
  touchOrder(id: string, patch?: { status?: string }): SimOrder;
  /** The records a connector must return for the inclusive UTC days [startDate, endDate] (payload aside). */
  expectedRecords(startDate: string, endDate: string): Omit<PlatformRecord, 'payload'>[];
}

export interface MetricsStandin extends StandinCommon {
  platform: 'google-analytics' | 'facebook-ads';
  /** The metric rows a connector must return for the inclusive UTC days [startDate, endDate]. */
  expectedMetrics(startDate: string, endDate: string): DailyMetricRow[];
  /** Overwrite a day's values (to change data between syncs). */
  setDay(day: string, values: Partial<Record<MetricName, number>>): void;
}

/** Meta's stand-in, with its call budget (BUC), "Require App Secret" and token expiry. */
export interface FacebookAdsStandin extends MetricsStandin, FacebookAdsControls {
  platform: 'facebook-ads';
}

/** Google Analytics' stand-in, with its token endpoint (expiring tokens, revocation, service accounts) and quotas. */
export interface GoogleAnalyticsStandin extends MetricsStandin, GoogleAnalyticsControls {
  platform: 'google-analytics';
}

/** Shopify's stand-in, with its GraphQL query log, scopes, cost bucket and REST-shaped webhook bodies. */
export interface ShopifyStandin extends CommerceStandin, ShopifyControls {
  platform: 'shopify';
}

/** Stripe's stand-in, with the Stripe-Version of each request, its event log and chargebacks. */
export interface StripeStandin extends CommerceStandin, StripeControls {
  platform: 'stripe';
}

export type Standin = CommerceStandin | MetricsStandin;
export type StandinFor<P extends Platform> = P extends 'shopify'
  ? ShopifyStandin
  : P extends 'facebook-ads'
    ? FacebookAdsStandin
    : P extends 'google-analytics'
      ? GoogleAnalyticsStandin
      : P extends 'stripe'
        ? StripeStandin
        : CommerceStandin;

/** The credentials and settings each stand-in accepts unless told otherwise. */
export const STANDIN_DEFAULTS: Record<Platform, { credentials: Record<string, string>; settings: Record<string, string> }> = {
  shopify: { credentials: { accessToken: 'shpat_standin_0123456789abcdef' }, settings: { shopDomain: 'standin-shop.myshopify.com' } },
  // The stand-in serves http, where WordPress ignores Basic auth: the connector signs with OAuth 1.0a (same two keys).
  woocommerce: {
    credentials: { consumerKey: 'ck_standin_0123456789', consumerSecret: 'cs_standin_0123456789' },
    settings: { storeUrl: 'https://standin-store.example' },
  },
  stripe: { credentials: { secretKey: 'sk_test_standin_0123456789abcdef' }, settings: {} },
  // OAuth refresh-token credentials: the connector gets (and renews) its access tokens from the stand-in's /token.
  'google-analytics': {
    credentials: {
      clientId: 'standin-0123456789.apps.googleusercontent.com',
      clientSecret: 'GOCSPX-standin-0123456789',
      refreshToken: '1//standin-refresh-0123456789',
    },
    settings: { propertyId: '123456789', tokenUrl: '/token' },
  },
  // appSecret: the connector sends appsecret_proof and the stand-in checks it.
  'facebook-ads': { credentials: { accessToken: 'EAAstandin0123456789', appSecret: 'standin-app-secret-0123456789' }, settings: { adAccountId: '1234567890' } },
};

function commerce(store: CommerceStore, expectedRecords: CommerceStandin['expectedRecords']) {
  return {
    // The store's own array, mutated in place: always current.
    orders: store.orders,
    addOrder: (input?: NewOrder) => store.addOrder(input),
    refundOrder: (id: string, amount?: number, at?: number) => store.refundOrder(id, amount, at),
    touchOrder: (id: string, patch?: { status?: string }) => store.touchOrder(id, patch),
    expectedRecords,
  };
}

function build(
  platform: Platform,
  o: Required<Pick<StandinOptions, 'now' | 'days'>> & StandinOptions,
  credentials: Record<string, string>,
  settings: Record<string, string>,
) {
  const base = { now: o.now, days: o.days, pageSizeCap: o.pageSizeCap };
  switch (platform) {
    case 'shopify': {
      const s = shopifyStandin({ ...base, accessToken: credentials.accessToken, ...o.shopify });
      return { behaviour: s.behaviour, extras: { ...commerce(s.store, s.expectedRecords), ...s.controls } };
    }
    case 'woocommerce': {
      const s = woocommerceStandin({ ...base, consumerKey: credentials.consumerKey, consumerSecret: credentials.consumerSecret });
      return { behaviour: s.behaviour, extras: commerce(s.store, s.expectedRecords) };
    }
    case 'stripe': {
      const s = stripeStandin({ ...base, secretKey: credentials.secretKey });
      return { behaviour: s.behaviour, extras: { ...commerce(s.store, s.expectedRecords), ...s.controls } };
    }
    case 'google-analytics': {
      const s = googleAnalyticsStandin({ ...base, credentials, propertyId: settings.propertyId, accessTokenLifetimeSec: o.accessTokenLifetimeSec });
      return {
        behaviour: s.behaviour,
        extras: { expectedMetrics: s.store.expectedMetrics.bind(s.store), setDay: s.store.setDay.bind(s.store), ...s.controls },
      };
    }
    case 'facebook-ads': {
      const s = facebookAdsStandin({ ...base, accessToken: credentials.accessToken, appSecret: credentials.appSecret, adAccountId: settings.adAccountId });
      return {
        behaviour: s.behaviour,
        extras: { expectedMetrics: s.store.expectedMetrics.bind(s.store), setDay: s.store.setDay.bind(s.store), ...s.controls },
      };
    }
  }
}

/** A local server that behaves like `platform`'s API for its connector (and for a demo). */
export async function startStandin<P extends Platform>(platform: P, opts: StandinOptions = {}): Promise<StandinFor<P>> {
  const defaults = STANDIN_DEFAULTS[platform];
  const credentials = { ...defaults.credentials, ...opts.credentials };
  const settings = { ...defaults.settings };
  const { behaviour, extras } = build(platform, { ...opts, now: opts.now ?? Date.now(), days: opts.days ?? 120 }, credentials, settings) as {
    behaviour: PlatformBehaviour;
    extras: object;
  };
  const server = await serveStandin(behaviour, { host: opts.host, port: opts.port });
  const standin = {
    ...server,
    ...extras,
    platform,
    credentials,
    settings,
    context: (signal?: AbortSignal): ConnectorContext => ({
      baseUrl: server.url,
      credentials: { ...credentials },
      settings: { ...settings },
      signal: signal ?? new AbortController().signal,
    }),
  };
  return standin as unknown as StandinFor<P>;
}

export type AllStandins = { [P in Platform]: StandinFor<P> } & { close(): Promise<void> };

/** One stand-in per platform; `ports` pins any of them (e.g. for a demo's fixed URLs). */
export async function startAllStandins(
  opts: Omit<StandinOptions, 'port' | 'credentials'> & { ports?: Partial<Record<Platform, number>> } = {},
): Promise<AllStandins> {
  const { ports, ...rest } = opts;
  const started: Standin[] = [];
  try {
    for (const p of PLATFORMS) started.push(await startStandin(p, { ...rest, port: ports?.[p] }));
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
  const all = Object.fromEntries(started.map((s) => [s.platform, s])) as { [P in Platform]: StandinFor<P> };
  return Object.assign(all, { close: async () => void (await Promise.all(started.map((s) => s.close()))) });
}
