import { shopifyOrderSchema, shopifyOrderToRecords, shopifyRefundEventToRecord } from '../connectors/shopify-rest.ts';
import { stripeWebhookToRecords } from '../connectors/stripe.ts';
import type { PlatformRecord } from '../connectors/types.ts';
import { wooOrderSchema, wooOrderToRecord } from '../connectors/woocommerce.ts';

export type MappedEvent = { kind: 'records'; records: PlatformRecord[] } | { kind: 'unknown' };

const SHOPIFY_ORDER_TOPICS = new Set(['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'orders/fulfilled', 'orders/partially_fulfilled']);
const WOO_ORDER_TOPICS = new Set(['order.created', 'order.updated', 'order.restored']);

/**
 * What a webhook event means for the store, with the same mappers the sync uses, so an order that
 * arrives by webhook and again by sync is one record. A known event type with a payload we cannot
 * read throws (a bad event fails); an event type we do not use is 'unknown' (recorded, skipped).
 */
export function mapWebhookEvent(platform: string, eventType: string, payload: unknown): MappedEvent {
  if (platform === 'shopify') {
    if (SHOPIFY_ORDER_TOPICS.has(eventType)) return { kind: 'records', records: shopifyOrderToRecords(shopifyOrderSchema.parse(payload)) };
    // REST-shaped, whatever API the sync reads; no top-level currency: it comes from the refund's transactions or what it refunded.
    if (eventType === 'refunds/create') return { kind: 'records', records: [shopifyRefundEventToRecord(payload)] };
  }
  // The order only: the refunds it lists carry no date (only /orders/{id}/refunds has one), so the next sync reads them.
  if (platform === 'woocommerce' && WOO_ORDER_TOPICS.has(eventType)) return { kind: 'records', records: [wooOrderToRecord(wooOrderSchema.parse(payload))] };
  // Charges, refunds (each on its own day) and chargebacks: Charge, Refund and Dispute objects by event type.
  if (platform === 'stripe') {
    const records = stripeWebhookToRecords(eventType, payload);
    if (records) return { kind: 'records', records };
  }
  return { kind: 'unknown' };
}
