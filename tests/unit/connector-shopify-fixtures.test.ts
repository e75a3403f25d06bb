/**
 * Shopify's documented (or, where Shopify publishes none, faithfully assembled) responses, read with the
 * connector's own schemas and mappers: see tests/fixtures/platforms/shopify/SOURCES.md.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformAccessError, PlatformAuthError, PlatformRateLimitError } from '../../server/domain/connectors/errors.ts';
import { parseBody } from '../../server/domain/connectors/http.ts';
import { createShopifyConnector, ordersSearch, shopifyGraphqlOrderToRecords } from '../../server/domain/connectors/shopify.ts';
import {
  callLimitOf,
  envelopeSchema,
  graphqlError,
  ORDER_QUERY_COST,
  ORDERS_PER_PAGE,
  ordersDataSchema,
  pauseAfter,
  QueryTooCostlyError,
} from '../../server/domain/connectors/shopify-graphql.ts';
import { shopifyRefundEventToRecord } from '../../server/domain/connectors/shopify-rest.ts';
import type { ConnectorContext } from '../../server/domain/connectors/types.ts';
import { mapWebhookEvent } from '../../server/domain/sync/webhook-events.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/platforms/shopify');
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8'));
const envelope = (name: string) => parseBody(envelopeSchema, fixture(name), name);
const withoutPayload = <T extends { payload: unknown }>(rs: T[]) => rs.map(({ payload: _p, ...r }) => r);

/** The documented refunds/create body with every currency code replaced: a shop that does not sell in USD. */
const inCad = (body: unknown): unknown => JSON.parse(JSON.stringify(body).replaceAll('"USD"', '"CAD"'));

describe('GraphQL envelopes', () => {
  it('the reference example: no errors, its bucket read as callLimit, no pause while it holds the next query', () => {
    const e = envelope('graphql-response-example.json');
    expect(graphqlError(e, 'products')).toBeUndefined();
    expect(e.extensions?.cost).toEqual({
      requestedQueryCost: 3,
      actualQueryCost: 3,
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 997, restoreRate: 50 },
    });
    expect(callLimitOf(e.extensions?.cost)).toEqual({ used: 3, max: 1000 });
    expect(pauseAfter(e.extensions?.cost)).toBeUndefined();
  });

  it('an orders page: cursor, orders in shop money with their REST ids, refunds on their own days', () => {
    const e = envelope('orders-page.json');
    expect(graphqlError(e, 'orders')).toBeUndefined();
    const { orders } = parseBody(ordersDataSchema, e.data, 'orders');
    expect(orders.pageInfo).toEqual({ hasNextPage: true, endCursor: 'eyJsYXN0X2lkIjo0NTA3ODk0NjksImxhc3RfdmFsdWUiOiIyMDA4LTAxLTEwIDE2OjAwOjAwLjAwMDAwMCJ9' });
    expect(withoutPayload(orders.nodes.flatMap((o) => shopifyGraphqlOrderToRecords(o)))).toEqual([
      {
        kind: 'order',
        externalId: '450789469',
        occurredOn: '2008-01-10',
        amount: 598.94,
        currency: 'USD',
        status: 'partially_refunded',
        updatedAt: '2025-04-02T16:38:32.000Z',
      },
      {
        kind: 'refund',
        externalId: '929361471',
        occurredOn: '2025-04-02',
        amount: 5,
        currency: 'USD',
        status: 'success',
        updatedAt: '2025-04-02T16:38:32.000Z',
      },
      {
        kind: 'refund',
        externalId: '929361472',
        occurredOn: '2025-04-02',
        amount: 41.94,
        currency: 'USD',
        status: 'success',
        updatedAt: '2025-04-02T16:38:34.000Z',
      },
      {
        kind: 'order',
        externalId: '1073459963',
        occurredOn: '2025-04-02',
        amount: 238.47,
        currency: 'USD',
        status: 'pending',
        updatedAt: '2025-04-02T16:40:12.000Z',
      },
    ]);
    expect(callLimitOf(e.extensions?.cost)).toEqual({ used: 40, max: 2000 });
  });

  it('THROTTLED (HTTP 200): a rate-limit error that waits (requested − available) / restoreRate = (70 − 66) / 50 s', () => {
    const err = graphqlError(envelope('throttled.json'), 'orders');
    expect(err).toBeInstanceOf(PlatformRateLimitError);
    expect((err as PlatformRateLimitError).retryAfterMs).toBe(80);
    expect((err as PlatformRateLimitError).told).toBe(true);
  });

  it('MAX_COST_EXCEEDED: the cost and the limit, for the connector to shrink its page', () => {
    const err = graphqlError(envelope('max-cost-exceeded.json'), 'orders');
    expect(err).toBeInstanceOf(QueryTooCostlyError);
    expect([(err as QueryTooCostlyError).cost, (err as QueryTooCostlyError).maxCost]).toEqual([2003, 1000]);
  });

  it('protected customer data, as documented (no code) and as seen for orders (ACCESS_DENIED): a permission alert, not a bad token', () => {
    for (const name of ['protected-customer-data.json', 'protected-customer-data-orders.json']) {
      const err = graphqlError(envelope(name), 'orders');
      expect(err, name).toBeInstanceOf(PlatformAccessError);
      expect(err, name).not.toBeInstanceOf(PlatformAuthError);
      expect((err as PlatformAccessError).alertType).toBe('PERMISSION_ERROR');
      expect(err?.message).toMatch(/not approved to access the (Customer|Order) object/);
    }
  });

  it('a scope the token lacks: reconnecting grants it (an auth error, 403)', () => {
    const err = graphqlError(envelope('access-denied-scope.json'), 'orders');
    expect(err).toBeInstanceOf(PlatformAuthError);
    expect((err as PlatformAuthError).status).toBe(403);
    expect(err?.message).toContain('Required access: `write_customers` access scope.');
  });

  it('the page size keeps a query under Shopify’s 1000-point limit', () => {
    expect(ORDER_QUERY_COST).toBe(70);
    expect(ORDERS_PER_PAGE).toBe(14);
    expect(2 + ORDERS_PER_PAGE * ORDER_QUERY_COST).toBe(982);
  });
});

