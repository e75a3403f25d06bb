import type { PlatformRecord } from '../../domain/connectors/types.ts';
import { addDays, dayNumber, dayOf, dayStart, lastDays, minorPerMajor, randInt, rngFor, type Rng } from './prng.ts';

export interface SimRefund {
  id: string;
  /** ms, whole seconds (platforms speak in seconds). */
  createdAt: number;
  amountMinor: number;
}

/** One order (Shopify, WooCommerce) or charge (Stripe), in platform-neutral terms. */
export interface SimOrder {
  id: string;
  createdAt: number;
  updatedAt: number;
  currency: string;
  totalMinor: number;
  /** The platform's own status word (paid, completed, succeeded, …). */
  status: string;
  refunds: SimRefund[];
}

/** What differs between the commerce platforms' data. */
export interface CommerceFlavor {
  platform: string;
  currency: string;
  /** An id from the order's day and its place in that day, so a day's orders keep their ids across runs. */
  orderId(dayNum: number, index: number, rng: Rng): string;
  refundId(order: SimOrder, index: number): string;
  /** A new order's status from a uniform draw. */
  pickStatus(u: number): string;
  refundable(status: string): boolean;
  statusAfterRefund(order: SimOrder): string;
  /** Minor units per major unit where the platform counts differently from prng's table (Stripe's three-decimal currencies). */
  minorPerMajor?(currency: string): number;
}

/** A change made after the generated history, as a stand-in that keeps a log of changes (Stripe's events) hears it. */
export type StoreChange =
  | { kind: 'added'; order: SimOrder }
  | { kind: 'refunded'; order: SimOrder; refund: SimRefund }
  | { kind: 'touched'; order: SimOrder; previousStatus: string };

export interface NewOrder {
  /** Default: now. */
  createdAt?: number;
  /** Major units (49.9). Default 42.5. */
  amount?: number;
  currency?: string;
  status?: string;
}

const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;
const REFUND_RATE = 0.08;

/**
 * The platform's orders: days of deterministic history up to `now` (nothing after it exists yet),
 * then whatever a test adds or refunds.
 */
export class CommerceStore {
  readonly orders: SimOrder[] = [];
  /** Told of every addOrder, refundOrder and touchOrder (not of the generated history). */
  readonly listeners: Array<(change: StoreChange) => void> = [];
  private added = 0;

  constructor(
    readonly flavor: CommerceFlavor,
    now: number,
    days: number,
  ) {
    for (const day of lastDays(dayOf(now), days)) this.orders.push(...this.generateDay(day, now));
  }

  private generateDay(day: string, now: number): SimOrder[] {
    const rng = rngFor(this.flavor.platform, day);
    const count = randInt(rng, 3, 12);
    const secs = Array.from({ length: count }, () => randInt(rng, 0, 86_399)).sort((a, b) => a - b);
    const out: SimOrder[] = [];
    secs.forEach((sec, i) => {
      // Every draw happens whatever `now` is, so a day's orders never depend on when we run.
      const createdAt = dayStart(day) + sec * 1000;
      const totalMinor = randInt(rng, 8, 250) * 100 + randInt(rng, 0, 19) * 5;
      const status = this.flavor.pickStatus(rng());
      const refundRoll = rng();
      const refundAfter = randInt(rng, 3600, 5 * 86_400) * 1000;
      const refundShare = rng();
      const touchAfter = randInt(rng, 0, 900) * 1000;
      const id = this.flavor.orderId(dayNumber(day), i, rng);
      if (createdAt > now) return;
      const order: SimOrder = {
        id,
        createdAt,
        updatedAt: Math.min(createdAt + touchAfter, seconds(now)),
        currency: this.flavor.currency,
        totalMinor,
        status,
        refunds: [],
      };
      if (this.flavor.refundable(status) && refundRoll < REFUND_RATE && createdAt + refundAfter <= now) {
        const amountMinor = refundShare < 0.4 ? totalMinor : Math.max(100, Math.round((totalMinor * (0.1 + refundShare * 0.5)) / 100) * 100);
        this.applyRefund(order, createdAt + refundAfter, amountMinor);
      }
      out.push(order);
    });
    return out;
  }

