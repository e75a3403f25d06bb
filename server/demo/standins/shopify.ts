import type { PlatformRecord } from '../../domain/connectors/types.ts';
import { CommerceStore, type CommerceFlavor, type SimOrder } from './commerce-store.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { addDays, dayOf, dayStart, formatMinor, minorPerMajor } from './prng.ts';

/** The shop's time zone: Shopify writes times in it (a fixed UTC-5 here, so UTC days differ from local ones). */
const SHOP_OFFSET_MIN = -5 * 60;
const BUCKET = 40;
const LEAK_PER_SEC = 2;
const MAX_LIMIT = 250;

const flavor: CommerceFlavor = {
  platform: 'shopify',
  currency: 'USD',
  orderId: (dayNum, i) => String(4_000_000_000_000 + dayNum * 1000 + i),
  refundId: (o, i) => String(Number(o.id) * 10 + 1_000_000_000_000_000 + i),
  pickStatus: (u) => (u < 0.93 ? 'paid' : 'pending'),
  refundable: (s) => s === 'paid' || s === 'partially_refunded',
  statusAfterRefund: (o) => (o.refunds.reduce((s, r) => s + r.amountMinor, 0) >= o.totalMinor ? 'refunded' : 'partially_refunded'),
};

/** 2024-10-01T03:00:00Z → "2024-09-30T22:00:00-05:00", as Shopify writes times. */
export function shopTime(ms: number): string {
  const local = new Date(ms + SHOP_OFFSET_MIN * 60_000).toISOString().slice(0, 19);
  const sign = SHOP_OFFSET_MIN < 0 ? '-' : '+';
  const abs = Math.abs(SHOP_OFFSET_MIN);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function renderOrder(o: SimOrder) {
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
    subtotal_price: money(o.totalMinor),
    total_tax: '0.00',
    financial_status: o.status,
    test: false,
    refunds: o.refunds.map((r) => ({
      id: Number(r.id),
      order_id: Number(o.id),
      created_at: shopTime(r.createdAt),
      processed_at: shopTime(r.createdAt),
      note: null,
      transactions: [
        {
          id: Number(r.id) + 7,
          order_id: Number(o.id),
          kind: 'refund',
          status: 'success',
          amount: money(r.amountMinor),
          currency: o.currency,
          gateway: 'manual',
          created_at: shopTime(r.createdAt),
        },
      ],
    })),
  };
}

interface Filters {
  created_at_min?: string;
  created_at_max?: string;
  updated_at_min?: string;
  updated_at_max?: string;
}
/** page_info: an opaque cursor holding the first request's filters, like Shopify's. */
interface Cursor {
  f: Filters;
  /** Continue after (next) or before (prev) this id in the listing's order (id descending). */
  id: string;
  dir: 'next' | 'prev';
}
const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const decode = (s: string): Cursor => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;

const FILTER_KEYS = ['created_at_min', 'created_at_max', 'updated_at_min', 'updated_at_max'] as const;
const bad = (errors: unknown): never => {
  throw new ReplyError({ status: 400, body: { errors } });
};
const time = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? bad({ [name]: ['is invalid'] }) : ms;
};

