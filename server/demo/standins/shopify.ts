/**
 * A stand-in for Shopify's GraphQL Admin API, enforcing what the real one enforces for the query our
 * connector sends: the served API versions (others 404), the cost bucket (THROTTLED with HTTP 200 and
 * extensions.cost), the single-query cost limit, the 60-day window without read_all_orders, protected
 * customer data approval, and GET /admin/oauth/access_scopes.json. Webhook bodies stay REST-shaped
 * (restOrder, restRefund), as Shopify's classic webhooks still are.
 */
import type { PlatformRecord } from '../../domain/connectors/types.ts';
import { CommerceStore, expectedOrderRecords, type CommerceFlavor, type SimOrder, type SimRefund } from './commerce-store.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { DAY_MS, formatMinor, minorPerMajor } from './prng.ts';

/**
 * Versions served on 2026-12-01: the four stable quarters still in their 12 months, the release
 * candidate and unstable (https://shopify.dev/docs/api/usage/versioning). 2025-10 and older answer 404.
 */
export const SHOPIFY_SUPPORTED_VERSIONS = ['2026-01', '2026-04', '2026-07', '2026-10', '2027-01', 'unstable'];
/** What a token is granted unless told otherwise: enough for a 90-day sync. */
export const SHOPIFY_DEFAULT_SCOPES = ['read_orders', 'read_all_orders'];
/** Plus-sized by default, so a demo never waits; tests shrink it to see throttling. */
export const SHOPIFY_DEFAULT_BUCKET = { maximumAvailable: 20_000, restoreRate: 1_000 };
const MAX_QUERY_COST = 1000;
const MAX_FIRST = 250;
const RECENT_DAYS = 60;

/** The shop's time zone for REST bodies (webhooks): a fixed UTC-5, so UTC days differ from local ones. */
const SHOP_OFFSET_MIN = -5 * 60;

const flavor: CommerceFlavor = {
  platform: 'shopify',
  currency: 'USD',
  orderId: (dayNum, i) => String(4_000_000_000_000 + dayNum * 1000 + i),
  refundId: (o, i) => String(Number(o.id) * 10 + 1_000_000_000_000_000 + i),
  pickStatus: (u) => (u < 0.93 ? 'paid' : 'pending'),
  refundable: (s) => s === 'paid' || s === 'partially_refunded',
  statusAfterRefund: (o) => (o.refunds.reduce((s, r) => s + r.amountMinor, 0) >= o.totalMinor ? 'refunded' : 'partially_refunded'),
};

// — REST shapes (webhook bodies) —

