import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ordersSearch, shopifyGraphqlOrderToRecords, shopifyOrderToRecords, type ShopifyOrder } from '../../server/domain/connectors/shopify.ts';
import { callLimitOf, type GraphqlOrder, gidTail, legacyId, pauseAfter } from '../../server/domain/connectors/shopify-graphql.ts';
import { wooOrderToRecord, wooRefundToRecord, type WooOrder } from '../../server/domain/connectors/woocommerce.ts';
import { stripeAmount, stripeChargeToRecords, type StripeCharge } from '../../server/domain/connectors/stripe.ts';
import { gaDate, gaRowsToMetrics } from '../../server/domain/connectors/google-analytics.ts';
import { facebookError, facebookNextToken, facebookRowsToMetrics } from '../../server/domain/connectors/facebook-ads.ts';
import { parseBody, parseRetryAfter } from '../../server/domain/connectors/http.ts';
import { apiUrl, resolveBaseUrl } from '../../server/domain/connectors/urls.ts';
import { PlatformAuthError, PlatformRateLimitError, PlatformRequestError } from '../../server/domain/connectors/errors.ts';

const shopifyOrder = (over: Partial<ShopifyOrder> = {}): ShopifyOrder => ({
  id: 450789469,
  created_at: '2024-10-01T21:30:00-04:00',
  updated_at: '2024-10-03T09:00:00-04:00',
  total_price: '199.65',
  currency: 'USD',
  financial_status: 'partially_refunded',
  refunds: [],
  ...over,
});

describe('shopifyOrderToRecords', () => {
  it('an order counts on its UTC day, total_price as a number, updatedAt in UTC', () => {
    const [order] = shopifyOrderToRecords(shopifyOrder());
    expect(order).toMatchObject({
      kind: 'order',
      externalId: '450789469',
      occurredOn: '2024-10-02',
      amount: 199.65,
      currency: 'USD',
      status: 'partially_refunded',
      updatedAt: '2024-10-03T13:00:00.000Z',
    });
  });

  it('a refund sums its successful refund transactions and counts on its own day', () => {
    const records = shopifyOrderToRecords(
      shopifyOrder({
        refunds: [
          {
            id: 509562969,
            created_at: '2024-10-03T08:59:00-04:00',
            transactions: [
              { amount: '10.10', kind: 'refund', status: 'success' },
              { amount: '0.20', kind: 'refund', status: 'success' },
              { amount: '50.00', kind: 'refund', status: 'failure' },
            ],
          },
        ],
      }),
    );
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ kind: 'refund', externalId: '509562969', occurredOn: '2024-10-03', amount: 10.3, currency: 'USD' });
    expect(records[1].payload).toMatchObject({ order_id: 450789469 });
  });
});

