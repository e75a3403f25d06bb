import { createHash, createHmac, randomUUID } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import type { Integration } from '../../shared/domain.ts';
import type { Platform, WebhookJobData } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { CONNECTORS } from '../../server/domain/connectors/index.ts';
import type { PlatformRecord } from '../../server/domain/connectors/types.ts';
import type { CommerceStandin, ShopifyStandin } from '../../server/demo/standins/index.ts';
import type { WebhookResult } from '../../server/domain/sync/webhook-processing.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { allJobs, metricsFromRecords, openHttpHarness, snapshot, storedMetrics, today, type HttpHarness } from '../fixtures/sync-harness.ts';

const HOOKS = QueueName.WEBHOOK_PROCESSING;
type CommercePlatform = 'shopify' | 'woocommerce' | 'stripe';

// — signing as each platform does, computed here rather than with the app's helpers —
const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data);
const base64Sig = (secret: string, body: string) => mac(secret, body).digest('base64');
const stripeSig = (secret: string, body: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${mac(secret, `${t}.${body}`).digest('hex')}`;

/** The headers a platform sends with a delivery (Stripe's event id and type ride in the body). */
function deliveryHeaders(platform: CommercePlatform, secret: string, body: string, eventType: string, eventId: string): Record<string, string> {
  if (platform === 'shopify')
    return {
      'x-shopify-hmac-sha256': base64Sig(secret, body),
      'x-shopify-topic': eventType,
      'x-shopify-webhook-id': eventId,
      'x-shopify-shop-domain': 'standin-shop.myshopify.com',
    };
  if (platform === 'woocommerce')
    return {
      'x-wc-webhook-signature': base64Sig(secret, body),
      'x-wc-webhook-topic': eventType,
      'x-wc-webhook-delivery-id': eventId,
      'x-wc-webhook-source': 'https://standin-store.example/',
    };
  return { 'stripe-signature': stripeSig(secret, body) };
}

/** The job a delivery becomes: the event id, for WooCommerce with the body's digest (its delivery ids repeat within a second). */
const jobIdOf = (platform: CommercePlatform, eventId: string, body: string) =>
  platform === 'woocommerce' ? `woocommerce-${eventId}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}` : `${platform}-${eventId}`;

/** The body a platform posts: the object itself, or for Stripe an event wrapping it. */
function deliveryBody(platform: CommercePlatform, eventType: string, eventId: string, object: unknown): string {
  return platform === 'stripe'
    ? JSON.stringify({ id: eventId, object: 'event', type: eventType, api_version: '2024-06-20', data: { object } })
    : JSON.stringify(object);
}

// — events, on days nothing else in a fresh store touches —
const SHOP_ORDER = {
  id: 5_550_001,
  name: '#5001',
  created_at: '2024-02-10T10:00:00-05:00',
  updated_at: '2024-02-10T10:05:00-05:00',
  processed_at: '2024-02-10T10:00:00-05:00',
  total_price: '120.50',
  currency: 'USD',
  financial_status: 'paid',
  refunds: [],
};
const SHOP_REFUND = {
  id: 9_990_001,
  order_id: 5_550_001,
  created_at: '2024-02-12T09:00:00-05:00',
  processed_at: '2024-02-12T09:00:00-05:00',
  transactions: [{ id: 77, kind: 'refund', status: 'success', amount: '20.00', currency: 'USD', gateway: 'manual' }],
};
const WOO_ORDER = {
  id: 7001,
  status: 'processing',
  currency: 'EUR',
  total: '45.00',
  date_created: '2024-02-10T10:00:00',
  date_created_gmt: '2024-02-10T08:00:00',
  date_modified_gmt: '2024-02-10T08:00:00',
  refunds: [],
};
const CHARGE = {
  id: 'ch_3TestCharge0001',
  object: 'charge',
  amount: 2599,
  amount_captured: 2599,
  amount_refunded: 0,
  currency: 'usd',
  created: Date.parse('2024-02-10T12:00:00Z') / 1000,
  paid: true,
  refunded: false,
  status: 'succeeded',
};
const REFUNDED_CHARGE = { ...CHARGE, amount_refunded: 1000, refunded: false };
/** The refund itself (refund.created), two days after the charge: it counts on its own day. */
const REFUND = {
  id: 're_3TestRefund0001',
  object: 'refund',
  amount: 1000,
  charge: CHARGE.id,
  created: Date.parse('2024-02-12T09:00:00Z') / 1000,
  currency: 'usd',
  reason: null,
  status: 'succeeded',
};

const day = (date: string, m: Partial<Record<'revenue' | 'orders' | 'refunds' | 'refund_amount', number>>) =>
  new Map(['orders', 'refund_amount', 'refunds', 'revenue'].map((k) => [`${date}|${k}`, m[k as keyof typeof m] ?? 0]));

interface Case {
  platform: CommercePlatform;
  eventType: string;
  object: unknown;
  records: Array<[string, string]>;
  metrics: Map<string, number>;
  /** Deliver with ?integration=<id> (else the platform's only integration is found). */
  named: boolean;
}

const CASES: Case[] = [
  {
    platform: 'shopify',
    eventType: 'orders/create',
    object: SHOP_ORDER,
    records: [['order', '5550001']],
    metrics: day('2024-02-10', { revenue: 120.5, orders: 1 }),
    named: true,
  },
  {
    platform: 'shopify',
    eventType: 'refunds/create',
    object: SHOP_REFUND,
    records: [['refund', '9990001']],
    metrics: day('2024-02-12', { refunds: 1, refund_amount: 20 }),
    named: true,
  },
  {
    platform: 'woocommerce',
    eventType: 'order.created',
    object: WOO_ORDER,
    records: [['order', '7001']],
    metrics: day('2024-02-10', { revenue: 45, orders: 1 }),
    named: false,
  },
  {
    platform: 'stripe',
    eventType: 'charge.succeeded',
    object: CHARGE,
    records: [['charge', CHARGE.id]],
    metrics: day('2024-02-10', { revenue: 25.99, orders: 1 }),
    named: true,
  },
  {
    // Since 2022-11-15 the charge carries no refunds list: only the charge (its refunds come as refund.created).
    platform: 'stripe',
    eventType: 'charge.refunded',
    object: REFUNDED_CHARGE,
    records: [['charge', CHARGE.id]],
    metrics: day('2024-02-10', { revenue: 25.99, orders: 1 }),
    named: true,
  },
  {
    platform: 'stripe',
    eventType: 'refund.created',
    object: REFUND,
    records: [['refund', REFUND.id]],
    metrics: day('2024-02-12', { refunds: 1, refund_amount: 10 }),
    named: true,
  },
];

describeOnStores('webhook processing', (dialect, test) => {
  let h: HttpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A fresh system with one integration per commerce platform, each with its own webhook secret. */
  async function open() {
    const harness = (h = await openHttpHarness(dialect));
    const secrets = {} as Record<CommercePlatform, string>;
    const integrations = {} as Record<CommercePlatform, Integration>;
    for (const p of ['shopify', 'woocommerce', 'stripe'] as const) {
      secrets[p] = `whsec_${p}_${randomUUID().slice(0, 8)}`;
      integrations[p] = await harness.integration(p, { webhookSecret: secrets[p] });
    }
    return { h: harness, secrets, integrations };
  }

  async function deliver(base: string, platform: Platform, body: string, headers: Record<string, string>, integrationId?: string) {
    const res = await fetch(`${base}/api/webhooks/${platform}${integrationId ? `?integration=${encodeURIComponent(integrationId)}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.status, body: (await res.json()) as { received?: boolean; jobId?: string; error?: { code: string } } };
  }

  const webhookRows = (hh: HttpHarness) => hh.store.db.selectFrom('webhook_events').selectAll().orderBy('id').execute();
  const outcome = (job: { returnvalue: unknown }) => job.returnvalue as WebhookResult;

  for (const c of CASES) {
    test(`${c.platform} ${c.eventType}, signed with the integration's own secret and delivered twice, lands once; a redelivery after the job is gone changes nothing`, async () => {
      const { h, secrets, integrations } = await open();
      const integ = integrations[c.platform];
      const eventId = c.platform === 'stripe' ? `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}` : randomUUID();
      const body = deliveryBody(c.platform, c.eventType, eventId, c.object);
      const send = () =>
        deliver(h.base, c.platform, body, deliveryHeaders(c.platform, secrets[c.platform], body, c.eventType, eventId), c.named ? integ.id : undefined);

      const first = await send();
      const second = await send();
      const jobId = jobIdOf(c.platform, eventId, body);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.body).toEqual({ received: true, jobId });
      expect(second.body).toEqual({ received: true, jobId });

      const done = await h.settle(HOOKS, jobId);
      expect(done.state, done.failedReason).toBe('completed');
      expect(outcome(done)).toMatchObject({ eventId: jobId, status: 'processed', records: c.records.length });
      expect(outcome(done).changed).toBeGreaterThan(0);
      expect(await allJobs(h.queueService, HOOKS)).toHaveLength(1);

      const events = await webhookRows(h);
      expect(events).toMatchObject([
        { id: jobId, integration_id: integ.id, organization_id: h.org.id, platform: c.platform, event_type: c.eventType, status: 'processed' },
      ]);
      const rows = await snapshot(h.store, integ.id);
      expect(rows.records.map((r) => [r.kind, r.external_id])).toEqual(c.records);
      expect(rows.records.every((r) => r.source === 'webhook')).toBe(true);
      expect(await storedMetrics(h.store, integ.id)).toEqual(c.metrics);

      // The job finished and was removed; the platform delivers the same event again.
      await h.queueService.removeJob(HOOKS, jobId);
      const third = await send();
      expect(third.status).toBe(200);
      const again = await h.settle(HOOKS, jobId);
      expect(again.state, again.failedReason).toBe('completed');
      expect(outcome(again)).toEqual({ eventId: jobId, status: 'duplicate', records: 0, changed: 0 });
      expect(await snapshot(h.store, integ.id)).toEqual(rows);
      expect(await webhookRows(h)).toEqual(events);
      expect(await storedMetrics(h.store, integ.id)).toEqual(c.metrics);
    });
  }

  test('a Stripe charge and then its refund: one charge record (updated), one refund record on its own day (the refund day), each day counted once', async () => {
    const { h, secrets, integrations } = await open();
    const integ = integrations.stripe;
    for (const [type, object] of [
      ['charge.succeeded', CHARGE],
      ['charge.refunded', REFUNDED_CHARGE],
      ['refund.created', REFUND],
    ] as const) {
      const id = `evt_${randomUUID().slice(0, 8)}`;
      const body = deliveryBody('stripe', type, id, object);
      expect((await deliver(h.base, 'stripe', body, deliveryHeaders('stripe', secrets.stripe, body, type, id), integ.id)).status).toBe(200);
      expect((await h.settle(HOOKS, `stripe-${id}`)).state).toBe('completed');
    }
    const rows = await snapshot(h.store, integ.id);
    expect(rows.records.map((r) => [r.kind, r.external_id, r.amount, r.occurred_on])).toEqual([
      ['charge', CHARGE.id, 25.99, '2024-02-10'],
      ['refund', REFUND.id, 10, '2024-02-12'],
    ]);
    expect(JSON.parse(rows.records[0].payload)).toMatchObject({ amount_refunded: 1000 });
    expect(await storedMetrics(h.store, integ.id)).toEqual(
      new Map([...day('2024-02-10', { revenue: 25.99, orders: 1 }), ...day('2024-02-12', { refunds: 1, refund_amount: 10 })]),
    );
    expect((await webhookRows(h)).map((e) => e.status)).toEqual(['processed', 'processed', 'processed']);
  });

  test('an event type the system does not use is recorded as skipped and the job completes', async () => {
    const { h, secrets, integrations } = await open();
    const shopBody = JSON.stringify({ id: 42, email: 'jon@example.com', first_name: 'Jon' });
    const shopId = randomUUID();
    expect(
      (await deliver(h.base, 'shopify', shopBody, deliveryHeaders('shopify', secrets.shopify, shopBody, 'customers/create', shopId), integrations.shopify.id))
        .status,
    ).toBe(200);
    const stripeId = `evt_${randomUUID().slice(0, 8)}`;
    const stripeBody = deliveryBody('stripe', 'customer.created', stripeId, { id: 'cus_1', object: 'customer', email: 'jon@example.com' });
    expect(
      (await deliver(h.base, 'stripe', stripeBody, deliveryHeaders('stripe', secrets.stripe, stripeBody, 'customer.created', stripeId), integrations.stripe.id))
        .status,
    ).toBe(200);

    for (const [jobId, integ, type] of [
      [`shopify-${shopId}`, integrations.shopify, 'customers/create'],
      [`stripe-${stripeId}`, integrations.stripe, 'customer.created'],
    ] as const) {
      const done = await h.settle(HOOKS, jobId);
      expect(done.state, done.failedReason).toBe('completed');
      expect(outcome(done)).toEqual({ eventId: jobId, status: 'skipped', records: 0, changed: 0 });
      const [row] = (await webhookRows(h)).filter((e) => e.id === jobId);
      expect(row).toMatchObject({ integration_id: integ.id, event_type: type, status: 'skipped' });
    }
    expect(await h.store.countRows('platform_records')).toBe(0);
    expect(await h.store.countRows('daily_metrics')).toBe(0);
  });

  /** Adds a webhook job as if the intake had, bypassing its signature check. */
  async function addRaw(hh: HttpHarness, data: WebhookJobData) {
    return hh.queueService.addJob(HOOKS, data);
  }

  async function expectRefused(hh: HttpHarness, jobId: string, reason: RegExp) {
    const failed = await hh.settle(HOOKS, jobId);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.opts.attempts).toBe(3);
    expect(failed.failedReason).toMatch(reason);
    // Final, not waiting out a backoff: a retry would have left the job 'delayed', not 'failed'.
    expect(await hh.queueService.getQueueStats(HOOKS)).toMatchObject({ delayed: 0, waiting: 0, active: 0 });
    expect(await hh.store.countRows('webhook_events')).toBe(0);
    expect(await hh.store.countRows('platform_records')).toBe(0);
    expect(await hh.store.countRows('daily_metrics')).toBe(0);
  }

  test('a tampered webhook (its body no longer matches the signature it carries) fails without retries and stores nothing', async () => {
    const { h, secrets, integrations } = await open();
    const original = JSON.stringify(SHOP_ORDER);
    const tampered = JSON.stringify({ ...SHOP_ORDER, total_price: '1.00' });
    const shop = await addRaw(h, {
      platform: 'shopify',
      eventType: 'orders/create',
      payload: JSON.parse(tampered),
      signature: base64Sig(secrets.shopify, original),
      rawBody: tampered,
      eventId: 'tampered-1',
      integrationId: integrations.shopify.id,
    });
    await expectRefused(h, shop.id!, /signature/i);

    const stripeOriginal = deliveryBody('stripe', 'charge.succeeded', 'evt_tampered', CHARGE);
    const stripeTampered = deliveryBody('stripe', 'charge.succeeded', 'evt_tampered', { ...CHARGE, amount: 99 });
    const stripe = await addRaw(h, {
      platform: 'stripe',
      eventType: 'charge.succeeded',
      payload: JSON.parse(stripeTampered),
      signature: stripeSig(secrets.stripe, stripeOriginal),
      rawBody: stripeTampered,
      eventId: 'evt_tampered',
      integrationId: integrations.stripe.id,
    });
    await expectRefused(h, stripe.id!, /signature/i);
  });

  test('a webhook signed with another secret fails without retries (and the intake refuses it outright)', async () => {
    const { h, integrations } = await open();
    const body = JSON.stringify(SHOP_ORDER);
    const other = 'someone-elses-secret';
    const job = await addRaw(h, {
      platform: 'shopify',
      eventType: 'orders/create',
      payload: JSON.parse(body),
      signature: base64Sig(other, body),
      rawBody: body,
      eventId: 'other-secret-1',
      integrationId: integrations.shopify.id,
    });
    await expectRefused(h, job.id!, /signature/i);

    const wooBody = JSON.stringify(WOO_ORDER);
    const woo = await addRaw(h, {
      platform: 'woocommerce',
      eventType: 'order.created',
      payload: JSON.parse(wooBody),
      signature: base64Sig(other, wooBody),
      rawBody: wooBody,
      eventId: 'other-secret-2',
    });
    await expectRefused(h, woo.id!, /signature/i);

    const refused = await deliver(h.base, 'shopify', body, deliveryHeaders('shopify', other, body, 'orders/create', randomUUID()), integrations.shopify.id);
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'BAD_SIGNATURE' } } });
    expect(await allJobs(h.queueService, HOOKS)).toHaveLength(2);
  });

  test('a job whose payload differs from the signed body it carries is tampered too: it fails without retries, the forged amount is never stored', async () => {
    const { h, secrets, integrations } = await open();
    const body = JSON.stringify(SHOP_ORDER);
    const job = await addRaw(h, {
      platform: 'shopify',
      eventType: 'orders/create',
      payload: { ...SHOP_ORDER, total_price: '9999.00' },
      signature: base64Sig(secrets.shopify, body),
      rawBody: body,
      eventId: 'forged-payload-1',
      integrationId: integrations.shopify.id,
    });
    const settled = await h.settle(HOOKS, job.id!);
    const amounts = (await snapshot(h.store, integrations.shopify.id)).records.map((r) => r.amount);
    expect(amounts).not.toContain(9999);
    expect(settled.state).toBe('failed');
    expect(settled.attemptsMade).toBe(1);
  });

  for (const platform of ['shopify', 'woocommerce', 'stripe'] as const) {
    test(`${platform}: an order that arrives by webhook and then by sync stays one record, counted once`, async () => {
      const { h, secrets, integrations } = await open();
      const s = (await h.standin(platform)) as CommerceStandin;
      const integ = integrations[platform];
      const order = s.addOrder({ amount: 64.2 });
      const kind = platform === 'stripe' ? 'charge' : 'order';

      // The order as the platform renders it (what its webhook would carry; Shopify's webhooks stay REST-shaped while the sync reads GraphQL).
      const d = today();
      let found: PlatformRecord | undefined;
      let token: string | undefined;
      do {
        const page = await CONNECTORS[platform].fetchPage(s.context(), { startDate: d, endDate: d }, token);
        found ??= page.records.find((r) => r.kind === kind && r.externalId === order.id);
        token = page.nextPage;
      } while (token && !found);
      expect(found).toBeDefined();
      const eventType = { shopify: 'orders/create', woocommerce: 'order.created', stripe: 'charge.succeeded' }[platform];
      const eventId = platform === 'stripe' ? `evt_${randomUUID().slice(0, 8)}` : randomUUID();
      const body = deliveryBody(platform, eventType, eventId, platform === 'shopify' ? (s as ShopifyStandin).restOrder(order.id) : found!.payload);
      expect((await deliver(h.base, platform, body, deliveryHeaders(platform, secrets[platform], body, eventType, eventId), integ.id)).status).toBe(200);
      const hook = await h.settle(HOOKS, jobIdOf(platform, eventId, body));
      expect(hook.state, hook.failedReason).toBe('completed');
      expect(outcome(hook).status).toBe('processed');

      const sync = await h.settle(QueueName.DATA_SYNC, (await h.sync(integ, { syncType: 'full', startDate: d, endDate: d })).id!);
      expect(sync.state, sync.failedReason).toBe('completed');

      const rows = await h.store.db
        .selectFrom('platform_records')
        .selectAll()
        .where('integration_id', '=', integ.id)
        .where('external_id', '=', order.id)
        .execute();
      expect(rows.map((r) => [r.kind, r.amount])).toEqual([[kind, 64.2]]);
      const expected = s.expectedRecords(d, d);
      expect(expected.filter((r) => r.externalId === order.id)).toHaveLength(1);
      expect(await h.store.countRows('platform_records')).toBe(expected.length);
      expect(await storedMetrics(h.store, integ.id)).toEqual(metricsFromRecords(expected));
    });
  }
});