/** 2024-10-01T03:00:00Z → "2024-09-30T22:00:00-05:00", as Shopify's REST bodies write times. */
export function shopTime(ms: number): string {
  const local = new Date(ms + SHOP_OFFSET_MIN * 60_000).toISOString().slice(0, 19);
  const sign = SHOP_OFFSET_MIN < 0 ? '-' : '+';
  const abs = Math.abs(SHOP_OFFSET_MIN);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const restMoneySet = (minor: number, currency: string) => {
  const m = { amount: formatMinor(minor, currency), currency_code: currency };
  return { shop_money: m, presentment_money: m };
};

/** A refund as refunds/create (and the refunds of orders/updated) carry it. */
export function restRefund(o: SimOrder, r: SimRefund) {
  return {
    id: Number(r.id),
    order_id: Number(o.id),
    admin_graphql_api_id: `gid://shopify/Refund/${r.id}`,
    created_at: shopTime(r.createdAt),
    processed_at: shopTime(r.createdAt),
    note: null,
    refund_line_items: [],
    order_adjustments: [],
    total_duties_set: restMoneySet(0, o.currency),
    transactions: [
      {
        id: Number(r.id) + 7,
        order_id: Number(o.id),
        kind: 'refund',
        status: 'success',
        amount: formatMinor(r.amountMinor, o.currency),
        currency: o.currency,
        gateway: 'manual',
        created_at: shopTime(r.createdAt),
        admin_graphql_api_id: `gid://shopify/OrderTransaction/${r.id}7`,
      },
    ],
  };
}

/** An order as the orders/* webhooks carry it. */
export function restOrder(o: SimOrder) {
  const money = (minor: number) => formatMinor(minor, o.currency);
  return {
    id: Number(o.id),
    admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
    name: `#${Number(o.id) % 100_000}`,
    created_at: shopTime(o.createdAt),
    updated_at: shopTime(o.updatedAt),
    processed_at: shopTime(o.createdAt),
    cancelled_at: null,
    currency: o.currency,
    presentment_currency: o.currency,
    total_price: money(o.totalMinor),
    total_price_set: restMoneySet(o.totalMinor, o.currency),
    subtotal_price: money(o.totalMinor),
    total_tax: '0.00',
    financial_status: o.status,
    test: false,
    refunds: o.refunds.map((r) => restRefund(o, r)),
  };
}

// — GraphQL shapes —

/** UTC, to the second, as GraphQL's DateTime. */
const gqlTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Decimal as GraphQL writes it: "49.9", "50.0". */
const gqlMoney = (minor: number, currency: string) => {
  const n = minor / minorPerMajor(currency);
  return { shopMoney: { amount: Number.isInteger(n) ? n.toFixed(1) : String(n), currencyCode: currency } };
};

interface Nested {
  lineItems: number;
  refunds: number;
  transactions: number;
}

/** One order node for the connector's selection, nested lists cut to what was asked. */
function gqlOrder(o: SimOrder, n: Nested) {
  return {
    id: `gid://shopify/Order/${o.id}`,
    legacyResourceId: o.id,
    name: `#${Number(o.id) % 100_000}`,
    createdAt: gqlTime(o.createdAt),
    updatedAt: gqlTime(o.updatedAt),
    processedAt: gqlTime(o.createdAt),
    cancelledAt: null,
    test: false,
    displayFinancialStatus: o.status.toUpperCase(),
    currencyCode: o.currency,
    totalPriceSet: gqlMoney(o.totalMinor, o.currency),
    lineItems: { nodes: [{ id: `gid://shopify/LineItem/${o.id}1`, name: 'Stand-in item', sku: 'STANDIN-1', quantity: 1 }].slice(0, n.lineItems) },
    refunds: o.refunds.slice(0, n.refunds).map((r) => ({
      id: `gid://shopify/Refund/${r.id}`,
      legacyResourceId: r.id,
      createdAt: gqlTime(r.createdAt),
      updatedAt: gqlTime(r.createdAt),
      note: null,
      transactions: {
        nodes: [
          {
            id: `gid://shopify/OrderTransaction/${r.id}7`,
            kind: 'REFUND',
            status: 'SUCCESS',
            processedAt: gqlTime(r.createdAt),
            amountSet: gqlMoney(r.amountMinor, o.currency),
          },
        ].slice(0, n.transactions),
      },
    })),
  };
}

/** Requested cost by Shopify's rules (object 1, connection 2 + first × node, list first × item) for the connector's selection. */
const requestedCost = (first: number, n: Nested) => 2 + first * (1 + 2 + (2 + n.lineItems) + n.refunds * (1 + (2 + n.transactions * 3)));
/** Actual cost: the same, counted over what was returned. */
const actualCost = (nodes: ReturnType<typeof gqlOrder>[]) =>
  2 + nodes.reduce((sum, o) => sum + 3 + (2 + o.lineItems.nodes.length) + o.refunds.reduce((s, r) => s + 1 + 2 + r.transactions.nodes.length * 3, 0), 0);

// — the search syntax the connector uses —

type Field = 'created_at' | 'updated_at';
interface Term {
  field: Field;
  op: '>=' | '<=' | '>' | '<';
  ms: number;
}

const graphqlError = (message: string, code?: string) => ({ errors: [{ message, ...(code ? { extensions: { code } } : {}) }] });

function parseSearch(search: string | null | undefined): Term[] {
  if (!search) return [];
  return search.split(/\s+AND\s+/).map((part) => {
    const m = /^(created_at|updated_at):(>=|<=|>|<)'?([^']+)'?$/.exec(part.trim());
    const ms = m ? Date.parse(m[3]) : Number.NaN;
    // Shopify would treat it as free text and match little; the stand-in says so, to catch a connector bug.
    if (!m || Number.isNaN(ms)) throw new ReplyError({ status: 200, body: graphqlError(`stand-in: unsupported search term "${part}"`) });
    return { field: m[1] as Field, op: m[2] as Term['op'], ms };
  });
}