describe('Shopify GraphQL', () => {
  const gqlOrder = (over: Partial<GraphqlOrder> = {}): GraphqlOrder => ({
    id: 'gid://shopify/Order/820982911946154508',
    legacyResourceId: '820982911946154508',
    createdAt: '2026-11-30T03:00:00Z',
    updatedAt: '2026-11-30T05:00:00Z',
    displayFinancialStatus: 'PARTIALLY_REFUNDED',
    currencyCode: 'CAD',
    totalPriceSet: { shopMoney: { amount: '49.9', currencyCode: 'CAD' } },
    refunds: [
      {
        id: 'gid://shopify/Refund/890088186047892319',
        createdAt: '2026-12-01T00:30:00Z',
        updatedAt: '2026-12-01T00:31:00Z',
        transactions: {
          nodes: [
            { id: 'gid://shopify/OrderTransaction/1', kind: 'REFUND', status: 'SUCCESS', amountSet: { shopMoney: { amount: '10.1', currencyCode: 'CAD' } } },
            { id: 'gid://shopify/OrderTransaction/2', kind: 'REFUND', status: 'SUCCESS', amountSet: { shopMoney: { amount: '0.2', currencyCode: 'CAD' } } },
            { id: 'gid://shopify/OrderTransaction/3', kind: 'REFUND', status: 'FAILURE', amountSet: { shopMoney: { amount: '40.0', currencyCode: 'CAD' } } },
          ],
        },
      },
    ],
    ...over,
  });

  it('an order in shop money, its REST id, its status in REST words; a refund of its successful transactions on its own day', () => {
    const [order, refund] = shopifyGraphqlOrderToRecords(gqlOrder());
    expect(order).toMatchObject({
      kind: 'order',
      externalId: '820982911946154508',
      occurredOn: '2026-11-30',
      amount: 49.9,
      currency: 'CAD',
      status: 'partially_refunded',
      updatedAt: '2026-11-30T05:00:00.000Z',
    });
    // No legacyResourceId on the refund: the GID's tail is the same number, kept as text (it is past 2^53).
    expect(refund).toMatchObject({
      kind: 'refund',
      externalId: '890088186047892319',
      occurredOn: '2026-12-01',
      amount: 10.3,
      currency: 'CAD',
      status: 'success',
      updatedAt: '2026-12-01T00:31:00.000Z',
    });
    expect(refund.payload).toMatchObject({ orderId: '820982911946154508' });
  });

  it('a refund with no successful transaction is pending; an order created before ordersFrom gives only its refunds', () => {
    const order = gqlOrder();
    order.refunds[0].transactions.nodes = [order.refunds[0].transactions.nodes[2]];
    expect(shopifyGraphqlOrderToRecords(order, '2026-12-01').map((r) => [r.kind, r.amount, r.status])).toEqual([['refund', 0, 'pending']]);
    expect(shopifyGraphqlOrderToRecords(gqlOrder({ displayFinancialStatus: null, refunds: [] }))).toMatchObject([{ status: 'unknown' }]);
  });

  it('ids: the legacy id, else the GID tail', () => {
    expect(gidTail('gid://shopify/Refund/929361471')).toBe('929361471');
    expect(gidTail('gid://shopify/LineItem/12?order_id=4')).toBe('12');
    expect(legacyId({ id: 'gid://shopify/Order/1', legacyResourceId: '450789469' })).toBe('450789469');
    expect(legacyId({ id: 'gid://shopify/Order/450789469' })).toBe('450789469');
  });

  it('the cost bucket: points spent as callLimit, and a pause when the next page would not fit', () => {
    const cost = { requestedQueryCost: 982, actualQueryCost: 90, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 782, restoreRate: 100 } };
    expect(callLimitOf(cost)).toEqual({ used: 1218, max: 2000 });
    expect(pauseAfter(cost)).toBe(2000);
    expect(pauseAfter({ ...cost, throttleStatus: { ...cost.throttleStatus, currentlyAvailable: 1500 } })).toBeUndefined();
    expect(callLimitOf({ requestedQueryCost: 3 })).toBeUndefined();
    expect(pauseAfter(undefined)).toBeUndefined();
  });

  it('the search: created in the window, or changed since the cursor; clamped to 60 days without read_all_orders', () => {
    const all = new Set(['read_orders', 'read_all_orders']);
    const recent = new Set(['read_orders']);
    const full = { startDate: '2026-09-03', endDate: '2026-12-01' };
    expect(ordersSearch(full, all, '2026-12-01')).toEqual({
      query: "created_at:>='2026-09-03T00:00:00Z' AND created_at:<='2026-12-01T23:59:59Z'",
      sortKey: 'CREATED_AT',
      notice: undefined,
      empty: false,
    });
    expect(ordersSearch(full, recent, '2026-12-01')).toEqual({
      query: "created_at:>='2026-10-03T00:00:00Z' AND created_at:<='2026-12-01T23:59:59Z'",
      sortKey: 'CREATED_AT',
      notice: 'orders older than 60 days are not readable without the read_all_orders scope; synced from 2026-10-03',
      empty: false,
    });
    expect(ordersSearch({ startDate: '2026-08-01', endDate: '2026-08-31' }, recent, '2026-12-01')).toMatchObject({ empty: true });
    const inc = { ...full, since: '2026-11-30T10:00:00.123Z' };
    expect(ordersSearch(inc, all, '2026-12-01')).toEqual({
      query: "updated_at:>='2026-11-30T10:00:00Z'",
      sortKey: 'UPDATED_AT',
      ordersFrom: '2026-09-03',
      notice: undefined,
    });
    expect(ordersSearch(inc, recent, '2026-12-01').query).toBe("updated_at:>='2026-11-30T10:00:00Z' AND created_at:>='2026-10-03T00:00:00Z'");
  });
});

describe('wooOrderToRecord, wooRefundToRecord', () => {
  const order: WooOrder = {
    id: 727,
    status: 'completed',
    currency: 'EUR',
    total: '29.35',
    date_created_gmt: '2024-10-01T23:10:00',
    date_modified_gmt: '2024-10-04T08:00:00',
    refunds: [{ id: 730, total: '-5.00' }],
  };

  it('GMT times without an offset are UTC; a refund is positive and dated by its own date_created_gmt, not the order change', () => {
    expect(wooOrderToRecord(order)).toMatchObject({
      kind: 'order',
      externalId: '727',
      occurredOn: '2024-10-01',
      amount: 29.35,
      status: 'completed',
      updatedAt: '2024-10-04T08:00:00.000Z',
    });
    const r = wooRefundToRecord({ id: 730, date_created_gmt: '2024-10-02T23:30:00', amount: '5.00' }, order);
    expect(r).toMatchObject({
      kind: 'refund',
      externalId: '730',
      occurredOn: '2024-10-02',
      amount: 5,
      currency: 'EUR',
      updatedAt: '2024-10-02T23:30:00.000Z',
      payload: { order_id: 727 },
    });
  });
});

