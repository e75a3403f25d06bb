import type { Platform } from '../../../shared/jobs.ts';
import type { MetricName } from '../../../shared/metrics.ts';

/** One day's value of one metric (dates are UTC calendar days, YYYY-MM-DD). */
export interface DailyMetricRow {
  date: string;
  metric: MetricName;
  value: number;
}

/**
 * A business record from a platform (an order, a charge, a refund), stored once by its platform id
 * and summed into daily metrics. Amounts are in the currency's major unit (49.90, not 4990).
 */
export interface PlatformRecord {
  kind: 'order' | 'charge' | 'refund';
  externalId: string;
  /** The UTC day it counts for. */
  occurredOn: string;
  amount: number;
  currency: string;
  status: string;
  /** ISO time the platform last changed it: the incremental cursor advances over these. */
  updatedAt: string;
  payload: unknown;
}

/** What a connector needs for one call: where, who, which account, and the job's AbortSignal. */
export interface ConnectorContext {
  baseUrl: string;
  /** Decrypted credentials: accessToken (Shopify, GA, Facebook), consumerKey/consumerSecret (WooCommerce), secretKey (Stripe). */
  credentials: Record<string, string>;
  /** Non-secret settings: shopDomain, propertyId, adAccountId, … */
  settings: Record<string, string>;
  signal: AbortSignal;
  /**
   * Stores changed credentials (a refreshed access token and its expiry) sealed with the integration,
   * merged over the others, and updates `credentials` for the rest of the sync. Absent outside a sync.
   */
  saveCredentials?(patch: Record<string, string>): Promise<void>;
}

/** What to fetch: changes since a cursor (incremental) or a date range (full / explicit). */
export interface SyncWindow {
  /** ISO time: only records the platform changed at or after it. */
  since?: string;
  /** Inclusive UTC days. */
  startDate: string;
  endDate: string;
}

export interface Page {
  records: PlatformRecord[];
  metrics: DailyMetricRow[];
  /** Opaque token for the next page; undefined on the last page. */
  nextPage?: string;
  /** How full the platform's rate bucket is (Shopify's GraphQL cost bucket: points used of the maximum), when it says. */
  callLimit?: { used: number; max: number };
  /** Wait this long before the next page (a cost-based throttle running low), in ms. */
  pauseMs?: number;
  /** Something the operator should know about this sync (e.g. a window narrowed by missing scopes): kept on the sync run. */
  notice?: string;
}

/** One platform's API: fetch one page of a window; the sync engine loops, stores and checkpoints. */
export interface Connector {
  platform: Platform;
  /** The platform's public API base URL, used when an integration names none. */
  defaultBaseUrl: string;
  fetchPage(ctx: ConnectorContext, window: SyncWindow, pageToken?: string): Promise<Page>;
}
