/**
 * Shopify orders through the GraphQL Admin API (REST has been legacy since 2024-10). One page is one
 * `orders` query; the granted scopes, read once per run, decide how far back it may reach.
 */
import { z } from 'zod';
import type { Connector, ConnectorContext, Page, PlatformRecord, SyncWindow } from './types.ts';
import { PlatformAccessError, PlatformAuthError, type PlatformError } from './errors.ts';
import { credential, type ErrorMapper, parseBody, requestJson } from './http.ts';
import { addDays, day, isoSeconds, sinceMs, utcDay, utcIso } from './dates.ts';
import { amount, roundMoney } from './money.ts';
import { apiUrl } from './urls.ts';
import {
  callLimitOf,
  envelopeSchema,
  type GraphqlOrder,
  type GraphqlRefund,
  graphqlError,
  legacyId,
  NOT_APPROVED,
  ORDERS_PER_PAGE,
  ORDERS_QUERY,
  ordersDataSchema,
  pauseAfter,
  QueryTooCostlyError,
} from './shopify-graphql.ts';

export {
  shopifyOrderToRecords,
  shopifyRefundToRecord,
  shopifyOrderSchema,
  shopifyRefundSchema,
  type ShopifyOrder,
  type ShopifyRefund,
} from './shopify-rest.ts';

/** Without read_all_orders, Shopify serves only the last 60 days of orders (https://shopify.dev/docs/api/admin-graphql/latest/objects/Order). */
export const RECENT_ORDERS_DAYS = 60;
export const READ_ALL_ORDERS = 'read_all_orders';

export const recentOrdersNotice = (from: string) =>
  `orders older than ${RECENT_ORDERS_DAYS} days are not readable without the ${READ_ALL_ORDERS} scope; synced from ${from}`;

// — mapping —

/** A refund: what its successful REFUND transactions moved, in shop money, on the refund's own day. */
export function shopifyGraphqlRefundToRecord(refund: GraphqlRefund, order: GraphqlOrder): PlatformRecord {
  const moved = refund.transactions.nodes.filter((t) => t.kind === 'REFUND' && t.status === 'SUCCESS');
  return {
    kind: 'refund',
    externalId: legacyId(refund),
    occurredOn: utcDay(refund.createdAt ?? refund.updatedAt),
    amount: roundMoney(moved.reduce((sum, t) => sum + amount(t.amountSet.shopMoney.amount, 'refund amount'), 0)),
    currency: moved[0]?.amountSet.shopMoney.currencyCode ?? order.totalPriceSet.shopMoney.currencyCode,
    status: moved.length > 0 ? 'success' : 'pending',
    updatedAt: utcIso(refund.updatedAt),
    payload: { ...refund, orderId: legacyId(order) },
  };
}

/**
 * An order and its refunds. `ordersFrom` (a day) leaves out orders created before it but keeps their
 * refunds: an incremental sync brings a late refund on an old order without storing that old day half.
 */
export function shopifyGraphqlOrderToRecords(order: GraphqlOrder, ordersFrom?: string): PlatformRecord[] {
  const occurredOn = utcDay(order.createdAt);
  const records: PlatformRecord[] = [];
  if (!ordersFrom || occurredOn >= ordersFrom) {
    records.push({
      kind: 'order',
      externalId: legacyId(order),
      occurredOn,
      amount: amount(order.totalPriceSet.shopMoney.amount, 'totalPriceSet.shopMoney.amount'),
      currency: order.totalPriceSet.shopMoney.currencyCode,
      // The same words as REST's financial_status (and the orders/* webhooks): PARTIALLY_REFUNDED → partially_refunded.
      status: order.displayFinancialStatus?.toLowerCase() ?? 'unknown',
      updatedAt: utcIso(order.updatedAt),
      payload: order,
    });
  }
  for (const refund of order.refunds) records.push(shopifyGraphqlRefundToRecord(refund, order));
  return records;
}

// — what to ask for —

export interface OrdersSearch {
  /** Shopify search syntax for orders(query:). */
  query: string;
  sortKey: 'CREATED_AT' | 'UPDATED_AT';
  /** Orders created before this day contribute only their refunds. */
  ordersFrom?: string;
  notice?: string;
  /** Nothing in the window is readable: no call. */
  empty?: boolean;
}

/**
 * The search for a window: changed since the cursor (incremental: any order, so late refunds on old ones
 * arrive) or created in the window's days; never older than Shopify serves without read_all_orders.
 */
export function ordersSearch(window: SyncWindow, scopes: ReadonlySet<string>, today: string): OrdersSearch {
  const earliest = scopes.has(READ_ALL_ORDERS) ? undefined : addDays(today, -(RECENT_ORDERS_DAYS - 1));
  const start = day(window.startDate);
  const end = day(window.endDate);
  const clamped = earliest !== undefined && start < earliest;
  const notice = clamped ? recentOrdersNotice(earliest) : undefined;
  const createdFrom = clamped ? [`created_at:>='${earliest}T00:00:00Z'`] : [];
  if (window.since) {
    return { query: [`updated_at:>='${isoSeconds(sinceMs(window.since))}'`, ...createdFrom].join(' AND '), sortKey: 'UPDATED_AT', ordersFrom: start, notice };
  }
  const from = clamped ? earliest : start;
  return {
    query: `created_at:>='${from}T00:00:00Z' AND created_at:<='${end}T23:59:59Z'`,
    sortKey: 'CREATED_AT',
    notice,
    empty: end < from,
  };
}

