import type { PlatformRecord } from '../../domain/connectors/types.ts';
import { CommerceStore, type CommerceFlavor, type SimOrder, type SimRefund, type StoreChange } from './commerce-store.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { addDays, dayOf, dayStart, type Rng } from './prng.ts';

/**
 * Stripe's API as the connector meets it: charges, refunds, disputes and events lists (newest first,
 * `starting_after`/`ending_before`, `created[…]` ranges, unknown parameters refused), the
 * Stripe-Version header checked and shaping responses (refunds embedded in charges only before
 * 2022-11-15), events rendered at the account's version and kept 30 days, three-decimal currencies,
 * uncaptured and pending charges, and Stripe's error bodies.
 *
 * Charge statuses here: succeeded, failed, pending (a bank debit not settled yet) and uncaptured
 * (authorized, rendered as Stripe does: status succeeded, captured false).
 */

const MAX_LIMIT = 100;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Versions this stand-in answers (stripe-node's pins, docs.stripe.com/changelog); Stripe answers an
 * unknown one with 400 "Invalid Stripe API version: …".
 */
export const STANDIN_STRIPE_VERSIONS: readonly string[] = [
  '2020-08-27',
  '2022-08-01',
  '2022-11-15',
  '2023-08-16',
  '2023-10-16',
  '2024-04-10',
  '2024-06-20',
  '2024-09-30.acacia',
  '2025-03-31.basil',
  '2025-09-30.clover',
  '2026-02-25.clover',
  '2026-03-25.dahlia',
  '2026-04-22.dahlia',
  '2026-05-27.dahlia',
  '2026-06-24.dahlia',
  '2026-07-29.dahlia',
  '2026-08-26.dahlia',
  '2026-09-30.endive',
  '2026-11-18.endive',
];
const KNOWN_VERSIONS = new Set(STANDIN_STRIPE_VERSIONS);
/** The account's default version: what events are rendered in ("according to Stripe API version at its creation time"). */
export const STANDIN_STRIPE_ACCOUNT_VERSION = '2024-06-20';
/** docs.stripe.com/changelog/2022-11-15: "The Charge object no longer auto-expands refunds." */
const EMBEDS_REFUNDS_BEFORE = '2022-11-15';
/** 2026-07-29.dahlia added customer, customer_account and payment_method to refunds. */
const REFUND_PAYMENT_METHOD_FROM = '2026-07-29';
/** "List events, going back up to 30 days." */
const EVENT_RETENTION_MS = 30 * 86_400_000;

const before = (version: string, date: string) => version.slice(0, 10) < date;

// The stand-in's own exponents (docs.stripe.com/currencies), apart from the connector's table on purpose.
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
const perMajor = (currency: string) => (ZERO_DECIMAL.has(currency.toUpperCase()) ? 1 : THREE_DECIMAL.has(currency.toUpperCase()) ? 1000 : 100);

const flavor: CommerceFlavor = {
  platform: 'stripe',
  currency: 'USD',
  // "ch_3" + 20 characters, like Stripe's; the day and index keep it unique.
  orderId: (dayNum: number, i: number, rng: Rng) =>
    `ch_3${dayNum.toString(36)}${i.toString(36).padStart(2, '0')}${Array.from({ length: 14 }, () => ALNUM[Math.floor(rng() * ALNUM.length)]).join('')}`,
  refundId: (o, i) => `re_${o.id.slice(3)}${i}`,
  pickStatus: (u) => (u < 0.93 ? 'succeeded' : 'failed'),
  refundable: (s) => s === 'succeeded',
  // A refunded charge stays "succeeded"; `refunded` and `amount_refunded` say the rest.
  statusAfterRefund: (o) => o.status,
  minorPerMajor: perMajor,
};

/** A dispute (chargeback): Stripe withdraws the amount when it opens and reinstates it if the merchant wins. */
export interface SimDispute {
  id: string;
  chargeId: string;
  amountMinor: number;
  currency: string;
  /** ms, whole seconds. */
  createdAt: number;
  status: 'needs_response' | 'won' | 'lost';
  reinstatedAt?: number;
}

interface SimEvent {
  id: string;
  seq: number;
  type: string;
  /** Unix seconds. */
  created: number;
  /** The object as it was then (events are snapshots). */
  object: unknown;
}

export interface StripeControls {
  /** The Stripe-Version header of each request answered (not forced failures), oldest first; '' when absent. */
  readonly stripeVersions: readonly string[];
  /** Stripe's event log, oldest first, including what the 30-day cut hides from /v1/events. */
  eventLog(): { id: string; type: string; created: number }[];
  readonly disputes: readonly SimDispute[];
  /** A chargeback on a charge (now, or at `at` ms for one opened earlier): charge.dispute.created and charge.dispute.funds_withdrawn. */
  disputeCharge(chargeId: string, at?: number): SimDispute;
  /** Won: the funds come back (charge.dispute.funds_reinstated); either way charge.dispute.closed. */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): SimDispute;
}

