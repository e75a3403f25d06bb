import { z } from 'zod';
import type { PlatformRecord } from './types.ts';
import { utcDay, utcIso } from './dates.ts';
import { stripeAmount } from './stripe-currencies.ts';

/**
 * Stripe's charges, refunds and disputes as stored records, for the sync (lists and the Events API)
 * and for webhooks alike. Field names and meanings are stripe-node's types (src/resources/Charges.ts,
 * Refunds.ts, Disputes.ts, Events.ts); the parts read here are the same from 2022-11-15 to dahlia.
 */

const idOrObject = z.union([z.string(), z.looseObject({ id: z.string() })]);

export const stripeRefundSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  created: z.number().int(),
  charge: idOrObject.nullish(),
  /** pending, requires_action, succeeded, failed or canceled; null on very old refunds. */
  status: z.string().nullish(),
  reason: z.string().nullish(),
});

export const stripeChargeSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int(),
  /** Less than `amount` after a partial capture; absent from renderings older than 2019. */
  amount_captured: z.number().int().optional(),
  amount_refunded: z.number().int().default(0),
  captured: z.boolean().optional(),
  currency: z.string(),
  created: z.number().int(),
  /** succeeded, pending or failed. */
  status: z.string(),
  // Embedded only by versions before 2022-11-15 (or expand[]=refunds); each one is a dated Refund.
  refunds: z.looseObject({ data: z.array(stripeRefundSchema).default([]) }).nullish(),
});

export const stripeDisputeSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  created: z.number().int(),
  status: z.string(),
  charge: idOrObject.nullish(),
  reason: z.string().nullish(),
  /** "Zero, one, or two balance transactions that show funds withdrawn and reinstated" (negative, then positive). */
  balance_transactions: z
    .array(
      z.looseObject({ id: z.string().optional(), amount: z.number().int(), created: z.number().int().optional(), reporting_category: z.string().optional() }),
    )
    .default([]),
});

