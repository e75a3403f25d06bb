import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseCallLimit, parseLinkNext, shopifyOrderToRecords, type ShopifyOrder } from '../../server/domain/connectors/shopify.ts';
import { wooOrderToRecords, type WooOrder } from '../../server/domain/connectors/woocommerce.ts';
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

describe('Shopify headers', () => {
  it('finds the next page_info among previous and next links', () => {
    const link =
      '<https://shop.myshopify.com/admin/api/2024-10/orders.json?limit=250&page_info=prevXYZ>; rel="previous", ' +
      '<https://shop.myshopify.com/admin/api/2024-10/orders.json?limit=250&page_info=nextABC>; rel="next"';
    expect(parseLinkNext(link)).toBe('nextABC');
    expect(parseLinkNext('<https://x/orders.json?page_info=p>; rel="previous"')).toBeUndefined();
    expect(parseLinkNext(null)).toBeUndefined();
  });

  it('reads the call limit', () => {
    expect(parseCallLimit('32/40')).toEqual({ used: 32, max: 40 });
    expect(parseCallLimit(null)).toBeUndefined();
    expect(parseCallLimit('lots')).toBeUndefined();
  });
});

describe('wooOrderToRecords', () => {
  const order: WooOrder = {
    id: 727,
    status: 'completed',
    currency: 'EUR',
    total: '29.35',
    date_created_gmt: '2024-10-01T23:10:00',
    date_modified_gmt: '2024-10-04T08:00:00',
    refunds: [{ id: 730, total: '-5.00' }],
  };

  it('GMT times without an offset are UTC; refunds are positive and dated by the order change', () => {
    const [o, r] = wooOrderToRecords(order);
    expect(o).toMatchObject({
      kind: 'order',
      externalId: '727',
      occurredOn: '2024-10-01',
      amount: 29.35,
      status: 'completed',
      updatedAt: '2024-10-04T08:00:00.000Z',
    });
    expect(r).toMatchObject({ kind: 'refund', externalId: '730', occurredOn: '2024-10-04', amount: 5, currency: 'EUR' });
  });
});

describe('stripeChargeToRecords', () => {
  const charge = (over: Partial<StripeCharge> = {}): StripeCharge => ({
    id: 'ch_1',
    amount: 4990,
    amount_refunded: 0,
    currency: 'usd',
    created: Date.parse('2024-10-01T23:59:59Z') / 1000,
    status: 'succeeded',
    ...over,
  });

  it('minor units → major; zero-decimal currencies are not divided', () => {
    expect(stripeAmount(4990, 'usd')).toBe(49.9);
    expect(stripeAmount(5000, 'JPY')).toBe(5000);
    expect(stripeChargeToRecords(charge({ currency: 'jpy', amount: 5000 }))[0]).toMatchObject({ amount: 5000, currency: 'JPY' });
  });

  it('a charge keeps its status and uses created for updatedAt; amount_refunded adds a refund record', () => {
    const [c, r] = stripeChargeToRecords(charge({ amount_refunded: 1000 }));
    expect(c).toMatchObject({
      kind: 'charge',
      externalId: 'ch_1',
      occurredOn: '2024-10-01',
      amount: 49.9,
      currency: 'USD',
      status: 'succeeded',
      updatedAt: '2024-10-01T23:59:59.000Z',
    });
    expect(r).toMatchObject({ kind: 'refund', externalId: 'ch_1-refund', amount: 10, occurredOn: '2024-10-01' });
    expect(stripeChargeToRecords(charge({ status: 'failed' }))).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('embedded refunds (older API versions) date the refund record', () => {
    const refunds = { data: [{ created: Date.parse('2024-10-05T10:00:00Z') / 1000 }] };
    expect(stripeChargeToRecords(charge({ amount_refunded: 1000, refunds }))[1]).toMatchObject({ occurredOn: '2024-10-05' });
  });
});

describe('metrics mapping', () => {
  it('GA rows: YYYYMMDD → day; sessions, totalUsers, conversions → sessions, users, conversions', () => {
    expect(gaDate('20241001')).toBe('2024-10-01');
    expect(() => gaDate('2024-10-01')).toThrow(PlatformRequestError);
    const rows = [{ dimensionValues: [{ value: '20241001' }], metricValues: [{ value: '120' }, { value: '95' }, { value: '3' }] }];
    expect(gaRowsToMetrics(rows)).toEqual([
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