describe('access_scopes.json', () => {
  it('the documented answer (write_orders, no read_all_orders): a window clamped to 60 days, with a notice', () => {
    const { access_scopes } = fixture('access-scopes.json') as { access_scopes: { handle: string }[] };
    const scopes = new Set(access_scopes.map((s) => s.handle));
    expect(ordersSearch({ startDate: '2026-09-03', endDate: '2026-12-01' }, scopes, '2026-12-01')).toEqual({
      query: "created_at:>='2026-10-03T00:00:00Z' AND created_at:<='2026-12-01T23:59:59Z'",
      sortKey: 'CREATED_AT',
      notice: 'orders older than 60 days are not readable without the read_all_orders scope; synced from 2026-10-03',
      empty: false,
    });
  });
});

describe('refunds/create (REST-shaped)', () => {
  it("the documented refund: its REST id, its transaction's amount and currency, on its own UTC day", () => {
    expect(withoutPayload([shopifyRefundEventToRecord(fixture('refunds-create.json'))])).toEqual([
      {
        kind: 'refund',
        externalId: '929361471',
        occurredOn: '2025-04-02',
        amount: 5,
        currency: 'USD',
        status: 'success',
        updatedAt: '2025-04-02T16:38:32.000Z',
      },
    ]);
  });

  it('a shop in CAD: the currency comes from the payload, through mapWebhookEvent', () => {
    const mapped = mapWebhookEvent('shopify', 'refunds/create', inCad(fixture('refunds-create.json')));
    expect(mapped).toMatchObject({ kind: 'records', records: [{ externalId: '929361471', amount: 5, currency: 'CAD' }] });
  });

  it('no transaction currency (as in sample deliveries): refund_line_items, then order_adjustments, then shipping, then duties say it', () => {
    const base = inCad(fixture('refunds-create.json')) as Record<string, unknown> & { transactions: Record<string, unknown>[] };
    const body = { ...base, transactions: base.transactions.map((t) => ({ ...t, currency: null })) };
    const currencyOf = (over: object) => shopifyRefundEventToRecord({ ...body, ...over }).currency;
    // The documented example refunds shipping only: order_adjustments say CAD.
    expect(currencyOf({})).toBe('CAD');
    const set = (code: string) => ({ shop_money: { amount: '1.00', currency_code: code }, presentment_money: { amount: '1.00', currency_code: 'EUR' } });
    expect(currencyOf({ refund_line_items: [{ subtotal_set: set('JPY') }] })).toBe('JPY');
    expect(currencyOf({ order_adjustments: [], refund_shipping_lines: [{ subtotal_amount_set: set('GBP') }] })).toBe('GBP');
    expect(currencyOf({ order_adjustments: [], refund_shipping_lines: [] })).toBe('CAD');
    expect(() => currencyOf({ order_adjustments: [], refund_shipping_lines: [], total_duties_set: null, total_additional_fees_set: null })).toThrow(
      /names no currency/,
    );
  });
});

