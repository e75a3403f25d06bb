import { createHmac } from 'node:crypto';
import { CommerceStore, expectedOrderRecords, type CommerceFlavor, type SimOrder, type SimRefund } from './commerce-store.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { formatMinor } from './prng.ts';

/** The site's time zone (UTC+2): `date_created` is local, `date_created_gmt` is UTC, both without offset. */
const SITE_OFFSET_MS = 2 * 3600_000;
const MAX_PER_PAGE = 100;
/** WooCommerce's OAuth window: timestamps within 15 minutes of its clock, nonces not reused within it. */
const OAUTH_WINDOW_SEC = 15 * 60;

const flavor: CommerceFlavor = {
  platform: 'woocommerce',
  currency: 'EUR',
  orderId: (dayNum, i) => String(dayNum * 1000 + i),
  refundId: (o, i) => String(100_000_000 + Number(o.id) * 10 + i),
  pickStatus: (u) => (u < 0.8 ? 'completed' : u < 0.92 ? 'processing' : u < 0.96 ? 'on-hold' : 'failed'),
  refundable: (s) => s === 'completed' || s === 'processing',
  statusAfterRefund: (o) => (o.refunds.reduce((s, r) => s + r.amountMinor, 0) >= o.totalMinor ? 'refunded' : o.status),
};

const wpTime = (ms: number, offset = 0) => new Date(ms + offset).toISOString().slice(0, 19);

function renderOrder(o: SimOrder) {
  return {
    id: Number(o.id),
    parent_id: 0,
    number: o.id,
    order_key: `wc_order_${Number(o.id).toString(36)}`,
    created_via: 'checkout',
    status: o.status,
    currency: o.currency,
    date_created: wpTime(o.createdAt, SITE_OFFSET_MS),
    date_created_gmt: wpTime(o.createdAt),
    date_modified: wpTime(o.updatedAt, SITE_OFFSET_MS),
    date_modified_gmt: wpTime(o.updatedAt),
    discount_total: '0.00',
    shipping_total: '0.00',
    total: formatMinor(o.totalMinor, o.currency),
    total_tax: '0.00',
    prices_include_tax: true,
    payment_method: 'stripe',
    line_items: [],
    // As the real listing (WC_REST_Orders_V2_Controller): id, reason, negative total — no date.
    refunds: o.refunds.map((r) => ({ id: Number(r.id), reason: '', total: `-${formatMinor(r.amountMinor, o.currency)}` })),
  };
}

/** GET /orders/{id}/refunds (WC_REST_Order_Refunds_V2_Controller); the store-wide /refunds adds parent_id after id. */
function renderRefund(r: SimRefund, o: SimOrder, withParent: boolean) {
  return {
    id: Number(r.id),
    ...(withParent ? { parent_id: Number(o.id) } : {}),
    date_created: wpTime(r.createdAt, SITE_OFFSET_MS),
    date_created_gmt: wpTime(r.createdAt),
    amount: formatMinor(r.amountMinor, o.currency),
    reason: '',
    refunded_by: 1,
    refunded_payment: false,
    meta_data: [],
    line_items: [],
    shipping_lines: [],
    tax_lines: [],
    fee_lines: [],
  };
}

const rest = (status: number, code: string, message: string): StandinReply => ({ status, body: { code, message, data: { status } } });
const invalid = (param: string): never => {
  throw new ReplyError(rest(400, 'rest_invalid_param', `Invalid parameter(s): ${param}`));
};
const authFailed = (code: string, message: string): never => {
  throw new ReplyError(rest(401, code, message));
};

/** PHP's rawurlencode (RFC 3986: all but ALPHA / DIGIT / - _ . ~). */
const rawurlencode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * WC_REST_Authentication::check_oauth_signature, step by step: every parameter but oauth_signature,
 * keys sorted with strcmp, each key and value rawurlencoded, each "k=v" encoded again and joined with
 * %26; the URL is the home URL plus the path; the key is the consumer secret and "&".
 */