export const stripeEventSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  created: z.number().int(),
  /** The version `data.object` is rendered in: the account's default when the event happened, not our Stripe-Version. */
  api_version: z.string().nullish(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

export type StripeCharge = z.infer<typeof stripeChargeSchema>;
export type StripeRefund = z.infer<typeof stripeRefundSchema>;
export type StripeDispute = z.infer<typeof stripeDisputeSchema>;
export type StripeEvent = z.infer<typeof stripeEventSchema>;

/** Event types whose `data.object` is a Charge, a Refund or a Dispute (stripe-node Events.ts). */
export const STRIPE_CHARGE_EVENTS: ReadonlySet<string> = new Set([
  'charge.succeeded',
  'charge.failed',
  'charge.pending',
  'charge.captured',
  'charge.expired',
  'charge.updated',
  'charge.refunded',
]);
export const STRIPE_REFUND_EVENTS: ReadonlySet<string> = new Set(['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated']);
export const STRIPE_DISPUTE_EVENTS: ReadonlySet<string> = new Set([
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
]);

/**
 * The status a charge is stored with. Stripe says `succeeded` for a charge only authorized
 * (`captured: false`, a manual-capture payment): no money moved yet, and the authorization may be
 * released or expire. It is stored as `pending` — one of the store's NOT_A_SALE statuses, as are
 * `pending` and `failed` charges — so only captured, succeeded charges count as sales; capturing it
 * later (charge.captured) makes it one, on its own day.
 */
export function stripeChargeStatus(charge: Pick<StripeCharge, 'status' | 'captured'>): string {
  return charge.status === 'succeeded' && charge.captured === false ? 'pending' : charge.status;
}

const iso = (unixSeconds: number) => utcIso(unixSeconds);

/**
 * A charge, on its creation day. A captured charge counts what was captured: since 2025-03-31.basil
 * a partial capture no longer creates a Refund for the rest, so `amount_captured` is the sale.
 * `changedAt` (an event's time) stands in for updatedAt when the charge comes from an event;
 * otherwise its creation is the only time Stripe gives.
 */
export function stripeChargeToRecord(charge: StripeCharge, changedAt = charge.created): PlatformRecord {
  const status = stripeChargeStatus(charge);
  const minor = status === 'succeeded' ? (charge.amount_captured ?? charge.amount) : charge.amount;
  return {
    kind: 'charge',
    externalId: charge.id,
    occurredOn: utcDay(charge.created),
    amount: stripeAmount(minor, charge.currency),
    currency: charge.currency.toUpperCase(),
    status,
    updatedAt: iso(changedAt),
    payload: charge,
  };
}

/** Refund statuses whose money has gone (or is on its way) back to the customer. */
const MONEY_BACK = new Set(['succeeded', 'pending', 'requires_action']);

/**
 * A refund, on the day it was made (its own `created`, whatever the charge's day). A failed or
 * canceled refund stays on record with amount 0 (it may have been stored while pending, and records
 * are updated, not deleted); so does the release of an authorization that expired uncaptured, which
 * versions before basil recorded as a Refund although no money had moved.
 */
export function stripeRefundToRecord(refund: StripeRefund, changedAt = refund.created): PlatformRecord {
  const status = refund.status ?? 'succeeded';
  const counts = MONEY_BACK.has(status) && refund.reason !== 'expired_uncaptured_charge';
  return {
    kind: 'refund',
    externalId: refund.id,
    occurredOn: utcDay(refund.created),
    amount: counts ? stripeAmount(refund.amount, refund.currency) : 0,
    currency: refund.currency.toUpperCase(),
    status,
    updatedAt: iso(changedAt),
    payload: refund,
  };
}

/**
 * A dispute whose funds Stripe withdrew (a chargeback) is money back to the customer: stored as a
 * refund record on the dispute's day, for the disputed amount while the funds stay withdrawn and 0
 * once they are reinstated (a won dispute). An inquiry (no balance transaction) is no record until
 * funds move. The payload leaves out the evidence (customer details the metrics never need).
 */
export function stripeDisputeToRecord(dispute: StripeDispute, changedAt = dispute.created): PlatformRecord | undefined {
  const moves = dispute.balance_transactions.map((t) => t.amount);
  if (!moves.some((a) => a < 0)) return undefined;
  const reinstated = moves.some((a) => a > 0);
  const { id, amount, currency, created, status, reason } = dispute;
  return {
    kind: 'refund',
    externalId: id,
    occurredOn: utcDay(created),
    amount: reinstated ? 0 : stripeAmount(amount, currency),
    currency: currency.toUpperCase(),
    status,
    updatedAt: iso(changedAt),
    payload: {
      id,
      object: 'dispute',
      amount,
      currency,
      created,
      status,
      reason: reason ?? null,
      charge: typeof dispute.charge === 'object' && dispute.charge ? dispute.charge.id : (dispute.charge ?? null),
      balance_transactions: dispute.balance_transactions.map((t) => ({
        id: t.id ?? null,
        amount: t.amount,
        created: t.created ?? null,
        reporting_category: t.reporting_category ?? null,
      })),
    },
  };
}

/** A charge and, when the rendering embeds them (versions before 2022-11-15), its refunds, each on its own day. */
export function stripeChargeToRecords(charge: StripeCharge, changedAt = charge.created): PlatformRecord[] {
  return [stripeChargeToRecord(charge, changedAt), ...(charge.refunds?.data ?? []).map((r) => stripeRefundToRecord(r))];
}

/** Which of the objects an event carries to keep: the sync skips those its lists already read. */
export type StripeObjectFilter = (kind: 'charge' | 'refund' | 'dispute', created: number) => boolean;

/**
 * What one event says about the store: the charge, refund or dispute as it was when the event
 * happened (dated by the object's own creation, changed at the event's time, or the object's own
 * when the event has none). A type this product does not use gives undefined; a known type whose
 * object we cannot read throws (zod).
 */
function eventRecords(type: string, created: number | undefined, object: unknown, keep: StripeObjectFilter): PlatformRecord[] | undefined {
  if (STRIPE_CHARGE_EVENTS.has(type)) {
    const charge = stripeChargeSchema.parse(object);
    return keep('charge', charge.created) ? stripeChargeToRecords(charge, created ?? charge.created) : [];
  }
  if (STRIPE_REFUND_EVENTS.has(type)) {
    const refund = stripeRefundSchema.parse(object);
    return keep('refund', refund.created) ? [stripeRefundToRecord(refund, created ?? refund.created)] : [];
  }
  if (STRIPE_DISPUTE_EVENTS.has(type)) {
    const dispute = stripeDisputeSchema.parse(object);
    const record = keep('dispute', dispute.created) ? stripeDisputeToRecord(dispute, created ?? dispute.created) : undefined;
    return record ? [record] : [];
  }
  return undefined;
}

/** An event read from the Events API, keeping the objects `keep` says. */
export function stripeEventToRecords(event: StripeEvent, keep: StripeObjectFilter = () => true): PlatformRecord[] {
  return eventRecords(event.type, event.created, event.data.object, keep) ?? [];
}

const webhookEventSchema = z.looseObject({ created: z.number().int().optional(), data: z.looseObject({ object: z.unknown() }) });

/**
 * A webhook delivery (an Event in the endpoint's API version) as records, with the sync's mappers:
 * undefined for a type this product does not use. `charge.refunded` gives the charge only — its
 * refunds arrive as refund.created (or the next sync's /v1/refunds), each dated by its own day.
 */
export function stripeWebhookToRecords(eventType: string, payload: unknown): PlatformRecord[] | undefined {
  const known = STRIPE_CHARGE_EVENTS.has(eventType) || STRIPE_REFUND_EVENTS.has(eventType) || STRIPE_DISPUTE_EVENTS.has(eventType);
  if (!known) return undefined;
  const event = webhookEventSchema.parse(payload);
  return eventRecords(eventType, event.created, event.data.object, () => true);
}
