import { createHash, createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Integration } from '../../shared/domain.ts';
import type { WebhookJobData } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { createWebhookProcessor, type WebhookResult } from '../../server/domain/sync/webhook-processing.ts';
import { secretsFromConfig } from '../../server/webhooks/secrets.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { WEBHOOK_SECRETS, startApiApp, type ApiApp } from '../helpers/api-app.ts';

/**
 * Correctly signed deliveries are never dropped: the real intake, a real worker running the
 * production webhook processor, and the store. Signatures are computed here, over bytes.
 */

const HOOKS = QueueName.WEBHOOK_PROCESSING;
let app: ApiApp;
let shopify: Integration;
let woo: Integration;

beforeAll(async () => {
  let process: ReturnType<typeof createWebhookProcessor> | undefined;
  // The production processor over the app's own store and configuration (built once the app exists).
  app = await startApiApp({ processors: { [HOOKS]: (data, ctx) => process!(data, ctx) } });
  process = createWebhookProcessor({ store: app.domain.store, fallbackSecret: secretsFromConfig(app.config) });
  const org = await app.domain.store.createOrganization({ name: 'Delivery org' });
  // No secret of their own: the intake and the worker both use WEBHOOK_SECRET_<PLATFORM>.
  const integration = (platform: 'shopify' | 'woocommerce') =>
    app.domain.store.createIntegration({ organizationId: org.id, platform, name: platform, credentials: { token: 't' } });
  shopify = await integration('shopify');
  woo = await integration('woocommerce');
});
afterAll(async () => {
  await app?.close();
});
beforeEach(async () => {
  await app.runtime.queueService.queue(HOOKS).obliterate({ force: true });
});

const base64Sig = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('base64');

async function deliver(platform: 'shopify' | 'woocommerce', body: Buffer, headers: Record<string, string>, integrationId?: string) {
  const res = await fetch(`${app.base}/api/webhooks/${platform}${integrationId ? `?integration=${integrationId}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as { received?: boolean; jobId?: string; unreadable?: string; error?: { code: string } } };
}

const shopifyHeaders = (body: Buffer, topic: string, webhookId: string, secret = WEBHOOK_SECRETS.shopify) => ({
  'x-shopify-hmac-sha256': base64Sig(secret, body),
  'x-shopify-topic': topic,
  'x-shopify-webhook-id': webhookId,
});

/** Waits until a job is completed or failed. */
async function settle(jobId: string, timeoutMs = 15_000) {
  const q = app.runtime.queueService.queue(HOOKS);
  const state = await waitFor(
    async () => {
      const s = await q.getJobState(jobId);
      return s === 'completed' || s === 'failed' ? s : undefined;
    },
    { timeoutMs, message: `job ${jobId} to complete or fail` },
  );
  const job = (await q.getJob(jobId))!;
  return { state, result: job.returnvalue as WebhookResult, failedReason: job.failedReason, data: job.data as WebhookJobData };
}

const jobCount = async () => {
  const counts = await app.runtime.queueService.queue(HOOKS).getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  return Object.values(counts).reduce((a, b) => a + b, 0);
};
const eventRow = (id: string) => app.domain.store.db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
const orderRow = (integrationId: string, externalId: string) =>
  app.domain.store.db
    .selectFrom('platform_records')
    .selectAll()
    .where('integration_id', '=', integrationId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();

let nextOrder = 7_000_000;
const order = (over: Record<string, unknown> = {}) => ({
  id: ++nextOrder,
  created_at: '2024-03-05T10:00:00Z',
  updated_at: '2024-03-05T10:05:00Z',
  total_price: '42.00',
  currency: 'USD',
  financial_status: 'paid',
  refunds: [],
  ...over,
});

describe('a signed body that is not UTF-8', () => {
  it('is kept byte for byte and processed end to end (it used to fail for good as "tampered")', async () => {
    const o = order();
    // "Café" in Latin-1: the byte 0xE9 is not UTF-8, so any text round trip changes the bytes the signature covers.
    const json = JSON.stringify({ ...o, note: 'Caf@' });
    const body = Buffer.from(json);
    body[json.indexOf('Caf@') + 3] = 0xe9;
    expect(Buffer.from(body.toString('utf8'), 'utf8').equals(body)).toBe(false);

    const webhookId = randomUUID();
    const res = await deliver('shopify', body, shopifyHeaders(body, 'orders/create', webhookId));
    expect(res).toEqual({ status: 200, body: { received: true, jobId: `shopify-${webhookId}` } });

    const done = await settle(`shopify-${webhookId}`);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.result).toMatchObject({ status: 'processed', records: 1 });
    expect(Buffer.from(done.data.rawBodyBase64!, 'base64').equals(body)).toBe(true);
    const row = await orderRow(shopify.id, String(o.id));
    expect(row).toMatchObject({ kind: 'order', amount: 42, source: 'webhook' });
    // The byte that is not UTF-8 reads as U+FFFD; the rest of the order is intact.
    expect(JSON.parse(row!.payload).note).toBe('Caf\uFFFD');
    expect(await eventRow(`shopify-${webhookId}`)).toMatchObject({ status: 'processed', event_type: 'orders/create', integration_id: shopify.id });
  });

  it('a UTF-8 BOM before the JSON is read, not refused', async () => {
    const o = order();
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(o))]);
    const webhookId = randomUUID();
    expect((await deliver('shopify', body, shopifyHeaders(body, 'orders/create', webhookId))).status).toBe(200);
    const done = await settle(`shopify-${webhookId}`);
    expect(done.result, done.failedReason).toMatchObject({ status: 'processed', records: 1 });
  });
});

