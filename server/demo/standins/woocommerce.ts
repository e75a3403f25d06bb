import type { PlatformRecord } from '../../domain/connectors/types.ts';
import { CommerceStore, type CommerceFlavor, type SimOrder } from './commerce-store.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { addDays, dayOf, dayStart, formatMinor, minorPerMajor } from './prng.ts';

/** The site's time zone (UTC+2): `date_created` is local, `date_created_gmt` is UTC, both without offset. */
const SITE_OFFSET_MS = 2 * 3600_000;
const MAX_PER_PAGE = 100;

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
    refunds: o.refunds.map((r) => ({ id: Number(r.id), reason: '', total: `-${formatMinor(r.amountMinor, o.currency)}` })),
  };
}

const rest = (status: number, code: string, message: string): StandinReply => ({ status, body: { code, message, data: { status } } });
const invalid = (param: string): never => {
  throw new ReplyError(rest(400, 'rest_invalid_param', `Invalid parameter(s): ${param}`));
};

export function woocommerceStandin(opts: { now: number; days: number; pageSizeCap?: number; consumerKey: string; consumerSecret: string }) {
  const store = new CommerceStore(flavor, opts.now, opts.days);

  const list = (call: StandinCall): StandinReply => {
    const q = call.url.searchParams;
    const page = Number(q.get('page') ?? 1);
    const perPage = Number(q.get('per_page') ?? 10);
    if (!Number.isInteger(page) || page < 1) invalid('page');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) invalid('per_page');
    const size = Math.min(perPage, opts.pageSizeCap ?? perPage);
    const gmt = q.get('dates_are_gmt') === 'true';
    // WooCommerce's date filters are exclusive, in site time unless dates_are_gmt.
    const time = (name: string) => {
      const v = q.get(name);
      if (v === null) return undefined;
      const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
      if (Number.isNaN(ms)) invalid(name);
      return /[zZ]|[+-]\d\d:\d\d$/.test(v) || gmt ? ms : ms - SITE_OFFSET_MS;
    };
    const [after, before, modAfter, modBefore] = ['after', 'before', 'modified_after', 'modified_before'].map(time);
    const status = q.get('status') ?? 'any';
    const orderby = q.get('orderby') ?? 'date';
    const dir = (q.get('order') ?? 'desc') === 'asc' ? 1 : -1;
    const key = (o: SimOrder) => (orderby === 'id' ? Number(o.id) : orderby === 'modified' ? o.updatedAt : o.createdAt);
    if (!['date', 'id', 'modified'].includes(orderby)) invalid('orderby');

    const all = store.orders
      .filter((o) => (after === undefined || o.createdAt > after) && (before === undefined || o.createdAt < before))
      .filter((o) => (modAfter === undefined || o.updatedAt > modAfter) && (modBefore === undefined || o.updatedAt < modBefore))
      .filter((o) => status === 'any' || status.split(',').includes(o.status))
      .sort((a, b) => dir * (key(a) - key(b)) || dir * (Number(a.id) - Number(b.id)));
    const totalPages = Math.ceil(all.length / size);
    const rows = all.slice((page - 1) * size, page * size);
    return { status: 200, body: rows.map(renderOrder), headers: { 'X-WP-Total': String(all.length), 'X-WP-TotalPages': String(totalPages) } };
  };

  const authorized = (call: StandinCall) => {
    const auth = call.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) {
      const [key, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      return key === opts.consumerKey && secret === opts.consumerSecret;
    }
    // WooCommerce also takes the keys as query parameters.
    const q = call.url.searchParams;
    return q.get('consumer_key') === opts.consumerKey && q.get('consumer_secret') === opts.consumerSecret;
  };

  const behaviour: PlatformBehaviour = {
    authorize: authorized,
    unauthorized: () => rest(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'),
    errorBody: (status, message) => rest(status, status === 429 ? 'too_many_requests' : 'internal_server_error', message).body,
    handle(call) {
      if (call.method !== 'GET' || call.url.pathname.replace(/\/$/, '') !== '/wp-json/wc/v3/orders') {
        return rest(404, 'rest_no_route', 'No route was found matching the URL and request method.');
      }
      return list(call);
    },
  };

  /** What the connector must return for a window: orders created in it, and the refunds they list (dated by the order's last change). */
  const expectedRecords = (startDate: string, endDate: string): Omit<PlatformRecord, 'payload'>[] =>
    store.createdBetween(dayStart(startDate), dayStart(addDays(endDate, 1)) - 1).flatMap((o) => {
      const updatedAt = new Date(o.updatedAt).toISOString();
      return [
        {
          kind: 'order' as const,
          externalId: o.id,
          occurredOn: dayOf(o.createdAt),
          amount: o.totalMinor / minorPerMajor(o.currency),
          currency: o.currency,
          status: o.status,
          updatedAt,
        },
        ...o.refunds.map((r) => ({
          kind: 'refund' as const,
          externalId: r.id,
          occurredOn: dayOf(o.updatedAt),
          amount: r.amountMinor / minorPerMajor(o.currency),
          currency: o.currency,
          status: 'completed',
          updatedAt,
        })),
      ];
    });

  return { behaviour, store, expectedRecords };
}
