import { z } from 'zod';
import { shopifyOrderSchema, shopifyOrderToRecords, shopifyRefundSchema, shopifyRefundToRecord } from '../connectors/shopify.ts';
import { stripeChargeSchema, stripeChargeToRecords } from '../connectors/stripe.ts';
import type { PlatformRecord } from '../connectors/types.ts';
import { wooOrderSchema, wooOrderToRecords } from '../connectors/woocommerce.ts';

export type MappedEvent = { kind: 'records'; records: PlatformRecord[] } | { kind: 'unknown' };

const SHOPIFY_ORDER_TOPICS = new Set(['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'orders/fulfilled', 'orders/partially_fulfilled']);
const WOO_ORDER_TOPICS = new Set(['order.created', 'order.updated', 'order.restored']);
const STRIPE_CHARGE_TYPES = new Set(['charge.succeeded', 'charge.updated', 'charge.captured', 'charge.refunded', 'charge.failed', 'charge.expired']);

const stripeEvent = z.looseObject({ data: z.looseObject({ object: stripeChargeSchema }) });
const shopifyRefundEvent = shopifyRefundSchema.extend({ order_id: z.union([z.number(), z.string()]) });

/**
 * What a webhook event means for the store, with the same mappers the sync uses, so an order that
 * arrives by webhook and again by sync is one record. A known event type with a payload we cannot
 * read throws (a bad event fails); an event type we do not use is 'unknown' (recorded, skipped).
 */
export function mapWebhookEvent(platform: string, eventType: string, payload: unknown): MappedEvent {
  if (platform === 'shopify') {
    if (SHOPIFY_ORDER_TOPICS.has(eventType)) return { kind: 'records', records: shopifyOrderToRecords(shopifyOrderSchema.parse(payload)) };
    if (eventType === 'refunds/create') {
      const refund = shopifyRefundEvent.parse(payload);
      // The refund event carries no currency of its own beyond its transactions'.
      return { kind: 'records', records: [shopifyRefundToRecord(refund, { id: refund.order_id, currency: 'USD' })] };
    }
  }
  if (platform === 'woocommerce' && WOO_ORDER_TOPICS.has(eventType)) return { kind: 'records', records: wooOrderToRecords(wooOrderSchema.parse(payload)) };
  if (platform === 'stripe' && STRIPE_CHARGE_TYPES.has(eventType))
    return { kind: 'records', records: stripeChargeToRecords(stripeEvent.parse(payload).data.object) };
  return { kind: 'unknown' };
}