describe('signed deliveries with odd headers are accepted and recorded, never 4xx', () => {
  it('a 300-character webhook id: 200, a job id made from its digest, the event recorded once', async () => {
    const o = order();
    const body = Buffer.from(JSON.stringify(o));
    const longId = `${randomUUID()}-${'x'.repeat(300)}`.slice(0, 300);
    const res = await deliver('shopify', body, shopifyHeaders(body, 'orders/create', longId));
    expect(res.status).toBe(200);
    expect(res.body.jobId).toMatch(/^shopify-sha256-[0-9a-f]{64}$/);
    const done = await settle(res.body.jobId!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.result).toMatchObject({ status: 'processed', records: 1 });
    expect(await orderRow(shopify.id, String(o.id))).toBeDefined();
    expect(await eventRow(done.result.eventId)).toMatchObject({ status: 'processed' });

    // Redelivered with the same long id: the same job, nothing new.
    const again = await deliver('shopify', body, shopifyHeaders(body, 'orders/create', longId));
    expect(again.body.jobId).toBe(res.body.jobId);
    expect(await jobCount()).toBe(1);
  });

  it('two long ids that differ only at the end are two jobs (a digest, not a truncation)', async () => {
    const stem = 'y'.repeat(280);
    const a = Buffer.from(JSON.stringify(order()));
    const b = Buffer.from(JSON.stringify(order()));
    const ra = await deliver('shopify', a, shopifyHeaders(a, 'orders/create', `${stem}-a`));
    const rb = await deliver('shopify', b, shopifyHeaders(b, 'orders/create', `${stem}-b`));
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(ra.body.jobId).not.toBe(rb.body.jobId);
  });

  it.each([
    ['blank', ''],
    ['whitespace', '   '],
  ])('a %s topic: 200, the worker records the event as unknown and skips it', async (_label, topic) => {
    const body = Buffer.from(JSON.stringify(order()));
    const webhookId = randomUUID();
    const res = await deliver('shopify', body, shopifyHeaders(body, topic, webhookId));
    expect(res).toEqual({ status: 200, body: { received: true, jobId: `shopify-${webhookId}` } });
    const done = await settle(`shopify-${webhookId}`);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.result).toEqual({ eventId: `shopify-${webhookId}`, status: 'skipped', records: 0, changed: 0 });
    expect(await eventRow(`shopify-${webhookId}`)).toMatchObject({ event_type: 'unknown', status: 'skipped' });
  });

  it('a signed body that is not JSON: 200, recorded as unreadable (status skipped, with the reason), not retried', async () => {
    const body = Buffer.from('order=1&total=42');
    const webhookId = randomUUID();
    const res = await deliver('shopify', body, { ...shopifyHeaders(body, 'orders/create', webhookId), 'content-type': 'application/x-www-form-urlencoded' });
    expect(res).toEqual({ status: 200, body: { received: true, jobId: `shopify-${webhookId}`, unreadable: 'body is not JSON' } });
    const done = await settle(`shopify-${webhookId}`);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.result).toEqual({ eventId: `shopify-${webhookId}`, status: 'unreadable', records: 0, changed: 0 });
    const row = await eventRow(`shopify-${webhookId}`);
    expect(row).toMatchObject({ status: 'skipped', event_type: 'orders/create' });
    expect(JSON.parse(row!.payload)).toMatchObject({ unreadable: 'body is not JSON', bytes: body.length });
  });

  it('a signed body nested 100,000 levels deep: 200, recorded as unreadable', async () => {
    const body = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const webhookId = randomUUID();
    const res = await deliver('shopify', body, shopifyHeaders(body, 'orders/create', webhookId));
    expect(res.status).toBe(200);
    expect(res.body.unreadable).toMatch(/nested deeper than 31 levels/);
    const done = await settle(`shopify-${webhookId}`);
    expect(done.result, done.failedReason).toMatchObject({ status: 'unreadable' });
  });
});

