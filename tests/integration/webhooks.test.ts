import { createHash, createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import type { WebhookJobData } from '../../shared/jobs.ts';
import { WEBHOOK_SECRETS, startApiApp, type ApiApp } from '../helpers/api-app.ts';

/** POST /api/webhooks/:platform through the real app. Signatures are computed here, not with the app's helpers. */

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(async () => {
  await app?.close();
});

const webhookQueue = () => app.runtime.queueService.queue(QueueName.WEBHOOK_PROCESSING);

beforeEach(async () => {
  await webhookQueue().obliterate({ force: true });
});

const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data);
const b64 = (body: string) => Buffer.from(body).toString('base64');
const shopifySig = (body: string, secret = WEBHOOK_SECRETS.shopify) => mac(secret, body).digest('base64');
const wooSig = (body: string, secret = WEBHOOK_SECRETS.woocommerce) => mac(secret, body).digest('base64');
const hubSig = (body: string, secret = WEBHOOK_SECRETS['facebook-ads']) => `sha256=${mac(secret, body).digest('hex')}`;
const stripeSig = (body: string, t = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRETS.stripe) =>
  `t=${t},v1=${mac(secret, `${t}.${body}`).digest('hex')}`;

async function post(platform: string, body: string, headers: Record<string, string>, query = '') {
  const res = await fetch(`${app.base}/api/webhooks/${platform}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, unknown> & { error?: { code: string } } };
}

async function jobCount(): Promise<number> {
  const counts = await webhookQueue().getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function storedJob(id: string) {
  const job = await webhookQueue().getJob(id);
  expect(job, `job ${id}`).toBeDefined();
  return job!;
}

/** Nothing else in any queue either: a refused webhook enqueues nothing anywhere. */
async function expectNothingEnqueued() {
  expect(await jobCount()).toBe(0);
  const { totals } = await app.runtime.queueService.getAllQueueStats();
  expect(totals).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 });
}

// Deliberately odd spacing: the worker must get the raw bytes, not a re-serialisation.
const shopifyBody = (orderId = 820982911946154500) => `{"id": ${orderId},  "email":"jon@example.com", "total_price":"199.00","line_items":[{"sku":"A-1"}]}`;

describe('Shopify', () => {
  const headers = (body: string, webhookId: string) => ({
    'x-shopify-hmac-sha256': shopifySig(body),
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': webhookId,
    'x-shopify-shop-domain': 'acme.myshopify.com',
  });

  it('accepts a valid delivery: 200 {received: true} and a job keyed by the webhook id', async () => {
    const body = shopifyBody();
    const webhookId = randomUUID();
    const res = await post('shopify', body, headers(body, webhookId));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, jobId: `shopify-${webhookId}` });

    const job = await storedJob(`shopify-${webhookId}`);
    const data = job.data as WebhookJobData;
    expect(data.platform).toBe('shopify');
    expect(data.eventType).toBe('orders/create');
    expect(data.eventId).toBe(webhookId);
    expect(data.payload).toEqual(JSON.parse(body));
    // The exact bytes, base64: a signature covers bytes, not text.
    expect(data.rawBodyBase64).toBe(b64(body));
    expect(data.rawBody).toBeUndefined();
    expect(data.signature).toBe(shopifySig(body));
    expect(job.name).toBe('shopify:orders/create');
    expect(await job.getState()).toBe('waiting');
    expect(await jobCount()).toBe(1);
  });

  it('refuses a tampered body with 401 and enqueues nothing', async () => {
    const body = shopifyBody();
    const res = await post('shopify', shopifyBody(1), headers(body, randomUUID()));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { code: 'BAD_SIGNATURE' } });
    await expectNothingEnqueued();
  });

  it('refuses a signature made with the wrong secret', async () => {
    const body = shopifyBody();
    const res = await post('shopify', body, { ...headers(body, randomUUID()), 'x-shopify-hmac-sha256': shopifySig(body, 'not-the-secret') });
    expect(res.status).toBe(401);
    await expectNothingEnqueued();
  });

  it('refuses a delivery without a signature', async () => {
    const body = shopifyBody();
    const { 'x-shopify-hmac-sha256': _drop, ...rest } = headers(body, randomUUID());
    const res = await post('shopify', body, rest);
    expect(res.status).toBe(401);
    await expectNothingEnqueued();
  });

  it("does not accept another platform's signature header", async () => {
    const body = shopifyBody();
    const res = await post('shopify', body, {
      'x-hub-signature-256': `sha256=${mac(WEBHOOK_SECRETS.shopify, body).digest('hex')}`,
      'x-shopify-webhook-id': randomUUID(),
    });
    expect(res.status).toBe(401);
    await expectNothingEnqueued();
  });

  it('a redelivery of the same webhook is answered 200 but stays one job', async () => {
    const body = shopifyBody();
    const webhookId = randomUUID();
    const first = await post('shopify', body, headers(body, webhookId));
    const second = await post('shopify', body, headers(body, webhookId));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ received: true, jobId: `shopify-${webhookId}` });
    expect(await jobCount()).toBe(1);
    // The same signed body under a fresh delivery id (that header is not signed) is a replay: still one job.
    expect((await post('shopify', body, headers(body, randomUUID()))).body).toMatchObject({ received: true, jobId: `shopify-${webhookId}` });
    expect(await jobCount()).toBe(1);
    // Another body is another job.
    const other = shopifyBody(1);
    expect((await post('shopify', other, headers(other, randomUUID()))).status).toBe(200);
    expect(await jobCount()).toBe(2);
  });

  it('accepts a correctly signed body that is not JSON (a 4xx would be retried for days) and queues it to be recorded as unreadable', async () => {
    const body = 'id=1&email=jon%40example.com';
    const webhookId = randomUUID();
    const res = await post('shopify', body, { ...headers(body, webhookId), 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, jobId: `shopify-${webhookId}`, unreadable: 'body is not JSON' });
    expect((await storedJob(`shopify-${webhookId}`)).data).toMatchObject({ payload: null, rawBodyBase64: b64(body) });
    expect(await jobCount()).toBe(1);
  });
});

describe('Stripe', () => {
  const event = (id = `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}`, type = 'invoice.payment_succeeded') =>
    JSON.stringify({ id, object: 'event', type, data: { object: { id: 'in_123', amount_paid: 4200 } } }, null, 1);

  it('accepts a valid signature: the job id is the event id, the event type is payload.type', async () => {
    const body = event('evt_1AbCdEf', 'charge.refunded');
    const res = await post('stripe', body, { 'stripe-signature': stripeSig(body) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, jobId: 'stripe-evt_1AbCdEf' });
    const data = (await storedJob('stripe-evt_1AbCdEf')).data as WebhookJobData;
    expect(data).toMatchObject({ platform: 'stripe', eventType: 'charge.refunded', eventId: 'evt_1AbCdEf', rawBodyBase64: b64(body) });
    expect(data.payload).toEqual(JSON.parse(body));
  });

  it('accepts a header with several v1 signatures when one matches (secret rotation)', async () => {
    const body = event();
    const t = Math.floor(Date.now() / 1000);
    const other = mac('whsec_old', `${t}.${body}`).digest('hex');
    const res = await post('stripe', body, { 'stripe-signature': `${stripeSig(body, t)},v1=${other}` });
    expect(res.status).toBe(200);
    expect(await jobCount()).toBe(1);
  });

  it('refuses a stale timestamp (older than 300 s) even with a correct signature', async () => {
    const body = event();
    const res = await post('stripe', body, { 'stripe-signature': stripeSig(body, Math.floor(Date.now() / 1000) - 301) });
    expect(res.status).toBe(401);
    await expectNothingEnqueued();
  });

  it('refuses a timestamp too far in the future', async () => {
    const body = event();
    const res = await post('stripe', body, { 'stripe-signature': stripeSig(body, Math.floor(Date.now() / 1000) + 600) });
    expect(res.status).toBe(401);
    await expectNothingEnqueued();
  });

  it('refuses a tampered body, the wrong secret, a missing or malformed header', async () => {
    const body = event();
    expect((await post('stripe', body.replace('4200', '1'), { 'stripe-signature': stripeSig(body) })).status).toBe(401);
    expect((await post('stripe', body, { 'stripe-signature': stripeSig(body, undefined, 'whsec_wrong') })).status).toBe(401);
    expect((await post('stripe', body, {})).status).toBe(401);
    expect((await post('stripe', body, { 'stripe-signature': 'v1=abc' })).status).toBe(401);
    await expectNothingEnqueued();
  });

  it('a replay of the same event (new signature, same id) is 200 but one job', async () => {
    const body = event('evt_replayed');
    const t = Math.floor(Date.now() / 1000);
    expect((await post('stripe', body, { 'stripe-signature': stripeSig(body, t) })).status).toBe(200);
    expect((await post('stripe', body, { 'stripe-signature': stripeSig(body, t - 5) })).status).toBe(200);
    expect((await post('stripe', body, { 'stripe-signature': stripeSig(body, t) })).status).toBe(200);
    expect(await jobCount()).toBe(1);
  });
});

describe('WooCommerce', () => {
  it('accepts X-WC-Webhook-Signature; topic and delivery id (with the body digest) become the event type and the job id', async () => {
    const body = JSON.stringify({ id: 727, status: 'processing', total: '29.35' });
    const res = await post('woocommerce', body, {
      'x-wc-webhook-signature': wooSig(body),
      'x-wc-webhook-topic': 'order.created',
      'x-wc-webhook-delivery-id': '58913',
      'x-wc-webhook-source': 'https://shop.example.com/',
    });
    expect(res.status).toBe(200);
    // WooCommerce repeats a delivery id within a second: the body's digest makes it one delivery's.
    const eventId = `58913-${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
    expect(res.body).toMatchObject({ received: true, jobId: `woocommerce-${eventId}` });
    const data = (await storedJob(`woocommerce-${eventId}`)).data as WebhookJobData;
    expect(data).toMatchObject({ platform: 'woocommerce', eventType: 'order.created', eventId, rawBodyBase64: b64(body), payload: { id: 727 } });
  });

  it('refuses a tampered body, the wrong secret and a missing signature', async () => {
    const body = JSON.stringify({ id: 1 });
    const h = { 'x-wc-webhook-topic': 'order.updated', 'x-wc-webhook-delivery-id': '1' };
    expect((await post('woocommerce', JSON.stringify({ id: 2 }), { ...h, 'x-wc-webhook-signature': wooSig(body) })).status).toBe(401);
    expect((await post('woocommerce', body, { ...h, 'x-wc-webhook-signature': wooSig(body, WEBHOOK_SECRETS.shopify) })).status).toBe(401);
    expect((await post('woocommerce', body, h)).status).toBe(401);
    await expectNothingEnqueued();
  });

  it('a redelivery (same delivery id) stays one job', async () => {
    const body = JSON.stringify({ id: 9 });
    const h = { 'x-wc-webhook-signature': wooSig(body), 'x-wc-webhook-topic': 'order.updated', 'x-wc-webhook-delivery-id': '777' };
    expect((await post('woocommerce', body, h)).status).toBe(200);
    expect((await post('woocommerce', body, h)).status).toBe(200);
    expect(await jobCount()).toBe(1);
  });
});

