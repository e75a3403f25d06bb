/**
 * Shopify's GraphQL Admin API, as the connector reads it: the orders query, the response schemas, and
 * what a response says besides its data (the cost bucket, and errors, which arrive with HTTP 200).
 * https://shopify.dev/docs/api/admin-graphql, https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
 */
import { z } from 'zod';
import { PlatformAccessError, PlatformAuthError, type PlatformError, PlatformRateLimitError, PlatformRequestError, PlatformTransientError } from './errors.ts';
import type { Page } from './types.ts';

/** Shopify refuses a single query whose requested cost is over 1000 points, whatever the plan. */
export const MAX_QUERY_COST = 1000;
/** Nested sizes: line items are kept for the record only; refunds and their transactions carry the money. */
export const LINE_ITEMS_FIRST = 5;
export const REFUNDS_FIRST = 5;
export const REFUND_TRANSACTIONS_FIRST = 3;

/**
 * What one order costs in the requested (worst-case) cost, by Shopify's documented rules: an object
 * 1, scalars and enums 0, a connection 2 plus its `first` objects, a list its `first` objects.
 * Order 1 + totalPriceSet/shopMoney 2 + lineItems (2 + 5) + refunds 5 × (refund 1 + transactions (2 + 3 × (transaction, amountSet, shopMoney))).
 */
export const ORDER_QUERY_COST = 1 + 2 + (2 + LINE_ITEMS_FIRST) + REFUNDS_FIRST * (1 + (2 + REFUND_TRANSACTIONS_FIRST * 3));
/** As many orders a page as fit under the single-query limit (the orders connection costs 2 of its own). */
export const ORDERS_PER_PAGE = Math.floor((MAX_QUERY_COST - 2) / ORDER_QUERY_COST);

const MONEY = 'shopMoney { amount currencyCode }';

/**
 * Orders matching a search (`updated_at:>='…'`, `created_at:>='…'`), with their line items, refunds and the
 * refunds' transactions, amounts in the shop's currency. `Order.refunds` is a plain list; `Refund.transactions` a connection.
 */
export const ORDERS_QUERY = `query BizInsightsOrders($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name createdAt updatedAt processedAt cancelledAt test
      displayFinancialStatus currencyCode
      totalPriceSet { ${MONEY} }
      lineItems(first: ${LINE_ITEMS_FIRST}) { nodes { id name sku quantity } }
      refunds(first: ${REFUNDS_FIRST}) {
        id legacyResourceId createdAt updatedAt note
        transactions(first: ${REFUND_TRANSACTIONS_FIRST}) { nodes { id kind status processedAt amountSet { ${MONEY} } } }
      }
    }
  }
}`;

// — what we read —

/** Decimal amounts come as strings ("49.9"); UnsignedInt64 ids as strings of digits. */
const moneyV2 = z.looseObject({ amount: z.union([z.string(), z.number()]), currencyCode: z.string().min(3) });
const moneyBag = z.looseObject({ shopMoney: moneyV2 });

export const graphqlTransactionSchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  status: z.string().nullish(),
  processedAt: z.string().nullish(),
  amountSet: moneyBag,
});
export const graphqlRefundSchema = z.looseObject({
  id: z.string(),
  legacyResourceId: z.union([z.string(), z.number()]).nullish(),
  // Nullable in the schema; updatedAt is not.
  createdAt: z.string().nullish(),
  updatedAt: z.string(),
  transactions: z.looseObject({ nodes: z.array(graphqlTransactionSchema) }).default({ nodes: [] }),
});
export const graphqlOrderSchema = z.looseObject({
  id: z.string(),
  legacyResourceId: z.union([z.string(), z.number()]).nullish(),
  name: z.string().nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
  cancelledAt: z.string().nullish(),
  displayFinancialStatus: z.string().nullish(),
  currencyCode: z.string(),
  totalPriceSet: moneyBag,
  lineItems: z.looseObject({ nodes: z.array(z.looseObject({ id: z.string() })) }).optional(),
  refunds: z.array(graphqlRefundSchema).default([]),
});
export const ordersDataSchema = z.looseObject({
  orders: z.looseObject({
    pageInfo: z.looseObject({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }),
    nodes: z.array(graphqlOrderSchema),
  }),
});

export type GraphqlOrder = z.infer<typeof graphqlOrderSchema>;
export type GraphqlRefund = z.infer<typeof graphqlRefundSchema>;

const throttleStatusSchema = z.looseObject({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number() });
export const costSchema = z.looseObject({
  requestedQueryCost: z.number().nullish(),
  actualQueryCost: z.number().nullish(),
  // Some plans and staff contexts leave it out.
  throttleStatus: throttleStatusSchema.optional(),
});
export type QueryCost = z.infer<typeof costSchema>;

const errorEntry = z.looseObject({
  message: z.string().default(''),
  extensions: z.looseObject({ code: z.string().optional() }).nullish(),
});
/** Every GraphQL answer: data (absent or null when refused), errors (an array; a string on HTTP errors), extensions.cost. */
export const envelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  errors: z.union([z.array(errorEntry), z.string(), z.record(z.string(), z.unknown())]).optional(),
  extensions: z.looseObject({ cost: costSchema.optional() }).nullish(),
});
export type GraphqlEnvelope = z.infer<typeof envelopeSchema>;

// — ids —

/** "gid://shopify/Order/4000000000001" → "4000000000001"; anything else as it is. */
export function gidTail(gid: string): string {
  const m = /^gid:\/\/shopify\/\w+\/(\d+)(?:\?.*)?$/.exec(gid);
  return m ? m[1] : gid;
}