describe('replays under a fresh (unsigned) delivery id', () => {
  it('Shopify: the same signed body with a new X-Shopify-Webhook-Id queues nothing new, before and after the first is processed', async () => {
    const o = order();
    const body = Buffer.from(JSON.stringify(o));
    const first = await deliver('shopify', body, shopifyHeaders(body, 'orders/updated', randomUUID()));
    expect(first.status).toBe(200);
    const replay = await deliver('shopify', body, shopifyHeaders(body, 'orders/updated', randomUUID()));
    expect(replay).toEqual({ status: 200, body: { received: true, jobId: first.body.jobId } });
    expect(await jobCount()).toBe(1);

    expect((await settle(first.body.jobId!)).state).toBe('completed');
    for (let i = 0; i < 3; i++) {
      const later = await deliver('shopify', body, shopifyHeaders(body, 'orders/updated', randomUUID()));
      expect(later).toEqual({ status: 200, body: { received: true, jobId: first.body.jobId } });
    }
    expect(await jobCount()).toBe(1);
    // A genuinely new event (another body) is still queued.
    const next = Buffer.from(JSON.stringify({ ...o, updated_at: '2024-03-05T11:00:00Z' }));
    expect((await deliver('shopify', next, shopifyHeaders(next, 'orders/updated', randomUUID()))).status).toBe(200);
    expect(await jobCount()).toBe(2);
  });

  it('WooCommerce: the same signed body with a new X-WC-Webhook-Delivery-ID queues nothing new', async () => {
    const at = '2024-03-05T08:00:00';
    const order = { id: 9001, status: 'processing', currency: 'EUR', total: '10.00', date_created_gmt: at, date_modified_gmt: at };
    const body = Buffer.from(JSON.stringify({ ...order, refunds: [] }));
    const headers = (deliveryId: string) => ({
      'x-wc-webhook-signature': base64Sig(WEBHOOK_SECRETS.woocommerce, body),
      'x-wc-webhook-topic': 'order.created',
      'x-wc-webhook-delivery-id': deliveryId,
    });
    const first = await deliver('woocommerce', body, headers('5001'), woo.id);
    const replay = await deliver('woocommerce', body, headers('5002'), woo.id);
    expect([first.status, replay.status]).toEqual([200, 200]);
    // The delivery id with the body's digest (WooCommerce repeats delivery ids within a second).
    const jobId = `woocommerce-5001-${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
    expect(first.body.jobId).toBe(jobId);
    expect(replay.body.jobId).toBe(jobId);
    expect(await jobCount()).toBe(1);
    const done = await settle(jobId);
    expect(done.result, done.failedReason).toMatchObject({ status: 'processed' });
  });

  it('a forged signature is still 401 and queues nothing', async () => {
    const body = Buffer.from(JSON.stringify(order()));
    const res = await deliver('shopify', body, shopifyHeaders(body, 'orders/create', randomUUID(), 'not-the-secret'));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'BAD_SIGNATURE' } });
    const tampered = Buffer.concat([body, Buffer.from(' ')]);
    expect((await deliver('shopify', tampered, shopifyHeaders(body, 'orders/create', randomUUID()))).status).toBe(401);
    expect(await jobCount()).toBe(0);
  });
});

describe('jobs queued before the raw body was base64', () => {
  it('a job carrying the body as UTF-8 text (rawBody) is still verified and processed', async () => {
    const o = order();
    const text = JSON.stringify(o);
    const job = await app.runtime.queueService.addJob(HOOKS, {
      platform: 'shopify',
      eventType: 'orders/create',
      payload: JSON.parse(text),
      signature: base64Sig(WEBHOOK_SECRETS.shopify, Buffer.from(text)),
      eventId: randomUUID(),
      rawBody: text,
    });
    const done = await settle(job.id!);
    expect(done.result, done.failedReason).toMatchObject({ status: 'processed', records: 1 });
  });
});