describe('stripeChargeToRecords', () => {
  const charge = (over: Partial<StripeCharge> = {}): StripeCharge => ({
    id: 'ch_1',
    amount: 4990,
    amount_captured: 4990,
    amount_refunded: 0,
    captured: true,
    currency: 'usd',
    created: Date.parse('2024-10-01T23:59:59Z') / 1000,
    status: 'succeeded',
    ...over,
  });

  it('minor units → major; zero-decimal currencies are not divided', () => {
    expect(stripeAmount(4990, 'usd')).toBe(49.9);
    expect(stripeAmount(5000, 'JPY')).toBe(5000);
    expect(stripeChargeToRecords(charge({ currency: 'jpy', amount: 5000, amount_captured: 5000 }))[0]).toMatchObject({ amount: 5000, currency: 'JPY' });
  });

  it('a charge keeps its status and uses created for updatedAt; amount_refunded alone adds no record (refunds are their own)', () => {
    const [c, ...rest] = stripeChargeToRecords(charge({ amount_refunded: 1000 }));
    expect(c).toMatchObject({
      kind: 'charge',
      externalId: 'ch_1',
      occurredOn: '2024-10-01',
      amount: 49.9,
      currency: 'USD',
      status: 'succeeded',
      updatedAt: '2024-10-01T23:59:59.000Z',
    });
    expect(rest).toEqual([]);
    expect(stripeChargeToRecords(charge({ status: 'failed' }))).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('embedded refunds (versions before 2022-11-15) become refund records on their own day', () => {
    const refunds = { data: [{ id: 're_1', amount: 1000, currency: 'usd', created: Date.parse('2024-10-05T10:00:00Z') / 1000, status: 'succeeded' }] };
    expect(stripeChargeToRecords(charge({ amount_refunded: 1000, refunds }))[1]).toMatchObject({
      kind: 'refund',
      externalId: 're_1',
      amount: 10,
      occurredOn: '2024-10-05',
    });
  });
});

describe('metrics mapping', () => {
  it('GA rows: YYYYMMDD → day; sessions, totalUsers, keyEvents → sessions, users, conversions (values in metric-header order)', () => {
    expect(gaDate('20241001')).toBe('2024-10-01');
    expect(() => gaDate('2024-10-01')).toThrow(PlatformRequestError);
    const rows = [{ dimensionValues: [{ value: '20241001' }], metricValues: [{ value: '120' }, { value: '95' }, { value: '3' }] }];
    expect(gaRowsToMetrics(rows, ['sessions', 'totalUsers', 'keyEvents'])).toEqual([
      { date: '2024-10-01', metric: 'sessions', value: 120 },
      { date: '2024-10-01', metric: 'users', value: 95 },
      { date: '2024-10-01', metric: 'conversions', value: 3 },
    ]);
  });

  it('Facebook rows: spend, impressions, clicks → ad_spend, impressions, clicks', () => {
    expect(facebookRowsToMetrics([{ date_start: '2024-10-01', spend: '12.34', impressions: '1000', clicks: '20' }])).toEqual([
      { date: '2024-10-01', metric: 'ad_spend', value: 12.34 },
      { date: '2024-10-01', metric: 'impressions', value: 1000 },
      { date: '2024-10-01', metric: 'clicks', value: 20 },
    ]);
  });
});

describe('Facebook paging and errors', () => {
  it('the next-page token is paging.next query without the access token (origin and path are not kept)', () => {
    const token = facebookNextToken('https://evil.example/v19.0/act_1/insights?fields=spend&access_token=SECRET&after=abc');
    expect(token).toBe('fields=spend&after=abc');
    expect(facebookNextToken(undefined)).toBeUndefined();
  });

  it('error.code says auth (190) or throttling (17), whatever the HTTP status', () => {
    const headers = new Headers();
    expect(facebookError(400, { error: { code: 190, message: 'Invalid OAuth access token' } }, headers)).toBeInstanceOf(PlatformAuthError);
    const throttled = facebookError(400, { error: { code: 17, message: 'User request limit reached' } }, headers);
    expect(throttled).toBeInstanceOf(PlatformRateLimitError);
    expect((throttled as PlatformRateLimitError).retryAfterMs).toBe(60_000);
    expect(facebookError(400, { error: { code: 100 } }, headers)).toBeUndefined();
  });
});

describe('http helpers', () => {
  it('Retry-After: seconds (also "2.0"), HTTP date, or 1 s by default', () => {
    const now = Date.parse('2024-10-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('2.0', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Tue, 01 Oct 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 30 Sep 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBe(1000);
    expect(parseRetryAfter(null, now)).toBe(1000);
  });

  it('a response shape we cannot read is a PlatformRequestError', () => {
    expect(() => parseBody(z.object({ orders: z.array(z.unknown()) }), { order: [] }, 'x')).toThrow(PlatformRequestError);
  });

  it('base URLs: placeholders from settings, path prefixes kept, a missing setting is a request error', () => {
    expect(resolveBaseUrl('https://{shopDomain}', { shopDomain: 'a.myshopify.com' }).href).toBe('https://a.myshopify.com/');
    expect(apiUrl('http://127.0.0.1:9/proxy/', {}, '/v1/charges', { limit: 100, x: undefined }).href).toBe('http://127.0.0.1:9/proxy/v1/charges?limit=100');
    expect(() => resolveBaseUrl('{storeUrl}', {})).toThrow(PlatformRequestError);
    expect(() => resolveBaseUrl('file:///etc/passwd', {})).toThrow(PlatformRequestError);
  });
});