/**
 * The numeric REST id webhooks carry, so a record that arrives both ways is one row. legacyResourceId is
 * a string (it can exceed 2^53); without it the GID's tail is the same number.
 */
export const legacyId = (node: { id: string; legacyResourceId?: string | number | null }): string =>
  node.legacyResourceId != null ? String(node.legacyResourceId) : gidTail(node.id);

// — the cost bucket —

/** How long until the bucket holds `needed` points again, in ms (at least `floorMs`). */
export function refillMs(needed: number, status: z.infer<typeof throttleStatusSchema>, floorMs = 0): number {
  const missing = needed - status.currentlyAvailable;
  if (missing <= 0 || status.restoreRate <= 0) return floorMs;
  return Math.max(floorMs, Math.ceil((missing / status.restoreRate) * 1000));
}

/** The bucket as the engine's callLimit: points spent of the bucket's size. */
export function callLimitOf(cost: QueryCost | undefined): Page['callLimit'] {
  const s = cost?.throttleStatus;
  if (!s || s.maximumAvailable <= 0) return undefined;
  return { used: Math.max(0, Math.round(s.maximumAvailable - s.currentlyAvailable)), max: Math.round(s.maximumAvailable) };
}

/**
 * After a page: when the bucket holds less than the next page will ask for (the same query, so the same
 * requested cost), wait for it to refill instead of being throttled.
 */
export function pauseAfter(cost: QueryCost | undefined): number | undefined {
  const s = cost?.throttleStatus;
  const next = cost?.requestedQueryCost;
  if (!s || !next) return undefined;
  const ms = refillMs(next, s);
  return ms > 0 ? ms : undefined;
}

// — errors that come with HTTP 200 —

/** A single query over the limit: the connector shrinks its page and asks again. */
export class QueryTooCostlyError extends PlatformRequestError {
  constructor(
    message: string,
    readonly cost: number | undefined,
    readonly maxCost: number,
  ) {
    super(message);
  }
}

/** The wait after THROTTLED when the bucket's numbers name none. */
const THROTTLE_FALLBACK_MS = 1000;

/** "This app is not approved to access the Order object" (protected customer data), GraphQL or REST. */
export const NOT_APPROVED = /not approved to access/i;

/**
 * What a 200 response's `errors` mean, as the error the sync engine acts on; undefined when there are none.
 * Codes: https://shopify.dev/docs/api/admin-graphql#status-and-error-codes
 */
export function graphqlError(body: GraphqlEnvelope, what: string): PlatformError | undefined {
  const { errors } = body;
  if (errors === undefined || (Array.isArray(errors) && errors.length === 0)) return undefined;
  if (!Array.isArray(errors)) return new PlatformRequestError(`${what}: ${typeof errors === 'string' ? errors : JSON.stringify(errors)}`.slice(0, 500));
  const text = errors
    .map((e) => e.message)
    .join('; ')
    .slice(0, 400);
  const codes = new Set(errors.map((e) => e.extensions?.code).filter(Boolean));
  const cost = body.extensions?.cost;

  if (codes.has('THROTTLED')) {
    const status = cost?.throttleStatus;
    const requested = cost?.requestedQueryCost;
    if (!status || !requested) return new PlatformRateLimitError(`${what} throttled; Shopify gave no bucket status`, THROTTLE_FALLBACK_MS, false);
    if (requested > status.maximumAvailable) {
      return new PlatformRequestError(`${what}: a query of ${requested} points can never fit Shopify's bucket of ${status.maximumAvailable}: ask for less`);
    }
    // Shopify said throttled although the numbers say it fits (another client spent meanwhile): a short wait.
    const wait = refillMs(requested, status) || THROTTLE_FALLBACK_MS;
    return new PlatformRateLimitError(
      `${what} throttled: ${requested} points asked, ${status.currentlyAvailable} of ${status.maximumAvailable} available, ${status.restoreRate}/s back`,
      wait,
    );
  }
  if (codes.has('MAX_COST_EXCEEDED')) {
    const ext = errors.find((e) => e.extensions?.code === 'MAX_COST_EXCEEDED')?.extensions as { cost?: number; maxCost?: number } | undefined;
    return new QueryTooCostlyError(`${what}: ${text}`, ext?.cost, ext?.maxCost ?? MAX_QUERY_COST);
  }
  if (errors.some((e) => NOT_APPROVED.test(e.message))) {
    return new PlatformAccessError(
      `Shopify refused the orders: ${text} The app needs approval for protected customer data (Partner Dashboard → API access → Protected customer data), then sync again.`,
      'PERMISSION_ERROR',
      403,
    );
  }
  if (codes.has('ACCESS_DENIED')) {
    // A scope the token lacks ("Required access: `read_orders`"): reconnecting grants the app's scopes again.
    if (/required access/i.test(text)) return new PlatformAuthError(`${what}: ${text} Reconnect the shop so the app is granted its scopes.`, 403);
    return new PlatformAccessError(`Shopify denied access: ${text}`, 'PERMISSION_ERROR', 403);
  }
  if (codes.has('SHOP_INACTIVE')) return new PlatformAccessError(`Shopify says the shop is not active: ${text}`, 'SHOP_INACTIVE');
  if (codes.has('INTERNAL_SERVER_ERROR')) return new PlatformTransientError(`${what}: ${text}`, 500);
  return new PlatformRequestError(`${what}: ${text}`);
}