const unix = (ms: number) => Math.floor(ms / 1000);
const seconds = (ms: number) => unix(ms) * 1000;
const iso = (ms: number) => new Date(seconds(ms)).toISOString();
const refundedBy = (o: SimOrder, asOf: number) => o.refunds.filter((r) => r.createdAt <= asOf).reduce((s, r) => s + r.amountMinor, 0);
/** How the connector stores a charge's status: an authorization is no sale until captured. */
const storedStatus = (o: SimOrder) => (o.status === 'uncaptured' ? 'pending' : o.status);

const stripeError = (status: number, message: string, type = 'invalid_request_error', extra: Record<string, string> = {}): StandinReply => ({
  status,
  body: { error: { message, type, ...extra } },
});
const invalid = (param: string, message: string, extra: Record<string, string> = {}): never => {
  throw new ReplyError(stripeError(400, message, 'invalid_request_error', { param, ...extra }));
};

function renderRefund(o: SimOrder, r: SimRefund, version: string) {
  return {
    id: r.id,
    object: 'refund',
    amount: r.amountMinor,
    balance_transaction: `txn_${r.id.slice(3)}`,
    charge: o.id,
    created: unix(r.createdAt),
    currency: o.currency.toLowerCase(),
    destination_details: { card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    metadata: {},
    payment_intent: null,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
    ...(before(version, REFUND_PAYMENT_METHOD_FROM) ? {} : { customer: null, customer_account: null, payment_method: null }),
  };
}

/** A charge as of `asOf` (ms): its refunds up to then, its status now (history changes no status). */
function renderCharge(o: SimOrder, version: string, disputed: boolean, asOf = Number.POSITIVE_INFINITY) {
  const captured = o.status === 'succeeded';
  const authorized = captured || o.status === 'uncaptured';
  const refunds = o.refunds.filter((r) => r.createdAt <= asOf);
  const refunded = refundedBy(o, asOf);
  return {
    id: o.id,
    object: 'charge',
    amount: o.totalMinor,
    amount_captured: captured ? o.totalMinor : 0,
    amount_refunded: refunded,
    balance_transaction: captured ? `txn_${o.id.slice(3)}` : null,
    captured,
    created: unix(o.createdAt),
    currency: o.currency.toLowerCase(),
    description: null,
    disputed,
    failure_code: o.status === 'failed' ? 'card_declined' : null,
    failure_message: o.status === 'failed' ? 'Your card was declined.' : null,
    livemode: false,
    metadata: {},
    paid: authorized,
    payment_intent: null,
    refunded: captured && refunded >= o.totalMinor,
    // An authorization is "succeeded" (captured: false); Stripe has no "uncaptured" status.
    status: authorized ? 'succeeded' : o.status,
    ...(before(version, EMBEDS_REFUNDS_BEFORE)
      ? { refunds: { object: 'list', data: refunds.map((r) => renderRefund(o, r, version)), has_more: false, url: `/v1/charges/${o.id}/refunds` } }
      : {}),
  };
}

function renderDispute(d: SimDispute) {
  const withdrawal = {
    id: `txn_${d.id.slice(3)}w`,
    object: 'balance_transaction',
    amount: -d.amountMinor,
    created: unix(d.createdAt),
    currency: d.currency.toLowerCase(),
    description: `Chargeback withdrawal for ${d.chargeId}`,
    fee: 1500,
    net: -d.amountMinor - 1500,
    reporting_category: 'dispute',
    status: 'pending',
    type: 'adjustment',
  };
  const reinstatement = d.reinstatedAt && {
    ...withdrawal,
    id: `txn_${d.id.slice(3)}r`,
    amount: d.amountMinor,
    created: unix(d.reinstatedAt),
    description: `Chargeback reversal for ${d.chargeId}`,
    fee: -1500,
    net: d.amountMinor + 1500,
    reporting_category: 'dispute_reversal',
  };
  return {
    id: d.id,
    object: 'dispute',
    amount: d.amountMinor,
    balance_transaction: withdrawal.id,
    balance_transactions: reinstatement ? [withdrawal, reinstatement] : [withdrawal],
    charge: d.chargeId,
    created: unix(d.createdAt),
    currency: d.currency.toLowerCase(),
    evidence_details: { due_by: unix(d.createdAt) + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: null,
    reason: 'fraudulent',
    status: d.status,
  };
}

const renderEvent = (e: SimEvent) => ({
  id: e.id,
  object: 'event',
  api_version: STANDIN_STRIPE_ACCOUNT_VERSION,
  created: e.created,
  data: { object: e.object },
  livemode: false,
  pending_webhooks: 0,
  request: { id: null, idempotency_key: null },
  type: e.type,
});

/** The creation event of a charge: an authorization is charge.succeeded too (Stripe sends it on authorization). */
const creationType = (status: string) => (status === 'pending' ? 'charge.pending' : status === 'failed' ? 'charge.failed' : 'charge.succeeded');

/** The event for a status change on a charge. */
function changeType(from: string, to: string): string {
  if (from === 'uncaptured' && to === 'succeeded') return 'charge.captured';
  if (from === 'pending' && to === 'succeeded') return 'charge.succeeded';
  if (to === 'failed' && from !== 'failed') return 'charge.failed';
  return 'charge.updated';
}

/** One list endpoint's rules: its own filters, its items newest first, and how a cursor id is found. */
interface ListSpec<T> {
  path: string;
  params: readonly string[];
  items(): T[];
  created(x: T): number;
  /** Tie-break within a second: later first. */
  order(a: T, b: T): number;
  id(x: T): string;
  find(id: string): T | undefined;
  render(x: T, version: string): unknown;
  filter?(x: T, q: URLSearchParams): boolean;
  /** Refuses parameters that do not go together (throws a ReplyError). */
  validate?(q: URLSearchParams): void;
  missing: string;
}

const COMMON_PARAMS = ['limit', 'starting_after', 'ending_before', 'created', 'created[gt]', 'created[gte]', 'created[lt]', 'created[lte]'];

function list<T>(call: StandinCall, spec: ListSpec<T>, version: string, pageSizeCap?: number): StandinReply {
  const q = call.url.searchParams;
  for (const name of new Set(q.keys())) {
    // Arrays arrive as name[0]=…&name[1]=… (stripe-node) or name[]=….
    const known =
      COMMON_PARAMS.includes(name) ||
      spec.params.some((p) => p === name || (p.endsWith('[]') && name.startsWith(p.slice(0, -1)) && /^\d*\]$/.test(name.slice(p.length - 1))));
    if (!known) {
      invalid(name, `Received unknown parameter: ${name}`);
    }
  }
  spec.validate?.(q);
  const limit = Number(q.get('limit') ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) invalid('limit', 'Invalid integer: limit must be between 1 and 100');
  const size = Math.min(limit, pageSizeCap ?? limit);
  const bound = (name: string) => {
    const v = q.get(name);
    if (v === null) return undefined;
    if (!/^\d+$/.test(v)) invalid(name, `Invalid integer: ${v}`);
    return Number(v);
  };
  const [exact, gte, gt, lte, lt] = ['created', 'created[gte]', 'created[gt]', 'created[lte]', 'created[lt]'].map(bound);
  const after = q.get('starting_after');
  const beforeId = q.get('ending_before');
  if (after && beforeId) invalid('starting_after', 'You may only specify one of these parameters: ending_before, starting_after.');
  // Newest first: Stripe's list order, which the cursors walk.
  const order = (a: T, b: T) => spec.created(b) - spec.created(a) || spec.order(a, b);
  let all = spec
    .items()
    .filter((x) => {
      const c = spec.created(x);
      return (
        (exact === undefined || c === exact) &&
        (gte === undefined || c >= gte) &&
        (gt === undefined || c > gt) &&
        (lte === undefined || c <= lte) &&
        (lt === undefined || c < lt) &&
        (spec.filter?.(x, q) ?? true)
      );
    })
    .sort(order);
  const cursorId = after ?? beforeId;
  let data: T[];
  let hasMore: boolean;
  if (cursorId) {
    const cursor = spec.find(cursorId);
    if (!cursor) invalid(after ? 'starting_after' : 'ending_before', `No such ${spec.missing}: '${cursorId}'`, { code: 'resource_missing' });
    if (after) {
      all = all.filter((x) => order(cursor as T, x) < 0);
      data = all.slice(0, size);
    } else {
      // ending_before: the `size` items just newer than the cursor, still newest first.
      all = all.filter((x) => order(x, cursor as T) < 0);
      data = all.slice(Math.max(0, all.length - size));
    }
    hasMore = all.length > size;
  } else {
    data = all.slice(0, size);
    hasMore = all.length > size;
  }
  return { status: 200, body: { object: 'list', data: data.map((x) => spec.render(x, version)), has_more: hasMore, url: spec.path } };
}

export function stripeStandin(opts: { now: number; days: number; pageSizeCap?: number; secretKey: string }) {
  const store = new CommerceStore(flavor, opts.now, opts.days);
  const disputes: SimDispute[] = [];
  const events: SimEvent[] = [];
  const stripeVersions: string[] = [];
  const isDisputed = (chargeId: string) => disputes.some((d) => d.chargeId === chargeId);

  let seq = 0;
  const logEvent = (type: string, createdMs: number, object: unknown) => {
    seq += 1;
    // Snapshots: an event keeps the object as it was, whatever happens to it later.
    events.push({
      id: `evt_3S${seq.toString(36).padStart(6, '0')}${ALNUM[seq % ALNUM.length]}stand1n`,
      seq,
      type,
      created: unix(createdMs),
      object: structuredClone(object),
    });
  };

  // The history's events, in the order they happened: each charge, then each refund (refund.created and charge.refunded).
  const history: Array<{ at: number; log(): void }> = [];
  for (const o of store.orders) {
    history.push({
      at: o.createdAt,
      log: () => logEvent(creationType(o.status), o.createdAt, renderCharge(o, STANDIN_STRIPE_ACCOUNT_VERSION, false, o.createdAt)),
    });
    for (const r of o.refunds) {
      history.push({
        at: r.createdAt,
        log: () => {
          logEvent('charge.refunded', r.createdAt, renderCharge(o, STANDIN_STRIPE_ACCOUNT_VERSION, false, r.createdAt));
          logEvent('refund.created', r.createdAt, renderRefund(o, r, STANDIN_STRIPE_ACCOUNT_VERSION));
        },
      });
    }
  }
  for (const h of history.sort((a, b) => a.at - b.at)) h.log();

  const chargeNow = (o: SimOrder) => renderCharge(o, STANDIN_STRIPE_ACCOUNT_VERSION, isDisputed(o.id));
  store.listeners.push((change: StoreChange) => {
    const o = change.order;
    if (change.kind === 'added') {
      if (THREE_DECIMAL.has(o.currency.toUpperCase()) && o.totalMinor % 10 !== 0) {
        // docs.stripe.com/currencies: three-decimal amounts "require the least-significant (last) digit to be 0".
        store.orders.splice(store.orders.indexOf(o), 1);
        throw new Error(`Stripe refuses ${o.currency} ${o.totalMinor}: three-decimal amounts must end in 0`);
      }
      logEvent(creationType(o.status), o.createdAt, chargeNow(o));
    } else if (change.kind === 'refunded') {
      logEvent('charge.refunded', change.refund.createdAt, chargeNow(o));
      logEvent('refund.created', change.refund.createdAt, renderRefund(o, change.refund, STANDIN_STRIPE_ACCOUNT_VERSION));
    } else {
      logEvent(changeType(change.previousStatus, o.status), o.updatedAt, chargeNow(o));
    }
  });

  const findRefund = (id: string) => {
    for (const o of store.orders) {
      const r = o.refunds.find((x) => x.id === id);
      if (r) return { o, r };
    }
    return undefined;
  };
  const allRefunds = () => store.orders.flatMap((o) => o.refunds.map((r) => ({ o, r })));
  const byIdDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  const chargeIs = (chargeId: string, q: URLSearchParams) => q.get('charge') === null || q.get('charge') === chargeId;

  const charges: ListSpec<SimOrder> = {
    path: '/v1/charges',
    params: ['customer', 'payment_intent', 'transfer_group', 'expand[]'],
    items: () => store.orders,
    created: (o) => unix(o.createdAt),
    order: (a, b) => byIdDesc(a.id, b.id),
    id: (o) => o.id,
    find: (id) => store.find(id),
    render: (o, version) => renderCharge(o, version, isDisputed(o.id)),
    missing: 'charge',
  };
  type RefundItem = { o: SimOrder; r: SimRefund };
  const typesOf = (q: URLSearchParams) => [...q.entries()].filter(([k]) => /^types\[\d*\]$/.test(k)).map(([, v]) => v);
  const refunds: ListSpec<RefundItem> = {
    path: '/v1/refunds',
    params: ['charge', 'payment_intent', 'expand[]'],
    items: allRefunds,
    created: (x) => unix(x.r.createdAt),
    order: (a, b) => byIdDesc(a.r.id, b.r.id),
    id: (x) => x.r.id,
    find: findRefund,
    render: (x, version) => renderRefund(x.o, x.r, version),
    filter: (x, q) => chargeIs(x.o.id, q),
    missing: 'refund',
  };
  const disputeList: ListSpec<SimDispute> = {
    path: '/v1/disputes',
    params: ['charge', 'payment_intent', 'expand[]'],
    items: () => disputes,
    created: (d) => unix(d.createdAt),
    order: (a, b) => byIdDesc(a.id, b.id),
    id: (d) => d.id,
    find: (id) => disputes.find((d) => d.id === id),
    render: (d) => renderDispute(d),
    filter: (d, q) => chargeIs(d.chargeId, q),
    missing: 'dispute',
  };
  const eventList: ListSpec<SimEvent> = {
    path: '/v1/events',
    params: ['type', 'types[]', 'delivery_success'],
    // "going back up to 30 days": older events are gone.
    items: () => events.filter((e) => e.created * 1000 >= Date.now() - EVENT_RETENTION_MS),
    created: (e) => e.created,
    order: (a, b) => b.seq - a.seq,
    id: (e) => e.id,
    find: (id) => events.find((e) => e.id === id),
    render: renderEvent,
    validate(q) {
      if (q.get('type') !== null && typesOf(q).length > 0) invalid('type', 'You may pass either `type` or `types`, but not both.');
      if (typesOf(q).length > 20) invalid('types', 'You may pass at most 20 types.');
    },
    filter(e, q) {
      const type = q.get('type');
      // `type` takes * as a wildcard ("charge.dispute.*").
      if (type !== null) return new RegExp(`^${type.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(e.type);
      const types = typesOf(q);
      return types.length === 0 || types.includes(e.type);
    },
    missing: 'event',
  };
  const ROUTES: Record<string, (call: StandinCall, version: string) => StandinReply> = {
    '/v1/charges': (call, version) => list(call, charges, version, opts.pageSizeCap),
    '/v1/refunds': (call, version) => list(call, refunds, version, opts.pageSizeCap),
    '/v1/disputes': (call, version) => list(call, disputeList, version, opts.pageSizeCap),
    '/v1/events': (call, version) => list(call, eventList, version, opts.pageSizeCap),
  };

  const behaviour: PlatformBehaviour = {
    authorize(call) {
      stripeVersions.push(String(call.headers['stripe-version'] ?? ''));
      const auth = call.headers.authorization ?? '';
      if (auth.startsWith('Bearer ')) return auth.slice(7) === opts.secretKey;
      // Stripe also takes the key as the basic-auth user name.
      if (auth.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0] === opts.secretKey;
      return false;
    },
    unauthorized(call) {
      const auth = call.headers.authorization ?? '';
      const key = auth.replace(/^(Bearer|Basic)\s+/, '');
      return key
        ? stripeError(401, `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`)
        : stripeError(
            401,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
          );
    },
    // 429 as real responses carry it (type invalid_request_error, code rate_limit); Stripe names no Retry-After.
    errorBody: (status, message) =>
      status === 429
        ? stripeError(429, 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', 'invalid_request_error', {
            code: 'rate_limit',
            doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
          }).body
        : stripeError(status, message, status >= 500 ? 'api_error' : 'invalid_request_error').body,
    handle(call) {
      const route = ROUTES[call.url.pathname];
      if (call.method !== 'GET' || !route) return stripeError(404, `Unrecognized request URL (${call.method}: ${call.url.pathname}).`);
      const version = call.headers['stripe-version'];
      // Stripe itself falls back to the account's default version; this stand-in insists, so a
      // connector that forgets the header fails here instead of reading another version's shapes.
      if (typeof version !== 'string' || version === '')
        return stripeError(400, `This stand-in needs a Stripe-Version header (Stripe would use the account's default, ${STANDIN_STRIPE_ACCOUNT_VERSION}).`);
      if (!KNOWN_VERSIONS.has(version)) return stripeError(400, `Invalid Stripe API version: ${version}`);
      return { ...route(call, version), headers: { 'Stripe-Version': version } };
    },
  };

  const controls: StripeControls = {
    stripeVersions,
    eventLog: () => events.map(({ id, type, created }) => ({ id, type, created })),
    disputes,
    disputeCharge(chargeId, at = Date.now()) {
      const o = store.find(chargeId);
      if (o?.status !== 'succeeded') throw new Error(`no captured charge ${chargeId} to dispute`);
      const now = seconds(at);
      const d: SimDispute = {
        id: `du_${o.id.slice(3)}${disputes.length}`,
        chargeId,
        amountMinor: o.totalMinor,
        currency: o.currency,
        createdAt: now,
        status: 'needs_response',
      };
      disputes.push(d);
      logEvent('charge.dispute.created', now, renderDispute(d));
      logEvent('charge.dispute.funds_withdrawn', now, renderDispute(d));
      return d;
    },
    closeDispute(disputeId, outcome) {
      const d = disputes.find((x) => x.id === disputeId);
      if (!d) throw new Error(`no dispute ${disputeId}`);
      const now = seconds(Date.now());
      d.status = outcome;
      if (outcome === 'won') {
        d.reinstatedAt = now;
        logEvent('charge.dispute.funds_reinstated', now, renderDispute(d));
      }
      logEvent('charge.dispute.closed', now, renderDispute(d));
      return d;
    },
  };

  /**
   * What the connector must store for a window: its charges (an authorization as `pending`), the
   * refunds made in it (each on its own day, whatever the charge's), and its chargebacks (0 once won).
   */
  const expectedRecords = (startDate: string, endDate: string): Omit<PlatformRecord, 'payload'>[] => {
    const from = dayStart(startDate);
    const to = dayStart(addDays(endDate, 1)) - 1;
    const inWindow = (ms: number) => ms >= from && ms <= to;
    const money = (minor: number, currency: string) => minor / perMajor(currency);
    const chargeRecords = store.createdBetween(from, to).map((o) => ({
      kind: 'charge' as const,
      externalId: o.id,
      occurredOn: dayOf(o.createdAt),
      amount: money(o.totalMinor, o.currency),
      currency: o.currency.toUpperCase(),
      status: storedStatus(o),
      updatedAt: iso(o.createdAt),
    }));
    const refundRecords = allRefunds()
      .filter(({ r }) => inWindow(r.createdAt))
      .map(({ o, r }) => ({
        kind: 'refund' as const,
        externalId: r.id,
        occurredOn: dayOf(r.createdAt),
        amount: money(r.amountMinor, o.currency),
        currency: o.currency.toUpperCase(),
        status: 'succeeded',
        updatedAt: iso(r.createdAt),
      }));
    const disputeRecords = disputes
      .filter((d) => inWindow(d.createdAt))
      .map((d) => ({
        kind: 'refund' as const,
        externalId: d.id,
        occurredOn: dayOf(d.createdAt),
        amount: d.reinstatedAt ? 0 : money(d.amountMinor, d.currency),
        currency: d.currency.toUpperCase(),
        status: d.status,
        updatedAt: iso(d.createdAt),
      }));
    return [...chargeRecords, ...refundRecords, ...disputeRecords];
  };

  return { behaviour, store, expectedRecords, controls };
}
