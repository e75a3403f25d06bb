import { z } from 'zod';
import type { Connector, Page, PlatformRecord } from './types.ts';
import { credential, parseBody, requestJson } from './http.ts';
import { day, isoSeconds, sinceMs, utcDay, utcIso } from './dates.ts';
import { amount, roundMoney } from './money.ts';
import { apiUrl } from './urls.ts';

export const SHOPIFY_API_VERSION = '2024-10';
/** Shopify's maximum page size. */
const LIMIT = 250;

const id = z.union([z.number(), z.string()]);
const money = z.union([z.string(), z.number()]);

const transactionSchema = z.looseObject({
  amount: money,
  kind: z.string().optional(),
  status: z.string().optional(),
  currency: z.string().nullish(),
});
export const shopifyRefundSchema = z.looseObject({
  id,
  created_at: z.string(),
  processed_at: z.string().nullish(),
  transactions: z.array(transactionSchema).default([]),
});
export const shopifyOrderSchema = z.looseObject({
  id,
  created_at: z.string(),
  updated_at: z.string(),
  total_price: money,
  currency: z.string(),
  financial_status: z.string().nullish(),
  refunds: z.array(shopifyRefundSchema).default([]),
});
const ordersSchema = z.looseObject({ orders: z.array(shopifyOrderSchema) });

export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;

/** An order and each of its refunds; a refund's amount is what its successful refund transactions moved. */
export function shopifyOrderToRecords(order: ShopifyOrder): PlatformRecord[] {
  const records: PlatformRecord[] = [
    {
      kind: 'order',
      externalId: String(order.id),
      occurredOn: utcDay(order.created_at),
      amount: amount(order.total_price, 'total_price'),
      currency: order.currency,
      status: order.financial_status ?? 'unknown',
      updatedAt: utcIso(order.updated_at),
      payload: order,
    },
  ];
  for (const refund of order.refunds) records.push(shopifyRefundToRecord(refund, order));
  return records;
}

export type ShopifyRefund = z.infer<typeof shopifyRefundSchema>;

/** A refund (inside an order, or alone in a refunds/create webhook): what its successful refund transactions moved. */
export function shopifyRefundToRecord(refund: ShopifyRefund, order: { id: string | number; currency: string }): PlatformRecord {
  const moved = refund.transactions.filter((t) => (t.kind ?? 'refund') === 'refund' && (t.status ?? 'success') === 'success');
  return {
    kind: 'refund',
    externalId: String(refund.id),
    occurredOn: utcDay(refund.created_at),
    amount: roundMoney(moved.reduce((sum, t) => sum + amount(t.amount, 'refund amount'), 0)),
    currency: moved.find((t) => t.currency)?.currency ?? order.currency,
    status: moved.length > 0 ? 'success' : 'pending',
    updatedAt: utcIso(refund.processed_at ?? refund.created_at),
    payload: { ...refund, order_id: order.id },
  };
}

/** The page_info of the `rel="next"` link in a Link header (which may also carry rel="previous"). */
export function parseLinkNext(link: string | null): string | undefined {
  for (const part of link?.split(',') ?? []) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (m) return new URL(m[1], 'http://x').searchParams.get('page_info') ?? undefined;
  }
  return undefined;
}

/** "32/40" → { used: 32, max: 40 }. */
export function parseCallLimit(header: string | null): Page['callLimit'] {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(header ?? '');
  return m ? { used: Number(m[1]), max: Number(m[2]) } : undefined;
}

export const shopifyConnector: Connector = {
  platform: 'shopify',
  defaultBaseUrl: 'https://{shopDomain}',
  async fetchPage(ctx, window, pageToken) {
    // Shopify refuses filters next to page_info: the cursor carries the first request's filters.
    const query = pageToken
      ? { limit: LIMIT, page_info: pageToken }
      : {
          status: 'any',
          limit: LIMIT,
          created_at_min: `${day(window.startDate)}T00:00:00Z`,
          created_at_max: `${day(window.endDate)}T23:59:59Z`,
          updated_at_min: window.since ? isoSeconds(sinceMs(window.since)) : undefined,
        };
    const url = apiUrl(ctx.baseUrl, ctx.settings, `/admin/api/${SHOPIFY_API_VERSION}/orders.json`, query);
    const { body, headers } = await requestJson(ctx, url, {
      headers: { 'X-Shopify-Access-Token': credential(ctx, 'accessToken'), Accept: 'application/json' },
    });
    const { orders } = parseBody(ordersSchema, body, 'Shopify orders');
    return {
      records: orders.flatMap(shopifyOrderToRecords),
      metrics: [],
      nextPage: parseLinkNext(headers.get('link')),
      callLimit: parseCallLimit(headers.get('x-shopify-shop-api-call-limit')),
    };
  },
};