export function shopifyStandin(opts: { now: number; days: number; pageSizeCap?: number; accessToken: string }) {
  const store = new CommerceStore(flavor, opts.now, opts.days);
  let bucket = 0;
  let leakedAt = Date.now();

  /** Shopify's leaky bucket, reported (not enforced: failNext(429) is how tests get throttled). */
  const callLimit = () => {
    const now = Date.now();
    bucket = Math.max(0, bucket - ((now - leakedAt) / 1000) * LEAK_PER_SEC) + 1;
    leakedAt = now;
    return `${Math.min(BUCKET, Math.ceil(bucket))}/${BUCKET}`;
  };

  const list = (call: StandinCall, version: string): StandinReply => {
    const q = call.url.searchParams;
    const limit = Math.min(Number(q.get('limit') ?? 50), MAX_LIMIT, opts.pageSizeCap ?? MAX_LIMIT);
    if (!Number.isInteger(limit) || limit < 1) bad({ limit: ['is invalid'] });
    let cursor: Cursor | undefined;
    let filters: Filters;
    const pageInfo = q.get('page_info');
    if (pageInfo) {
      const extra = [...q.keys()].filter((k) => k !== 'page_info' && k !== 'limit' && k !== 'fields');
      if (extra.length) bad(`page_info cannot be combined with: ${extra.join(', ')}`);
      try {
        cursor = decode(pageInfo);
      } catch {
        bad({ page_info: ['Invalid value.'] });
      }
      filters = cursor!.f;
    } else {
      filters = Object.fromEntries(FILTER_KEYS.filter((k) => q.has(k)).map((k) => [k, q.get(k)!]));
    }
    const [cMin, cMax, uMin, uMax] = FILTER_KEYS.map((k) => time(filters[k], k));
    const all = store.orders
      .filter((o) => (cMin === undefined || o.createdAt >= cMin) && (cMax === undefined || o.createdAt <= cMax))
      .filter((o) => (uMin === undefined || o.updatedAt >= uMin) && (uMax === undefined || o.updatedAt <= uMax))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));

    let start = 0;
    if (cursor) {
      const at = all.findIndex((o) => BigInt(o.id) <= BigInt(cursor.id));
      const pos = at === -1 ? all.length : at;
      start = cursor.dir === 'next' ? (all[pos]?.id === cursor.id ? pos + 1 : pos) : Math.max(0, pos - limit);
    }
    const page = all.slice(start, start + limit);
    const link = (c: Cursor, rel: string) => {
      const u = new URL(`/admin/api/${version}/orders.json`, call.url.origin);
      u.searchParams.set('limit', String(limit));
      u.searchParams.set('page_info', encode(c));
      return `<${u.href}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (start > 0 && page.length) links.push(link({ f: filters, id: page[0].id, dir: 'prev' }, 'previous'));
    if (start + limit < all.length && page.length) links.push(link({ f: filters, id: page.at(-1)!.id, dir: 'next' }, 'next'));
    const headers: Record<string, string> = { 'X-Shopify-Shop-Api-Call-Limit': callLimit() };
    if (links.length) headers.Link = links.join(', ');
    return { status: 200, body: { orders: page.map(renderOrder) }, headers };
  };

  const behaviour: PlatformBehaviour = {
    authorize: (call) => call.headers['x-shopify-access-token'] === opts.accessToken,
    unauthorized: () => ({ status: 401, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } }),
    errorBody: (status, message) => ({
      errors: status === 429 ? 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' : message,
    }),
    handle(call) {
      const m = /^\/admin\/api\/([\w-]+)\/orders\.json$/.exec(call.url.pathname);
      if (call.method !== 'GET' || !m) return { status: 404, body: { errors: 'Not Found' } };
      return list(call, m[1]);
    },
  };

  /** What the connector must return for a window: the orders created in it and their refunds. */
  const expectedRecords = (startDate: string, endDate: string): Omit<PlatformRecord, 'payload'>[] =>
    store.createdBetween(dayStart(startDate), dayStart(addDays(endDate, 1)) - 1).flatMap((o) => [
      {
        kind: 'order' as const,
        externalId: o.id,
        occurredOn: dayOf(o.createdAt),
        amount: o.totalMinor / minorPerMajor(o.currency),
        currency: o.currency,
        status: o.status,
        updatedAt: new Date(o.updatedAt).toISOString(),
      },
      ...o.refunds.map((r) => ({
        kind: 'refund' as const,
        externalId: r.id,
        occurredOn: dayOf(r.createdAt),
        amount: r.amountMinor / minorPerMajor(o.currency),
        currency: o.currency,
        status: 'success',
        updatedAt: new Date(r.createdAt).toISOString(),
      })),
    ]);

  return { behaviour, store, expectedRecords };
}