function wooOAuthSignature(method: string, url: URL, params: Record<string, string>, consumerSecret: string, algorithm: string): string {
  const keys = Object.keys(params)
    .filter((k) => k !== 'oauth_signature')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const query = keys.map((k) => rawurlencode(`${rawurlencode(k)}=${rawurlencode(params[k])}`)).join('%26');
  const base = `${method}&${rawurlencode(`${url.protocol}//${url.host}${url.pathname}`)}&${query}`;
  return createHmac(algorithm, `${consumerSecret}&`).update(base).digest('base64');
}

const rawurldecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const OAUTH_PARAMS = ['oauth_consumer_key', 'oauth_timestamp', 'oauth_nonce', 'oauth_signature', 'oauth_signature_method'];

export function woocommerceStandin(opts: { now: number; days: number; pageSizeCap?: number; consumerKey: string; consumerSecret: string }) {
  const store = new CommerceStore(flavor, opts.now, opts.days);
  /** Nonces seen, with their timestamps (WooCommerce keeps them per key for the window). */
  const nonces = new Map<string, number>();

  /** page/per_page as WooCommerce reads them, X-WP-Total/X-WP-TotalPages as it answers. */
  const paged = <T>(call: StandinCall, all: T[], render: (x: T) => unknown): StandinReply => {
    const q = call.url.searchParams;
    const page = Number(q.get('page') ?? 1);
    const perPage = Number(q.get('per_page') ?? 10);
    if (!Number.isInteger(page) || page < 1) invalid('page');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) invalid('per_page');
    const size = Math.min(perPage, opts.pageSizeCap ?? perPage);
    const rows = all.slice((page - 1) * size, page * size);
    return { status: 200, body: rows.map(render), headers: { 'X-WP-Total': String(all.length), 'X-WP-TotalPages': String(Math.ceil(all.length / size)) } };
  };

  /** WooCommerce's date filters are exclusive, in site time unless dates_are_gmt. */
  const timeParam = (call: StandinCall, name: string): number | undefined => {
    const q = call.url.searchParams;
    const v = q.get(name);
    if (v === null) return undefined;
    const zoned = /[zZ]|[+-]\d\d:\d\d$/.test(v);
    const ms = Date.parse(zoned ? v : `${v}Z`);
    if (Number.isNaN(ms)) invalid(name);
    return zoned || q.get('dates_are_gmt') === 'true' ? ms : ms - SITE_OFFSET_MS;
  };

  const listOrders = (call: StandinCall): StandinReply => {
    const q = call.url.searchParams;
    const [after, before, modAfter, modBefore] = ['after', 'before', 'modified_after', 'modified_before'].map((n) => timeParam(call, n));
    const status = q.get('status') ?? 'any';
    const include = q.get('include')?.split(',').filter(Boolean);
    const orderby = q.get('orderby') ?? 'date';
    const dir = (q.get('order') ?? 'desc') === 'asc' ? 1 : -1;
    const key = (o: SimOrder) => (orderby === 'id' ? Number(o.id) : orderby === 'modified' ? o.updatedAt : o.createdAt);
    if (!['date', 'id', 'modified'].includes(orderby)) invalid('orderby');

    const all = store.orders
      .filter((o) => (after === undefined || o.createdAt > after) && (before === undefined || o.createdAt < before))
      .filter((o) => (modAfter === undefined || o.updatedAt > modAfter) && (modBefore === undefined || o.updatedAt < modBefore))
      .filter((o) => status === 'any' || status.split(',').includes(o.status))
      .filter((o) => !include || include.includes(o.id))
      .sort((a, b) => dir * (key(a) - key(b)) || dir * (Number(a.id) - Number(b.id)));
    return paged(call, all, renderOrder);
  };

  /** Newest first, as WooCommerce's default orderby=date&order=desc. */
  const newestFirst = (a: { r: SimRefund }, b: { r: SimRefund }) => b.r.createdAt - a.r.createdAt || Number(b.r.id) - Number(a.r.id);

  const listOrderRefunds = (call: StandinCall, orderId: string): StandinReply => {
    const o = store.find(orderId);
    // The query is post_parent__in = [order_id]: an unknown order simply has none.
    const all = (o?.refunds ?? []).map((r) => ({ r, o: o as SimOrder })).sort(newestFirst);
    return paged(call, all, ({ r, o }) => renderRefund(r, o, false));
  };

  /** WooCommerce 9.0+: every refund, whatever its order; after/before filter by the refund's date. */
  const listAllRefunds = (call: StandinCall): StandinReply => {
    const [after, before] = ['after', 'before'].map((n) => timeParam(call, n));
    const all = store.orders
      .flatMap((o) => o.refunds.map((r) => ({ r, o })))
      .filter(({ r }) => (after === undefined || r.createdAt > after) && (before === undefined || r.createdAt < before))
      .sort(newestFirst);
    return paged(call, all, ({ r, o }) => renderRefund(r, o, true));
  };

  /**
   * WC_REST_Authentication::authenticate on a site WordPress serves over http (is_ssl() false):
   * Basic auth and consumer_key/consumer_secret in the query are never looked at; only OAuth 1.0a
   * one-legged parameters authenticate. No OAuth parameter at all: anonymous, so the route's
   * permission check answers 401 woocommerce_rest_cannot_view (`unauthorized`).
   */
  const authorize = (call: StandinCall): boolean => {
    const params = Object.fromEntries(call.url.searchParams);
    const missing = OAUTH_PARAMS.filter((k) => !params[k]);
    if (missing.length === OAUTH_PARAMS.length) return false;
    if (missing.length > 0)
      authFailed('woocommerce_rest_authentication_missing_parameter', `Missing OAuth parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    if (params.oauth_consumer_key !== opts.consumerKey) authFailed('woocommerce_rest_authentication_error', 'Consumer key is invalid.');
    const method = params.oauth_signature_method;
    if (method !== 'HMAC-SHA1' && method !== 'HMAC-SHA256')
      authFailed('woocommerce_rest_authentication_error', 'Invalid signature - signature method is invalid.');
    const expected = wooOAuthSignature(call.method, call.url, params, opts.consumerSecret, method === 'HMAC-SHA1' ? 'sha1' : 'sha256');
    if (rawurldecode(params.oauth_signature.replace(/ /g, '+')) !== expected)
      authFailed('woocommerce_rest_authentication_error', 'Invalid signature - provided signature does not match.');

    const now = Math.floor(Date.now() / 1000);
    const timestamp = Number(params.oauth_timestamp);
    if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > OAUTH_WINDOW_SEC) authFailed('woocommerce_rest_authentication_error', 'Invalid timestamp.');
    for (const [n, t] of nonces) if (t < now - OAUTH_WINDOW_SEC) nonces.delete(n);
    if (nonces.has(params.oauth_nonce)) authFailed('woocommerce_rest_authentication_error', 'Invalid nonce - nonce has already been used.');
    nonces.set(params.oauth_nonce, timestamp);
    return true;
  };

  const behaviour: PlatformBehaviour = {
    authorize,
    unauthorized: () => rest(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'),
    errorBody: (status, message) => rest(status, status === 429 ? 'too_many_requests' : 'internal_server_error', message).body,
    handle(call) {
      const path = call.url.pathname.replace(/\/$/, '');
      const orderRefunds = /^\/wp-json\/wc\/v3\/orders\/(\d+)\/refunds$/.exec(path);
      if (call.method === 'GET' && path === '/wp-json/wc/v3/orders') return listOrders(call);
      if (call.method === 'GET' && orderRefunds) return listOrderRefunds(call, orderRefunds[1]);
      if (call.method === 'GET' && path === '/wp-json/wc/v3/refunds') return listAllRefunds(call);
      return rest(404, 'rest_no_route', 'No route was found matching the URL and request method.');
    },
  };

  const expectedRecords = (startDate: string, endDate: string) => expectedOrderRecords(store, startDate, endDate, 'completed');

  return { behaviour, store, expectedRecords };
}
