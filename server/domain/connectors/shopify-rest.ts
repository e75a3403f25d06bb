/**
 * Shopify's REST-shaped payloads: what classic webhooks (orders/*, refunds/create) still carry, whatever
 * API the sync reads. Mapped to the same records as the GraphQL sync (same externalId, the numeric REST
 * id), so an order or refund that arrives both ways is one row.
 */
import { z } from 'zod';
import { PlatformRequestError } from './errors.ts';
import type { PlatformRecord } from './types.ts';
import { utcDay, utcIso } from './dates.ts';
import { amount, roundMoney } from './money.ts';
import { gidTail } from './shopify-graphql.ts';

const id = z.union([z.number(), z.string()]);
const money = z.union([z.string(), z.number()]);
/** A REST money set: { shop_money: { amount, currency_code }, presentment_money: … }. */
const moneySet = z.looseObject({ shop_money: z.looseObject({ amount: money.nullish(), currency_code: z.string().nullish() }).nullish() }).nullish();

const transactionSchema = z.looseObject({
  amount: money,
  kind: z.string().optional(),
  status: z.string().optional(),
  // Null in Shopify's sample deliveries.
  currency: z.string().nullish(),
});
export const shopifyRefundSchema = z.looseObject({
  id,
  admin_graphql_api_id: z.string().nullish(),
  created_at: z.string(),
  processed_at: z.string().nullish(),
  transactions: z.array(transactionSchema).default([]),
  refund_line_items: z.array(z.looseObject({ subtotal_set: moneySet })).optional(),
  order_adjustments: z.array(z.looseObject({ amount_set: moneySet })).optional(),
  refund_shipping_lines: z.array(z.looseObject({ subtotal_amount_set: moneySet })).optional(),
  total_duties_set: moneySet,
  total_additional_fees_set: moneySet,
});
export const shopifyOrderSchema = z.looseObject({
  id,
  admin_graphql_api_id: z.string().nullish(),
  created_at: z.string(),
  updated_at: z.string(),
  total_price: money,
  total_price_set: moneySet,
  currency: z.string(),
  financial_status: z.string().nullish(),
  refunds: z.array(shopifyRefundSchema).default([]),
});
/** A refunds/create delivery: the refund itself, with its order's id. */
export const shopifyRefundEventSchema = shopifyRefundSchema.extend({ order_id: id });

export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;
export type ShopifyRefund = z.infer<typeof shopifyRefundSchema>;

/**
 * The REST id as text. JSON numbers past 2^53 (real order ids are ~8e17) lose digits when parsed, so
 * the GID's tail, a string, wins when the payload has one; it equals GraphQL's legacyResourceId.
 */
export const restId = (r: { id: string | number; admin_graphql_api_id?: string | null }): string =>
  r.admin_graphql_api_id ? gidTail(r.admin_graphql_api_id) : String(r.id);

const isMoved = (t: z.infer<typeof transactionSchema>) => (t.kind ?? 'refund') === 'refund' && (t.status ?? 'success') === 'success';

/**
 * A refund's currency from its own payload (it has no top-level one): its transactions', else the shop
 * money of what it refunded (line items, adjustments, shipping, duties, fees); undefined when none says.
 */
export function refundCurrency(refund: ShopifyRefund): string | undefined {
  const shop = (s: z.infer<typeof moneySet>) => s?.shop_money?.currency_code ?? undefined;
  return (
    refund.transactions.filter(isMoved).find((t) => t.currency)?.currency ??
    refund.transactions.find((t) => t.currency)?.currency ??
    refund.refund_line_items?.map((l) => shop(l.subtotal_set)).find(Boolean) ??
    refund.order_adjustments?.map((a) => shop(a.amount_set)).find(Boolean) ??
    refund.refund_shipping_lines?.map((l) => shop(l.subtotal_amount_set)).find(Boolean) ??
    shop(refund.total_duties_set) ??
    shop(refund.total_additional_fees_set) ??
    undefined
  );
}

/** A refund (inside an order, or alone in a refunds/create webhook): what its successful refund transactions moved, on its own day. */
export function shopifyRefundToRecord(refund: ShopifyRefund, order: { id: string | number; currency?: string }): PlatformRecord {
  const moved = refund.transactions.filter(isMoved);
  const currency = refundCurrency(refund) ?? order.currency;
  if (!currency)
    throw new PlatformRequestError(`Shopify refund ${refund.id} names no currency (transactions, refund_line_items, order_adjustments): cannot store it`);
  return {
    kind: 'refund',
    externalId: restId(refund),
    occurredOn: utcDay(refund.created_at),
    amount: roundMoney(moved.reduce((sum, t) => sum + amount(t.amount, 'refund amount'), 0)),
    currency: currency.toUpperCase(),
    status: moved.length > 0 ? 'success' : 'pending',
    updatedAt: utcIso(refund.processed_at ?? refund.created_at),
    payload: { ...refund, order_id: order.id },
  };
}

/** An order (orders/* webhooks) and each of its refunds; the total in the shop's money, as the sync reads it. */
export function shopifyOrderToRecords(order: ShopifyOrder): PlatformRecord[] {
  const shopMoney = order.total_price_set?.shop_money;
  const records: PlatformRecord[] = [
    {
      kind: 'order',
      externalId: restId(order),
      occurredOn: utcDay(order.created_at),
      amount: amount(shopMoney?.amount ?? order.total_price, 'total_price'),
      currency: shopMoney?.currency_code ?? order.currency,
      status: order.financial_status ?? 'unknown',
      updatedAt: utcIso(order.updated_at),
      payload: order,
    },
  ];
  for (const refund of order.refunds) records.push(shopifyRefundToRecord(refund, { id: order.id, currency: order.currency }));
  return records;
}

/** A refunds/create delivery as its record; the currency comes from the payload (see refundCurrency). */
export function shopifyRefundEventToRecord(payload: unknown): PlatformRecord {
  const refund = shopifyRefundEventSchema.parse(payload);
  return shopifyRefundToRecord(refund, { id: refund.order_id });
}