const fieldOf = (o: SimOrder, f: Field) => (f === 'created_at' ? o.createdAt : o.updatedAt);
const matches = (o: SimOrder, t: Term) => {
  const v = fieldOf(o, t.field);
  return t.op === '>=' ? v >= t.ms : t.op === '<=' ? v <= t.ms : t.op === '>' ? v > t.ms : v < t.ms;
};

const SORT_KEYS: Record<string, (o: SimOrder) => number> = {
  CREATED_AT: (o) => o.createdAt,
  UPDATED_AT: (o) => o.updatedAt,
  PROCESSED_AT: (o) => o.createdAt,
  ID: (o) => Number(o.id),
};

/** Shopify's cursors: base64 of {last_id, last_value}. */
const encodeCursor = (o: SimOrder, value: number) => Buffer.from(JSON.stringify({ last_id: o.id, last_value: value })).toString('base64');
function decodeCursor(s: string): { last_id: string; last_value: number } {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as { last_id: string; last_value: number };
    if (typeof c.last_id === 'string' && typeof c.last_value === 'number') return c;
  } catch {
    /* fall through */
  }
  throw new ReplyError({ status: 200, body: graphqlError(`Invalid cursor for current pagination sort.`) });
}

// — the stand-in —

export interface ShopifyStandinOptions {
  /** Scopes the token holds (access_scopes.json, and the 60-day window without read_all_orders). */
  scopes?: string[];
  /** Admin API versions served; any other answers 404. */
  apiVersions?: string[];
  /** The cost bucket per app and shop. */
  bucket?: { maximumAvailable?: number; restoreRate?: number };
  /** False: the app is not approved for protected customer data, and orders are refused. */
  protectedDataApproved?: boolean;
}

/** One orders query, as the stand-in saw and answered it. */
export interface ShopifyQueryLog {
  at: number;
  version: string;
  first: number;
  after: string | null;
  search: string | null;
  sortKey: string;
  requestedQueryCost: number;
  actualQueryCost: number | null;
  /** Points left after it. */
  currentlyAvailable: number;
  outcome: 'ok' | 'THROTTLED' | 'MAX_COST_EXCEEDED' | 'ACCESS_DENIED';
  returned: number;
}