  private applyRefund(order: SimOrder, at: number, amountMinor: number): SimRefund {
    const refund: SimRefund = { id: this.flavor.refundId(order, order.refunds.length), createdAt: seconds(at), amountMinor };
    order.refunds.push(refund);
    order.updatedAt = Math.max(order.updatedAt, refund.createdAt);
    order.status = this.flavor.statusAfterRefund(order);
    return refund;
  }

  find(id: string): SimOrder | undefined {
    return this.orders.find((o) => o.id === id);
  }

  /** A new order (created and updated now unless said otherwise). */
  addOrder(input: NewOrder = {}): SimOrder {
    const createdAt = seconds(input.createdAt ?? Date.now());
    const currency = input.currency ?? this.flavor.currency;
    const rng = rngFor(`${this.flavor.platform}:added`, String(this.added));
    const order: SimOrder = {
      // Index 500+ never collides with a generated day's (at most 12).
      id: this.flavor.orderId(dayNumber(dayOf(createdAt)), 500 + this.added++, rng),
      createdAt,
      updatedAt: createdAt,
      currency,
      totalMinor: Math.round((input.amount ?? 42.5) * this.perMajor(currency)),
      status: input.status ?? this.flavor.pickStatus(0),
      refunds: [],
    };
    this.orders.push(order);
    this.emit({ kind: 'added', order });
    return order;
  }

  /** Refund part (amount, major units) or all of what is left of an order, now; the order is updated too. */
  refundOrder(id: string, amount?: number, at = Date.now()): SimRefund {
    const order = this.find(id);
    if (!order) throw new Error(`no order ${id}`);
    const left = order.totalMinor - order.refunds.reduce((s, r) => s + r.amountMinor, 0);
    const minor = amount === undefined ? left : Math.round(amount * this.perMajor(order.currency));
    if (minor <= 0 || minor > left) throw new Error(`cannot refund ${minor} of ${left} left on ${id}`);
    const refund = this.applyRefund(order, at, minor);
    this.emit({ kind: 'refunded', order, refund });
    return refund;
  }

  /** A change that is neither a new order nor a refund (a note, a status): only updatedAt moves. */
  touchOrder(id: string, patch: { status?: string } = {}, at = Date.now()): SimOrder {
    const order = this.find(id);
    if (!order) throw new Error(`no order ${id}`);
    const previousStatus = order.status;
    if (patch.status) order.status = patch.status;
    order.updatedAt = Math.max(order.updatedAt, seconds(at));
    this.emit({ kind: 'touched', order, previousStatus });
    return order;
  }

  private perMajor(currency: string): number {
    return this.flavor.minorPerMajor?.(currency) ?? minorPerMajor(currency);
  }

  private emit(change: StoreChange): void {
    for (const listen of this.listeners) listen(change);
  }

  /** Orders created in [fromMs, toMs] (inclusive), oldest first. */
  createdBetween(fromMs: number, toMs: number): SimOrder[] {
    return this.orders.filter((o) => o.createdAt >= fromMs && o.createdAt <= toMs).sort((a, b) => a.createdAt - b.createdAt);
  }
}

/**
 * What a commerce connector must return for a window: the orders created in it (inclusive UTC days) and their
 * refunds, each dated by the day it was made; `refundStatus` is the platform's word for a refund that went through.
 */
export function expectedOrderRecords(store: CommerceStore, startDate: string, endDate: string, refundStatus: string): Omit<PlatformRecord, 'payload'>[] {
  return store.createdBetween(dayStart(startDate), dayStart(addDays(endDate, 1)) - 1).flatMap((o) => [
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
      status: refundStatus,
      updatedAt: new Date(r.createdAt).toISOString(),
    })),
  ]);
}