// — calls —

const scopesSchema = z.looseObject({ access_scopes: z.array(z.looseObject({ handle: z.string() })) });

/** HTTP errors with Shopify's meaning: a protected-data refusal is not a bad token, a 404 is usually the version. */
const httpError =
  (version: string): ErrorMapper =>
  (status, body): PlatformError | undefined => {
    const errors = (body as { errors?: unknown } | undefined)?.errors;
    const text = typeof errors === 'string' ? errors : JSON.stringify(errors ?? body ?? '');
    if (status === 403 && NOT_APPROVED.test(text)) {
      return new PlatformAccessError(
        `Shopify refused protected customer data (403): ${text.slice(0, 300)} Approve the app's data access in the Partner Dashboard, then sync again.`,
        'PERMISSION_ERROR',
        403,
      );
    }
    if (status === 404) {
      return new PlatformAccessError(
        `Shopify does not serve Admin API version ${version} here (404): set SHOPIFY_API_VERSION to a supported version (or check the shop domain)`,
        'API_VERSION_ERROR',
        404,
      );
    }
    return undefined;
  };

/** The run's scopes: read once per ConnectorContext (the engine makes one per run attempt). */
const scopeCache = new WeakMap<ConnectorContext, Promise<Set<string>>>();

function grantedScopes(ctx: ConnectorContext, token: string): Promise<Set<string>> {
  let scopes = scopeCache.get(ctx);
  if (!scopes) {
    scopes = (async () => {
      // Unversioned REST, still the documented way to ask (https://shopify.dev/docs/api/admin-rest/latest/resources/accessscope).
      const url = apiUrl(ctx.baseUrl, ctx.settings, '/admin/oauth/access_scopes.json');
      const { body } = await requestJson(ctx, url, { headers: { 'X-Shopify-Access-Token': token, Accept: 'application/json' } });
      return new Set(parseBody(scopesSchema, body, 'Shopify access scopes').access_scopes.map((s) => s.handle));
    })();
    scopeCache.set(ctx, scopes);
    scopes.catch(() => scopeCache.delete(ctx));
  }
  return scopes;
}

export interface ShopifyConnectorOptions {
  /** Admin API version, e.g. "2026-10" (configuration: SHOPIFY_API_VERSION). */
  apiVersion: string;
  /** The clock for the 60-day window (tests). */
  now?: () => number;
}

/** Shrinking a page on MAX_COST_EXCEEDED: at most this many tries per page. */
const COST_RETRIES = 3;

export function createShopifyConnector(opts: ShopifyConnectorOptions): Connector {
  const version = opts.apiVersion;
  const now = opts.now ?? Date.now;
  const what = `Shopify orders (Admin API ${version})`;

  async function ordersPage(ctx: ConnectorContext, token: string, variables: Record<string, unknown>) {
    const url = apiUrl(ctx.baseUrl, ctx.settings, `/admin/api/${version}/graphql.json`);
    const { body } = await requestJson(ctx, url, {
      method: 'POST',
      headers: { 'X-Shopify-Access-Token': token, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ query: ORDERS_QUERY, variables }),
      mapError: httpError(version),
    });
    // Errors come with HTTP 200: read the body before the data.
    const envelope = parseBody(envelopeSchema, body, 'Shopify GraphQL');
    const err = graphqlError(envelope, what);
    if (err) throw err;
    const { orders } = parseBody(ordersDataSchema, envelope.data, 'Shopify orders');
    return { orders, cost: envelope.extensions?.cost };
  }

  return {
    platform: 'shopify',
    defaultBaseUrl: 'https://{shopDomain}',
    async fetchPage(ctx, window, pageToken): Promise<Page> {
      const token = credential(ctx, 'accessToken');
      const scopes = await grantedScopes(ctx, token);
      if (!scopes.has('read_orders') && !scopes.has('write_orders')) {
        throw new PlatformAuthError('the Shopify token lacks the read_orders scope: reconnect the shop granting it', 403);
      }
      const search = ordersSearch(window, scopes, new Date(now()).toISOString().slice(0, 10));
      if (search.empty) return { records: [], metrics: [], notice: search.notice };

      let first = ORDERS_PER_PAGE;
      for (let attempt = 1; ; attempt++) {
        try {
          const { orders, cost } = await ordersPage(ctx, token, { first, after: pageToken ?? null, query: search.query, sortKey: search.sortKey });
          return {
            records: orders.nodes.flatMap((o) => shopifyGraphqlOrderToRecords(o, search.ordersFrom)),
            metrics: [],
            nextPage: orders.pageInfo.hasNextPage && orders.pageInfo.endCursor ? orders.pageInfo.endCursor : undefined,
            callLimit: callLimitOf(cost),
            pauseMs: pauseAfter(cost),
            notice: search.notice,
          };
        } catch (err) {
          // Shopify's cost rules moved under us: ask for fewer orders rather than fail every page.
          if (!(err instanceof QueryTooCostlyError) || attempt >= COST_RETRIES || first <= 1) throw err;
          first = Math.max(1, err.cost ? Math.floor((first * err.maxCost) / err.cost) : Math.floor(first / 2));
        }
      }
    },
  };
}