describe('generic scheme (facebook-ads)', () => {
  it('accepts X-Hub-Signature-256 = sha256=<hex>; id and type from the payload', async () => {
    const body = JSON.stringify({ id: 'fb-evt-1', type: 'leadgen', entry: [{ id: '123', changes: [{ field: 'leadgen' }] }] });
    const res = await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, jobId: 'facebook-ads-fb-evt-1' });
    const data = (await storedJob('facebook-ads-fb-evt-1')).data as WebhookJobData;
    expect(data).toMatchObject({ platform: 'facebook-ads', eventType: 'leadgen', eventId: 'fb-evt-1', rawBodyBase64: b64(body) });
  });

  it('takes the event id and type from X-Webhook-Id / X-Webhook-Event when sent', async () => {
    const body = JSON.stringify({ object: 'page', entry: [] });
    const res = await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body), 'x-webhook-id': 'delivery:42', 'x-webhook-event': 'page.updated' });
    expect(res.status).toBe(200);
    // ':' is not allowed in BullMQ ids: it is replaced.
    expect(res.body.jobId).toBe('facebook-ads-delivery_42');
    expect(((await storedJob('facebook-ads-delivery_42')).data as WebhookJobData).eventType).toBe('page.updated');
  });

  it('refuses tampering, the wrong secret, a missing signature and a base64 signature', async () => {
    const body = JSON.stringify({ id: 'fb-evt-2', type: 'x' });
    expect((await post('facebook-ads', `${body} `, { 'x-hub-signature-256': hubSig(body) })).status).toBe(401);
    expect((await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body, 'wrong') })).status).toBe(401);
    expect((await post('facebook-ads', body, {})).status).toBe(401);
    expect((await post('facebook-ads', body, { 'x-hub-signature-256': `sha256=${mac(WEBHOOK_SECRETS['facebook-ads'], body).digest('base64')}` })).status).toBe(
      401,
    );
    await expectNothingEnqueued();
  });

  it('a replay is one job', async () => {
    const body = JSON.stringify({ id: 'fb-evt-3', type: 'x' });
    for (let i = 0; i < 3; i++) expect((await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body) })).status).toBe(200);
    expect(await jobCount()).toBe(1);
  });

  it('accepts a signed non-JSON body, queued to be recorded as unreadable', async () => {
    const body = '<xml>nope</xml>';
    const res = await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body), 'content-type': 'text/xml' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, unreadable: 'body is not JSON' });
    expect(await jobCount()).toBe(1);
  });
});

