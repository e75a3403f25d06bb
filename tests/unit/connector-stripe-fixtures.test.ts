import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSIONS } from '../../server/domain/connectors/api-versions.ts';
import { PlatformAccessError, PlatformRateLimitError, PlatformRequestError } from '../../server/domain/connectors/errors.ts';
import { parseBody, statusError } from '../../server/domain/connectors/http.ts';
import {
  STRIPE_API_VERSION_ALERT,
  STRIPE_LIST_SCHEMAS,
  STRIPE_SYNC_EVENT_TYPES,
  decodeStripeToken,
  encodeStripeToken,
  stripeAmount,
  stripeChargeSchema,
  stripeChargeToRecords,
  stripeDisputeSchema,
  stripeDisputeToRecord,
  stripeErrorMapper,
  stripeEventSchema,
  stripeEventToRecords,
  stripeMinorPerMajor,
  stripeRefundSchema,
  stripeRefundToRecord,
  stripeWebhookToRecords,
} from '../../server/domain/connectors/stripe.ts';
import { STANDIN_STRIPE_VERSIONS, stripeStandin } from '../../server/demo/standins/stripe.ts';
import type { StandinCall } from '../../server/demo/standins/harness.ts';

/** Stripe's documented (or captured) responses: tests/fixtures/platforms/stripe/SOURCES.md says where each is from. */
const fixture = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/platforms/stripe/${name}`, import.meta.url), 'utf8')) as T;
const iso = (unix: number) => new Date(unix * 1000).toISOString();

describe('Stripe currency exponents (docs.stripe.com/currencies)', () => {
  it('zero-decimal amounts are whole units, two-decimal ones cents, three-decimal ones thousandths', () => {
    expect(stripeAmount(1000, 'JPY')).toBe(1000);
    expect(stripeAmount(4990, 'USD')).toBe(49.9);
    expect(stripeAmount(12345, 'KWD')).toBe(12.345);
    expect(stripeAmount(5120, 'kwd')).toBe(5.12);
    expect(stripeAmount(7, 'krw')).toBe(7);
  });

  it('the tables: every three-decimal currency is ÷1000; ISK, HUF and TWD stay ÷100 in charges; UGX follows the zero-decimal list', () => {
    expect(['BHD', 'JOD', 'KWD', 'OMR', 'TND'].map(stripeMinorPerMajor)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map(stripeMinorPerMajor)).toEqual(
      Array(16).fill(1),
    );
    expect(['ISK', 'HUF', 'TWD', 'USD', 'EUR', 'inr'].map(stripeMinorPerMajor)).toEqual([100, 100, 100, 100, 100, 100]);
  });
});

describe('Stripe fixtures read by the connector', () => {
  it('the documented charge list: one succeeded, captured charge on its UTC day', () => {
    const list = parseBody(STRIPE_LIST_SCHEMAS.charges, fixture('charges-list.json'), 'Stripe charges');
    expect(list.has_more).toBe(false);
    const records = list.data.flatMap((c) => stripeChargeToRecords(c));
    expect(records.map(({ payload: _p, ...r }) => r)).toEqual([
      {
        kind: 'charge',
        externalId: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
        occurredOn: '2023-03-17',
        amount: 10.99,
        currency: 'USD',
        status: 'succeeded',
        updatedAt: '2023-03-17T22:02:19.000Z',
      },
    ]);
  });

  it("Stripe's own fixture of an uncaptured charge (status succeeded, captured false) is stored as no sale", () => {
    const [record] = stripeChargeToRecords(stripeChargeSchema.parse(fixture('charge-uncaptured.json')));
    expect(record).toMatchObject({ kind: 'charge', externalId: 'ch_1PgafuB7WZ01zgkWXYmPNZs8', status: 'pending', amount: 1, currency: 'USD' });
  });

  it('the documented refund, and the dahlia-era rendering, become refund records dated by the refund', () => {
    expect(stripeRefundToRecord(stripeRefundSchema.parse(fixture('refund.json')))).toMatchObject({
      kind: 'refund',
      externalId: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
      occurredOn: '2023-08-25',
      amount: 10,
      currency: 'USD',
      status: 'succeeded',
      updatedAt: iso(1692942318),
    });
    expect(stripeRefundToRecord(stripeRefundSchema.parse(fixture('refund-openapi.json')))).toMatchObject({
      externalId: 're_1Pgc72B7WZ01zgkWqPvrRrPE',
      occurredOn: '2009-02-13',
      amount: 1,
    });
  });

  it('the documented event list parses; an event type the sync does not use gives nothing', () => {
    const list = parseBody(STRIPE_LIST_SCHEMAS.events, fixture('events-list.json'), 'Stripe events');
    expect(list.data.map((e) => [e.id, e.type, e.api_version])).toEqual([['evt_1NG8Du2eZvKYlo2CUI79vXWy', 'setup_intent.created', '2019-02-19']]);
    expect(stripeEventToRecords(list.data[0])).toEqual([]);
  });

  it('a charge.succeeded event: the charge on its own day, changed at the event time', () => {
    const event = stripeEventSchema.parse(fixture('event-charge-succeeded.json'));
    const records = stripeEventToRecords(event);
    expect(records.map(({ payload: _p, ...r }) => r)).toEqual([
      {
        kind: 'charge',
        externalId: 'ch_3TbGBUJEe0yY0QKr18Sf1VVH',
        occurredOn: '2026-05-26',
        amount: 222,
        currency: 'USD',
        status: 'succeeded',
        updatedAt: iso(1779783477),
      },
    ]);
    // The webhook path reads the same delivery the same way.
    expect(stripeWebhookToRecords('charge.succeeded', fixture('event-charge-succeeded.json'))).toEqual(records);
  });

  it('a refund that failed (charge.refund.updated) stays on record with amount 0, on the refund day', () => {
    const records = stripeEventToRecords(stripeEventSchema.parse(fixture('event-charge-refund-updated.json')));
    expect(records.map(({ payload: _p, ...r }) => r)).toEqual([
      {
        kind: 'refund',
        externalId: 're_1Gib6ZHLwdCOCoR7VrzCnXlj',
        occurredOn: '2020-05-14',
        amount: 0,
        currency: 'INR',
        status: 'failed',
        updatedAt: iso(1589439827),
      },
    ]);
  });

  it('a lost chargeback counts as money back, on the dispute day, without the evidence; an inquiry with no funds moved is no record', () => {
    const [record] = stripeEventToRecords(stripeEventSchema.parse(fixture('event-charge-dispute-closed.json')));
    expect(record).toEqual({
      kind: 'refund',
      externalId: 'du_1TbG46JEe0yY0QKr8P0G3pa3',
      occurredOn: '2026-05-26',
      amount: 22,
      currency: 'USD',
      status: 'lost',
      updatedAt: iso(1779783749),
      payload: {
        id: 'du_1TbG46JEe0yY0QKr8P0G3pa3',
        object: 'dispute',
        amount: 2200,
        currency: 'usd',
        created: 1779783018,
        status: 'lost',
        reason: 'product_not_received',
        charge: 'ch_3TbG44JEe0yY0QKr0aPnlMSQ',
        balance_transactions: [{ id: 'txn_1TbG47JEe0yY0QKrI4W6EK83', amount: -2200, created: 1779783019, reporting_category: 'dispute' }],
      },
    });
    expect(stripeDisputeToRecord(stripeDisputeSchema.parse(fixture('dispute-inquiry.json')))).toBeUndefined();
  });

  it('the webhook path ignores types it does not use and reads refunds and disputes by type', () => {
    expect(stripeWebhookToRecords('customer.created', { data: { object: { id: 'cus_1' } } })).toBeUndefined();
    expect(stripeWebhookToRecords('charge.refund.updated', fixture('event-charge-refund-updated.json'))?.map((r) => r.externalId)).toEqual([
      're_1Gib6ZHLwdCOCoR7VrzCnXlj',
    ]);
    expect(() => stripeWebhookToRecords('refund.created', { data: { object: { id: 're_1' } } })).toThrow();
  });
});

describe('Stripe error bodies', () => {
  const mapper = stripeErrorMapper('2099-01-01.zinnia');

  it('an unknown Stripe-Version (400) is an access error for configuration, with its own alert', () => {
    const err = mapper(400, fixture('error-400-invalid-api-version.json'));
    expect(err).toBeInstanceOf(PlatformAccessError);
    expect(err).toMatchObject({ alertType: STRIPE_API_VERSION_ALERT, status: 400 });
    expect(err?.message).toContain('STRIPE_API_VERSION');
    expect(err?.message).toContain('Invalid Stripe API version: 2019-05-16, 2019-12-03');
  });

  it('429 names no wait: a throttle the sync backs off from on its own; with Retry-After, that wait', () => {
    // Stripe's mapper leaves a 429 to the common reading (http.ts), as requestJson does.
    const read = (headers: Headers) =>
      mapper(429, fixture('error-429-rate-limit.json')) ?? statusError(429, JSON.stringify(fixture('error-429-rate-limit.json')), headers, 'GET /v1/charges');
    const untold = read(new Headers());
    expect(untold).toBeInstanceOf(PlatformRateLimitError);
    expect(untold).toMatchObject({ told: false, retryAfterMs: 1000 });
    expect(untold?.message).toContain('rate_limit');
    expect(read(new Headers({ 'retry-after': '3' }))).toMatchObject({ told: true, retryAfterMs: 3000 });
  });

  it('401s and other 400s are left to the common mapping (auth error; request error)', () => {
    expect(mapper(401, fixture('error-401-invalid-api-key.json'))).toBeUndefined();
    expect(mapper(400, { error: { message: 'Received unknown parameter: foo', type: 'invalid_request_error' } })).toBeUndefined();
  });
});

describe('Stripe page tokens', () => {
  it('name the phase and the Stripe cursor, and read back', () => {
    const cursors = [
      { phase: 'charges', after: 'ch_3abc' },
      { phase: 'refunds' },
      { phase: 'disputes', after: 'du_1' },
      { phase: 'events', step: 'anchor' },
      { phase: 'events', step: 'seek' },
      { phase: 'events', step: 'seek', after: 'evt_1' },
      { phase: 'events', step: 'up', before: 'evt_2' },
    ] as const;
    expect(cursors.map((c) => encodeStripeToken(c))).toEqual([
      'charges:ch_3abc',
      'refunds:',
      'disputes:du_1',
      'events:anchor',
      'events:seek:',
      'events:seek:evt_1',
      'events:up:evt_2',
    ]);
    for (const c of cursors) expect(decodeStripeToken(encodeStripeToken(c))).toEqual(c);
    expect(decodeStripeToken(undefined)).toEqual({ phase: 'charges' });
    // A checkpoint written before phases existed held a bare charge id.
    expect(decodeStripeToken('ch_3legacy')).toEqual({ phase: 'charges', after: 'ch_3legacy' });
    expect(() => decodeStripeToken('orders:1')).toThrow(PlatformRequestError);
  });

  it('the events read ask for at most 20 types (the API limit)', () => {
    expect(STRIPE_SYNC_EVENT_TYPES.length).toBeLessThanOrEqual(20);
  });
});

describe('the Stripe stand-in speaks the documented dialect', () => {
  const secretKey = 'sk_test_fixture_0123456789';
  const s = stripeStandin({ now: Date.parse('2026-11-20T12:00:00Z'), days: 5, secretKey });
  const call = (path: string, headers: Record<string, string> = {}): StandinCall => ({
    method: 'GET',
    url: new URL(`http://stand.in${path}`),
    headers: { authorization: `Bearer ${secretKey}`, 'stripe-version': DEFAULT_API_VERSIONS.stripe, ...headers },
    body: undefined,
  });
  const keys = (...objects: Record<string, unknown>[]) => new Set(objects.flatMap((o) => Object.keys(o)));
  const firstOf = (path: string) => ((s.behaviour.handle(call(path)).body as { data: Record<string, unknown>[] }).data[0] ?? {}) as Record<string, unknown>;

  it('the default Stripe-Version is one it knows', () => {
    expect(STANDIN_STRIPE_VERSIONS).toContain(DEFAULT_API_VERSIONS.stripe);
  });

  it('renders charges, refunds, disputes and events with field names from the documented objects only', () => {
    const charge = s.store.orders.find((o) => o.status === 'succeeded')!;
    s.store.refundOrder(charge.id, 1);
    s.controls.disputeCharge(charge.id);
    const docCharge = keys(fixture('charge.json'), fixture('charge-uncaptured.json'));
    const docRefund = keys(fixture('refund.json'), fixture('refund-openapi.json'));
    const docDispute = keys(
      fixture('dispute-inquiry.json'),
      fixture<{ data: { object: Record<string, unknown> } }>('event-charge-dispute-closed.json').data.object,
    );
    const docEvent = keys(fixture<{ data: Record<string, unknown>[] }>('events-list.json').data[0]);
    for (const [path, doc] of [
      ['/v1/charges?limit=1', docCharge],
      ['/v1/refunds?limit=1', docRefund],
      ['/v1/disputes?limit=1', docDispute],
      ['/v1/events?limit=1', docEvent],
    ] as const) {
      const rendered = firstOf(path);
      expect(Object.keys(rendered).length, path).toBeGreaterThan(5);
      expect(
        Object.keys(rendered).filter((k) => !doc.has(k)),
        path,
      ).toEqual([]);
    }
    expect(Object.keys(firstOf('/v1/events?limit=1')).sort()).toEqual([...docEvent].sort());
  });

  it('its error bodies are the fixtures: 429, both 401s, and an unknown version', () => {
    expect(s.behaviour.errorBody(429, 'x')).toEqual(fixture('error-429-rate-limit.json'));
    expect(s.behaviour.unauthorized(call('/v1/charges', { authorization: '' })).body).toEqual(fixture('error-401-no-api-key.json'));
    // A key as long as the one in the captured response masks the same way.
    expect(s.behaviour.unauthorized(call('/v1/charges', { authorization: 'Bearer sk_test_wrongwrongwrongwrongwrAso0' })).body).toEqual(
      fixture('error-401-invalid-api-key.json'),
    );
    expect(s.behaviour.handle(call('/v1/charges', { 'stripe-version': '2019-05-16, 2019-12-03' }))).toEqual({
      status: 400,
      body: fixture('error-400-invalid-api-version.json'),
    });
  });
});
