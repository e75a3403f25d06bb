import type { PlatformRecord } from '../../domain/connectors/types.ts';
import { CommerceStore, type CommerceFlavor, type SimOrder } from './commerce-store.ts';
import { ReplyError, type PlatformBehaviour, type StandinCall, type StandinReply } from './harness.ts';
import { addDays, dayOf, dayStart, minorPerMajor, type Rng } from './prng.ts';

const MAX_LIMIT = 100;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

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
};

const unix = (ms: number) => Math.floor(ms / 1000);
const refunded = (o: SimOrder) => o.refunds.reduce((s, r) => s + r.amountMinor, 0);

function renderCharge(o: SimOrder) {
  const ok = o.status === 'succeeded';
  return {
    id: o.id,
    object: 'charge',
    amount: o.totalMinor,
    amount_captured: ok ? o.totalMinor : 0,
    amount_refunded: refunded(o),
    balance_transaction: ok ? `txn_${o.id.slice(3)}` : null,
    captured: ok,
    created: unix(o.createdAt),
    currency: o.currency.toLowerCase(),
    description: null,
    failure_code: ok ? null : 'card_declined',
    failure_message: ok ? null : 'Your card was declined.',
    livemode: false,
    metadata: {},
    paid: ok,
    refunded: ok && refunded(o) >= o.totalMinor,
    status: o.status,
  };
}

const stripeError = (status: number, message: string, type = 'invalid_request_error', extra: Record<string, string> = {}): StandinReply => ({
  status,
  body: { error: { message, type, ...extra } },
});
const invalid = (param: string, message: string): never => {
  throw new ReplyError(stripeError(400, message, 'invalid_request_error', { param }));
};

export function stripeStandin(opts: { now: number; days: number; pageSizeCap?: number; secretKey: string }) {
  const store = new CommerceStore(flavor, opts.now, opts.days);

  const list = (call: StandinCall): StandinReply => {
    const q = call.url.searchParams;
    const limit = Number(q.get('limit') ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) invalid('limit', 'Invalid integer: limit must be between 1 and 100');
    const size = Math.min(limit, opts.pageSizeCap ?? limit);
    const bound = (name: string) => {
      const v = q.get(name);
      if (v === null) return undefined;
      if (!/^\d+$/.test(v)) invalid(name, `Invalid integer: ${v}`);
      return Number(v);
    };
    const exact = bound('created');
    const [gte, gt, lte, lt] = ['created[gte]', 'created[gt]', 'created[lte]', 'created[lt]'].map(bound);
    // Newest first, ties by id: Stripe's list order, which starting_after walks.
    const order = (a: SimOrder, b: SimOrder) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    let all = store.orders
      .filter((o) => {
        const c = unix(o.createdAt);
        return (
          (exact === undefined || c === exact) &&
          (gte === undefined || c >= gte) &&
          (gt === undefined || c > gt) &&
          (lte === undefined || c <= lte) &&
          (lt === undefined || c < lt)
        );
      })
      .sort(order);
    const after = q.get('starting_after');
    if (after) {
      const cursor = store.find(after);
      if (!cursor)
        throw new ReplyError(stripeError(400, `No such charge: '${after}'`, 'invalid_request_error', { code: 'resource_missing', param: 'starting_after' }));
      all = all.filter((o) => order(cursor, o) < 0);
    }
    const data = all.slice(0, size);
    return { status: 200, body: { object: 'list', data: data.map(renderCharge), has_more: all.length > size, url: '/v1/charges' } };
  };

  const behaviour: PlatformBehaviour = {
    authorize(call) {
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
        : stripeError(401, 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.');
    },
    errorBody: (status, message) =>
      stripeError(status, status === 429 ? 'Too many requests hit the API too quickly.' : message, status === 429 ? 'rate_limit_error' : 'api_error').body,
    handle(call) {
      if (call.method !== 'GET' || call.url.pathname !== '/v1/charges') {
        return stripeError(404, `Unrecognized request URL (${call.method}: ${call.url.pathname}).`);
      }
      return list(call);
    },
  };

  /** What the connector must return for a window: charges created in it, and one refund record per charge with money back (dated with the charge: the API no longer embeds refunds). */
  const expectedRecords = (startDate: string, endDate: string): Omit<PlatformRecord, 'payload'>[] =>
    store.createdBetween(dayStart(startDate), dayStart(addDays(endDate, 1)) - 1).flatMap((o) => {
      const f = minorPerMajor(o.currency);
      const at = new Date(unix(o.createdAt) * 1000).toISOString();
      const base = { occurredOn: dayOf(o.createdAt), currency: o.currency.toUpperCase(), updatedAt: at };
      const recs: Omit<PlatformRecord, 'payload'>[] = [{ kind: 'charge', externalId: o.id, amount: o.totalMinor / f, status: o.status, ...base }];
      if (refunded(o) > 0) recs.push({ kind: 'refund', externalId: `${o.id}-refund`, amount: refunded(o) / f, status: 'succeeded', ...base });
      return recs;
    });

  return { behaviour, store, expectedRecords };
}