export interface ShopifyControls {
  /** Every orders query received, oldest first. */
  readonly queries: readonly ShopifyQueryLog[];
  setScopes(scopes: string[]): void;
  setProtectedDataApproved(approved: boolean): void;
  /** Spend points from the bucket, as another client of the same app and shop would (default: all of them). */
  drain(points?: number): void;
  /** The bucket now. */
  throttleStatus(): { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
  /** The order as the orders/* webhooks carry it (REST-shaped). */
  restOrder(id: string): ReturnType<typeof restOrder>;
  /** A refund as refunds/create carries it (REST-shaped). */
  restRefund(orderId: string, refundId: string): ReturnType<typeof restRefund>;
}

export function shopifyStandin(opts: { now: number; days: number; pageSizeCap?: number; accessToken: string } & ShopifyStandinOptions): {
  behaviour: PlatformBehaviour;
  store: CommerceStore;
  expectedRecords: (startDate: string, endDate: string) => Omit<PlatformRecord, 'payload'>[];
  controls: ShopifyControls;
} {
  const store = new CommerceStore(flavor, opts.now, opts.days);
  const versions = new Set(opts.apiVersions ?? SHOPIFY_SUPPORTED_VERSIONS);
  let scopes = new Set(opts.scopes ?? SHOPIFY_DEFAULT_SCOPES);
  let approved = opts.protectedDataApproved ?? true;
  const maximumAvailable = opts.bucket?.maximumAvailable ?? SHOPIFY_DEFAULT_BUCKET.maximumAvailable;
  const restoreRate = opts.bucket?.restoreRate ?? SHOPIFY_DEFAULT_BUCKET.restoreRate;
  const queries: ShopifyQueryLog[] = [];

  // The leaky bucket: points flow back at restoreRate per second up to the maximum.
  let available = maximumAvailable;
  let refilledAt = Date.now();
  const refill = () => {
    const now = Date.now();
    available = Math.min(maximumAvailable, available + ((now - refilledAt) / 1000) * restoreRate);
    refilledAt = now;
  };
  const throttleStatus = () => {
    refill();
    return { maximumAvailable, currentlyAvailable: Math.floor(available), restoreRate };
  };

  const nestedFirst = (query: string, field: string, fallback: number) => {
    const m = new RegExp(`\\b${field}\\(first:\\s*(\\d+)`).exec(query);
    return m ? Number(m[1]) : fallback;
  };

  function orders(call: StandinCall, version: string): StandinReply {
    if (!String(call.headers['content-type'] ?? '').includes('application/json')) {
      return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
    }
    const body = call.body as { query?: unknown; variables?: Record<string, unknown> } | undefined;
    if (typeof body?.query !== 'string') return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
    const query = body.query;
    if (!/\borders\(/.test(query)) return { status: 200, body: graphqlError('stand-in: only the orders query is served') };
    const v = body.variables ?? {};
    const first = v.first;
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
      return { status: 200, body: graphqlError(`The first argument must be between 1 and ${MAX_FIRST}, got ${String(first)}.`) };
    }
    const after = typeof v.after === 'string' ? v.after : null;
    const search = typeof v.query === 'string' ? v.query : null;
    const sortKey = typeof v.sortKey === 'string' ? v.sortKey : 'PROCESSED_AT';
    const sortValue = SORT_KEYS[sortKey];
    if (!sortValue) return { status: 200, body: graphqlError(`Argument 'sortKey' has an invalid value (${sortKey}).`) };
    const n: Nested = {
      lineItems: nestedFirst(query, 'lineItems', 0),
      refunds: nestedFirst(query, 'refunds', 0),
      transactions: nestedFirst(query, 'transactions', 0),
    };
    const requested = requestedCost(first, n);
    const log: ShopifyQueryLog = {
      at: Date.now(),
      version,
      first,
      after,
      search,
      sortKey,
      requestedQueryCost: requested,
      actualQueryCost: null,
      currentlyAvailable: 0,
      outcome: 'ok',
      returned: 0,
    };
    queries.push(log);

    if (requested > MAX_QUERY_COST) {
      log.outcome = 'MAX_COST_EXCEEDED';
      log.currentlyAvailable = throttleStatus().currentlyAvailable;
      return {
        status: 200,
        body: {
          errors: [
            {
              message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`,
              extensions: {
                code: 'MAX_COST_EXCEEDED',
                cost: requested,
                maxCost: MAX_QUERY_COST,
                documentation: 'https://shopify.dev/api/usage/limits#rate-limits',
              },
            },
          ],
        },
      };
    }
    refill();
    if (requested > available) {
      log.outcome = 'THROTTLED';
      log.currentlyAvailable = Math.floor(available);
      return {
        status: 200,
        body: {
          errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus() } },
        },
      };
    }
    // Refusals come as 200 with `errors` and no orders, and cost one point.
    const accessDenied = (error: { message: string; extensions: Record<string, string> }): StandinReply => {
      log.outcome = 'ACCESS_DENIED';
      available -= 1;
      return {
        status: 200,
        body: {
          data: { orders: null },
          errors: [{ message: error.message, path: ['orders'], extensions: { code: 'ACCESS_DENIED', ...error.extensions } }],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: 1, throttleStatus: throttleStatus() } },
        },
      };
    };
    if (!scopes.has('read_orders') && !scopes.has('write_orders')) {
      return accessDenied({
        message: 'Access denied for orders field. Required access: `read_orders` access scope.',
        extensions: { documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: '`read_orders` access scope.' },
      });
    }
    if (!approved) {
      return accessDenied({
        message: 'This app is not approved to access the Order object. See https://shopify.dev/docs/apps/launch/protected-customer-data for more details.',
        extensions: {},
      });
    }

    const terms = parseSearch(search);
    // Without read_all_orders, older orders are simply not there.
    const oldest = scopes.has('read_all_orders') ? Number.NEGATIVE_INFINITY : Date.now() - RECENT_DAYS * DAY_MS;
    const key = (o: SimOrder): [number, bigint] => [sortValue(o), BigInt(o.id)];
    const all = store.orders
      .filter((o) => o.createdAt >= oldest && terms.every((t) => matches(o, t)))
      .sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        return ka[0] - kb[0] || (ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0);
      });
    let start = 0;
    if (after) {
      const c = decodeCursor(after);
      const lastId = BigInt(c.last_id);
      start = all.findIndex((o) => sortValue(o) > c.last_value || (sortValue(o) === c.last_value && BigInt(o.id) > lastId));
      if (start === -1) start = all.length;
    }
    const size = Math.min(first, opts.pageSizeCap ?? MAX_FIRST);
    const page = all.slice(start, start + size);
    const nodes = page.map((o) => gqlOrder(o, n));
    const actual = actualCost(nodes);
    // Charged what was asked, then refunded down to what it cost.
    available -= actual;
    const status = throttleStatus();
    Object.assign(log, { actualQueryCost: actual, currentlyAvailable: status.currentlyAvailable, returned: nodes.length });
    const last = page.at(-1);
    return {
      status: 200,
      body: {
        data: {
          orders: {
            pageInfo: { hasNextPage: start + size < all.length, endCursor: last ? encodeCursor(last, sortValue(last)) : null },
            nodes,
          },
        },
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status } },
      },
    };
  }

  const behaviour: PlatformBehaviour = {
    authorize: (call) => call.headers['x-shopify-access-token'] === opts.accessToken,
    unauthorized: () => ({ status: 401, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } }),
    errorBody: (status, message) => ({
      errors: status === 429 ? 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' : message,
    }),
    handle(call) {
      if (call.method === 'GET' && call.url.pathname === '/admin/oauth/access_scopes.json') {
        return { status: 200, body: { access_scopes: [...scopes].map((handle) => ({ handle })) } };
      }
      const m = /^\/admin\/api\/([\w-]+)\/graphql\.json$/.exec(call.url.pathname);
      if (call.method !== 'POST' || !m || !versions.has(m[1])) return { status: 404, body: { errors: 'Not Found' } };
      return orders(call, m[1]);
    },
  };

  const expectedRecords = (startDate: string, endDate: string) => expectedOrderRecords(store, startDate, endDate, 'success');

  const find = (id: string) => {
    const o = store.find(id);
    if (!o) throw new Error(`no order ${id}`);
    return o;
  };
  const controls: ShopifyControls = {
    queries,
    setScopes: (s) => void (scopes = new Set(s)),
    setProtectedDataApproved: (a) => void (approved = a),
    drain(points) {
      refill();
      available = Math.max(0, available - (points ?? available));
    },
    throttleStatus,
    restOrder: (id) => restOrder(find(id)),
    restRefund(orderId, refundId) {
      const o = find(orderId);
      const r = o.refunds.find((x) => x.id === refundId);
      if (!r) throw new Error(`no refund ${refundId} on ${orderId}`);
      return restRefund(o, r);
    },
  };

  return { behaviour, store, expectedRecords, controls };
}