describe('the connector over HTTP, answering with the fixtures', () => {
  let server: http.Server;
  let base: string;
  /** What the fake Shopify answers next to the GraphQL endpoint: [status, fixture]. */
  let next: [number, string] = [200, 'orders-page.json'];
  const seen: { method: string; path: string; body: string; headers: http.IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', path: req.url ?? '', body, headers: req.headers });
        const [status, name] = req.url === '/admin/oauth/access_scopes.json' ? [200, 'access-scopes.json'] : next;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(fs.readFileSync(path.join(DIR, name)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const connector = createShopifyConnector({ apiVersion: '2026-10', now: () => Date.parse('2025-04-03T12:00:00Z') });
  const ctx = (): ConnectorContext => ({
    baseUrl: base,
    credentials: { accessToken: 'shpat_fixture' },
    settings: {},
    signal: new AbortController().signal,
  });

  it('a page: scopes first, then one POST to the configured version with the token; records, cursor, callLimit and the 60-day notice', async () => {
    next = [200, 'orders-page.json'];
    seen.length = 0;
    const page = await connector.fetchPage(ctx(), { startDate: '2025-01-04', endDate: '2025-04-03' });
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /admin/oauth/access_scopes.json', 'POST /admin/api/2026-10/graphql.json']);
    expect(seen[1].headers).toMatchObject({ 'x-shopify-access-token': 'shpat_fixture', 'content-type': 'application/json' });
    expect(JSON.parse(seen[1].body).variables).toEqual({
      first: 14,
      after: null,
      // write_orders without read_all_orders: 60 days back from 2025-04-03.
      query: "created_at:>='2025-02-03T00:00:00Z' AND created_at:<='2025-04-03T23:59:59Z'",
      sortKey: 'CREATED_AT',
    });
    expect(page.records.map((r) => `${r.kind}/${r.externalId}`)).toEqual(['order/450789469', 'refund/929361471', 'refund/929361472', 'order/1073459963']);
    expect(page).toMatchObject({
      nextPage: 'eyJsYXN0X2lkIjo0NTA3ODk0NjksImxhc3RfdmFsdWUiOiIyMDA4LTAxLTEwIDE2OjAwOjAwLjAwMDAwMCJ9',
      callLimit: { used: 40, max: 2000 },
      notice: 'orders older than 60 days are not readable without the read_all_orders scope; synced from 2025-02-03',
    });
    expect(page.pauseMs).toBeUndefined();
  });

  it('THROTTLED with HTTP 200, and a REST 403 for protected data, are read from the body', async () => {
    next = [200, 'throttled.json'];
    const throttled = await connector.fetchPage(ctx(), { startDate: '2025-04-01', endDate: '2025-04-03' }).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(PlatformRateLimitError);
    expect((throttled as PlatformRateLimitError).retryAfterMs).toBe(80);

    next = [403, 'protected-customer-data-rest-403.json'];
    const refused = await connector.fetchPage(ctx(), { startDate: '2025-04-01', endDate: '2025-04-03' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PlatformAccessError);
    expect(refused).toMatchObject({ alertType: 'PERMISSION_ERROR', status: 403 });

    next = [401, 'invalid-token-401.json'];
    const bad = await connector.fetchPage(ctx(), { startDate: '2025-04-01', endDate: '2025-04-03' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PlatformAuthError);
    expect((bad as PlatformAuthError).message).toContain('Invalid API key or access token');
  });

  it('MAX_COST_EXCEEDED: the same page asked again with fewer orders, then a clear request error', async () => {
    next = [200, 'max-cost-exceeded.json'];
    seen.length = 0;
    const err = await connector.fetchPage(ctx(), { startDate: '2025-04-01', endDate: '2025-04-03' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTooCostlyError);
    // 14 → 14 × 1000 / 2003 = 6 → 2: three tries, each smaller.
    expect(seen.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body).variables.first)).toEqual([14, 6, 2]);
  });
});