describe('routing and configuration', () => {
  it('404 UNKNOWN_PLATFORM for a platform that does not exist', async () => {
    const body = '{}';
    const res = await post('myspace', body, { 'x-hub-signature-256': hubSig(body) });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { code: 'UNKNOWN_PLATFORM' } });
    await expectNothingEnqueued();
  });

  it('404 NOT_CONFIGURED for a known platform without a secret (google-analytics)', async () => {
    const body = JSON.stringify({ id: 'ga-1', type: 'x' });
    // Whatever secret a caller signs with, there is none to check against.
    for (const secret of ['', 'anything', WEBHOOK_SECRETS['facebook-ads']]) {
      const res = await post('google-analytics', body, { 'x-hub-signature-256': `sha256=${mac(secret || 'k', body).digest('hex')}` });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, error: { code: 'NOT_CONFIGURED' } });
    }
    await expectNothingEnqueued();
  });

  it('needs no bearer token or session, and ignores a bad one', async () => {
    const body = JSON.stringify({ id: 'fb-noauth', type: 'x' });
    const res = await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body), authorization: 'Bearer not-a-token' });
    expect(res.status).toBe(200);
    expect(await jobCount()).toBe(1);
  });

  it('verifies the raw bytes whatever the content type (JSON is not parsed and re-serialised first)', async () => {
    const body = '{ "id" : "fb-raw",\n  "type":"x" }';
    for (const contentType of ['application/json', 'text/plain', 'application/octet-stream']) {
      const res = await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body), 'content-type': contentType });
      expect(res.status, contentType).toBe(200);
    }
    expect(((await storedJob('facebook-ads-fb-raw')).data as WebhookJobData).rawBodyBase64).toBe(b64(body));
    expect(await jobCount()).toBe(1);
  });

  it('carries ?integration= into the job data', async () => {
    const body = JSON.stringify({ id: 'fb-int', type: 'x' });
    const res = await post('facebook-ads', body, { 'x-hub-signature-256': hubSig(body) }, '?integration=int-42');
    expect(res.status).toBe(200);
    expect(((await storedJob('facebook-ads-fb-int')).data as WebhookJobData).integrationId).toBe('int-42');
  });

  it('only POST is routed', async () => {
    const res = await fetch(`${app.base}/api/webhooks/shopify`);
    expect(res.status).not.toBe(200);
    await expectNothingEnqueued();
  });
});
