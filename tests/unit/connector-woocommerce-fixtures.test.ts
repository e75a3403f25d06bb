import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformAccessError, PlatformAuthError } from '../../server/domain/connectors/errors.ts';
import type { PlatformRecord } from '../../server/domain/connectors/types.ts';
import {
  wooAuthorize,
  wooError,
  wooOrderSchema,
  wooOrderToRecord,
  wooRefundSchema,
  wooRefundToRecord,
  woocommerceConnector,
} from '../../server/domain/connectors/woocommerce.ts';
import { startStandin, type CommerceStandin } from '../../server/demo/standins/index.ts';
import { mapWebhookEvent } from '../../server/domain/sync/webhook-events.ts';
import { readSignedBody } from '../../server/webhooks/delivery.ts';
import { webhookFor } from '../../server/webhooks/platforms.ts';

/** WooCommerce's documented responses (tests/fixtures/platforms/woocommerce/SOURCES.md) read by the connector, and the stand-in held to their shape. */

const dir = path.join(import.meta.dirname, '../fixtures/platforms/woocommerce');
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const withoutPayload = ({ payload: _p, ...r }: PlatformRecord) => r;

const ORDER_727 = {
  kind: 'order',
  externalId: '727',
  occurredOn: '2017-03-22',
  amount: 29.35,
  currency: 'USD',
  status: 'processing',
  updatedAt: '2017-03-22T19:28:08.000Z',
};
const ORDER_723 = {
  kind: 'order',
  externalId: '723',
  occurredOn: '2017-03-21',
  amount: 39,
  currency: 'USD',
  status: 'completed',
  updatedAt: '2017-03-21T19:54:51.000Z',
};
/** Dated by their own date_created_gmt (the listing gives them no date), amounts positive. */
const REFUNDS_723 = [
  { kind: 'refund', externalId: '726', occurredOn: '2017-03-21', amount: 10, currency: 'USD', status: 'completed', updatedAt: '2017-03-21T20:07:11.000Z' },
  { kind: 'refund', externalId: '724', occurredOn: '2017-03-21', amount: 9, currency: 'USD', status: 'completed', updatedAt: '2017-03-21T19:55:37.000Z' },
];

describe('documented responses through the schemas and mappers', () => {
  it('"List all orders": orders on their GMT day; the refunds they list have ids and totals but no date', () => {
    const orders = wooOrderSchema.array().parse(fixture('orders-list.json'));
    expect(orders.map((o) => withoutPayload(wooOrderToRecord(o)))).toEqual([ORDER_727, ORDER_723]);
    expect(orders[1].refunds).toEqual([
      { id: 726, refund: '', total: '-10.00' },
      { id: 724, refund: '', total: '-9.00' },
    ]);
  });

  it('"List all refunds" of order 723: the same refunds, each dated by date_created_gmt (not date_created, site time)', () => {
    const refunds = wooRefundSchema.array().parse(fixture('order-723-refunds.json'));
    expect(refunds.map((r) => withoutPayload(wooRefundToRecord(r, { id: 723, currency: 'USD' })))).toEqual(REFUNDS_723);
    expect(wooRefundToRecord(refunds[0], { id: 723, currency: 'USD' }).payload).toMatchObject({ id: 726, order_id: 723, date_created: '2017-03-21T17:07:11' });
  });

  it('the WordPress error bodies become errors that say what to fix', () => {
    const cannotView = wooError(401, fixture('error-cannot-view.json'), 'http:');
    expect(cannotView).toBeInstanceOf(PlatformAuthError);
    expect(cannotView?.message).toBe('WooCommerce → 401 woocommerce_rest_cannot_view: Sorry, you cannot list resources. (the key needs Read access)');
    expect(wooError(401, fixture('error-cannot-view.json'), 'https:')?.message).toMatch(/over HTTPS only when it sees HTTPS itself/);
    const signature = wooError(401, fixture('error-invalid-signature.json'), 'http:');
    expect(signature).toBeInstanceOf(PlatformAuthError);
    expect(signature?.message).toMatch(/store URL must be WordPress's own address/);
    const clock = wooError(401, fixture('error-invalid-timestamp.json'), 'http:');
    expect(clock).toBeInstanceOf(PlatformAccessError);
    expect(clock).toMatchObject({ alertType: 'PLATFORM_CLOCK_SKEW', status: 401 });
    expect(wooError(500, { code: 'internal_server_error', message: 'boom' }, 'http:')).toBeUndefined();
  });
});

describe('the connector against a server answering with the documented bodies', () => {
  let server: http.Server;
  let base = '';
  const seen: string[] = [];
  beforeAll(async () => {
    const bodies: Record<string, unknown> = {
      '/wp-json/wc/v3/orders': fixture('orders-list.json'),
      '/wp-json/wc/v3/orders/723/refunds': fixture('order-723-refunds.json'),
    };
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(url.pathname);
      const body = bodies[url.pathname];
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json', 'X-WP-Total': '2', 'X-WP-TotalPages': '1' });
      res.end(JSON.stringify(body ?? { code: 'rest_no_route' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the listing, then the refunds of the one order that lists some: every record, refunds dated by their own day', async () => {
    const ctx = { baseUrl: base, credentials: { consumerKey: 'ck_1', consumerSecret: 'cs_1' }, settings: {}, signal: new AbortController().signal };
    const records: PlatformRecord[] = [];
    let token: string | undefined;
    do {
      const page = await woocommerceConnector.fetchPage(ctx, { startDate: '2017-03-01', endDate: '2017-03-31' }, token);
      records.push(...page.records);
      token = page.nextPage;
    } while (token && seen.length < 10);
    expect(seen).toEqual(['/wp-json/wc/v3/orders', '/wp-json/wc/v3/orders/723/refunds']);
    expect(records.map(withoutPayload)).toEqual([ORDER_727, ORDER_723, ...REFUNDS_723]);
  });
});

describe('webhook deliveries as WooCommerce sends them', () => {
  const delivery = fixture('webhook-order-updated.json') as { headers: Record<string, string>; body: unknown };
  const ping = fixture('webhook-ping.json') as { headers: Record<string, string>; body: string };
  const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  // wp_json_encode: compact, with "/" escaped.
  const raw = Buffer.from(JSON.stringify(delivery.body).replace(/\//g, '\\/'));
  const signed = { ...lower(delivery.headers), 'x-wc-webhook-signature': createHmac('sha256', 'woo-secret').update(raw).digest('base64') };
  const hook = webhookFor('woocommerce');

  it('order.updated: signature over the exact bytes; the order maps to its record (its refunds wait for the sync)', () => {
    expect(hook.verify(raw, signed, 'woo-secret').ok).toBe(true);
    const body = readSignedBody(raw);
    expect(body.ok).toBe(true);
    const mapped = mapWebhookEvent('woocommerce', 'order.updated', body.ok ? body.payload : undefined);
    expect(mapped.kind === 'records' ? mapped.records.map(withoutPayload) : mapped).toEqual([ORDER_727]);
  });

  it('the event id is the delivery id with the digest of the body: two deliveries in one second stay two', () => {
    const event = hook.describe(undefined, signed, raw);
    expect(event).toMatchObject({ eventType: 'order.updated', signature: signed['x-wc-webhook-signature'] });
    expect(event.eventId).toMatch(/^6c4b9f5ad2a1e3b7f0c8d9e2a4b6c8d0-[0-9a-f]{16}$/);
    const other = Buffer.from(raw.toString().replace('"status":"processing"', '"status":"completed"'));
    expect(hook.describe(undefined, signed, other).eventId).not.toBe(event.eventId);
    expect(hook.describe(undefined, signed, Buffer.from(raw)).eventId).toBe(event.eventId);
  });

  it('the ping is recognised; a signed or a JSON delivery is not a ping', () => {
    expect(hook.isPing?.(Buffer.from(ping.body), lower(ping.headers))).toBe(true);
    expect(hook.isPing?.(raw, lower(delivery.headers))).toBe(false);
    expect(hook.isPing?.(Buffer.from(ping.body), { ...lower(ping.headers), 'x-wc-webhook-signature': 'abc=' })).toBe(false);
    expect(hook.isPing?.(Buffer.from('webhook_id=12&x=1'), lower(ping.headers))).toBe(false);
  });
});

describe('the stand-in answers in the documented shape', () => {
  let s: CommerceStandin;
  beforeAll(async () => {
    s = await startStandin('woocommerce', { now: Date.parse('2025-03-15T12:00:00Z'), days: 30 });
  });
  afterAll(() => s.close());

  const get = async (p: string) => {
    const { url, headers } = wooAuthorize(new URL(`${s.url}${p}`), s.credentials);
    const res = await fetch(url, { headers });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>[];
  };
  const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const shapeOf = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, jsonType(o[k])]));

  it('an order: only documented fields, of the documented JSON types; its refunds listed without a date', async () => {
    const documented = (fixture('orders-list.json') as Record<string, unknown>[])[1];
    const refunded = s.orders.find((o) => o.refunds.length > 0)!;
    const [order] = (await get(`/wp-json/wc/v3/orders?include=${refunded.id}&per_page=100`)).filter((o) => String(o.id) === refunded.id);
    const keys = Object.keys(order);
    expect(keys.filter((k) => !(k in documented))).toEqual([]);
    expect(shapeOf(order, keys)).toEqual(shapeOf(documented, keys));
    expect(Object.keys((order.refunds as Record<string, unknown>[])[0]).sort()).toEqual(['id', 'reason', 'total']);
    expect(wooOrderSchema.parse(order).refunds.length).toBe(refunded.refunds.length);
  });

  it("an order's refunds: every documented field, of the documented JSON types, dates without an offset", async () => {
    const documented = (fixture('order-723-refunds.json') as Record<string, unknown>[])[0];
    const refunded = s.orders.find((o) => o.refunds.length > 0)!;
    const [refund] = await get(`/wp-json/wc/v3/orders/${refunded.id}/refunds`);
    const keys = Object.keys(documented).filter((k) => k !== '_links');
    expect(shapeOf(refund, keys)).toEqual(shapeOf(documented, keys));
    expect(refund.date_created_gmt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(wooRefundSchema.parse(refund).id).toBe(Number(refunded.refunds.at(-1)!.id));
  });
});
