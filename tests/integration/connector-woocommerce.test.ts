import { createHash, createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import type { Integration } from '../../shared/domain.ts';
import type { CommerceStandin } from '../../server/demo/standins/index.ts';
import { signOneLegged } from '../../server/domain/connectors/oauth1.ts';
import type { DataSyncResult } from '../../server/domain/sync/data-sync.ts';
import type { WebhookResult } from '../../server/domain/sync/webhook-processing.ts';
import { webhookRoutes } from '../../server/http/webhooks-route.ts';
import type { QueueService } from '../../server/queue/queue-service.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import {
  addDays,
  allJobs,
  changedKeys,
  expectedFor,
  fullWindow,
  key,
  openHttpHarness,
  openWorkerHarness,
  recordKey,
  snapshot,
  storedMetrics,
  today,
  type HttpHarness,
  type WorkerHarness,
} from '../fixtures/sync-harness.ts';

/**
 * WooCommerce against its stand-in, which — like WordPress serving http — ignores Basic auth and
 * wants OAuth 1.0a one-legged signatures; refunds dated by their own date_created_gmt; the webhook
 * ping answered 200 without a job.
 */

const DATA_SYNC = QueueName.DATA_SYNC;
const HOOKS = QueueName.WEBHOOK_PROCESSING;
const ORDERS = '/wp-json/wc/v3/orders';
const refundsPath = (orderId: string) => `${ORDERS}/${orderId}/refunds`;
const result = (job: { returnvalue: unknown }) => job.returnvalue as DataSyncResult;
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/platforms/woocommerce', name), 'utf8'));

/** A GET to the stand-in, as a client would send it (nothing from the connector). */
async function get(url: URL | string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describeOnStores('WooCommerce over http', (dialect, test) => {
  let h: WorkerHarness | HttpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('a full sync signs every call with OAuth 1.0a: orders, then one refunds call per order that lists refunds; the store holds the stand-in exactly', async () => {
    const harness = (h = await openWorkerHarness(dialect));
    const s = await harness.standin('woocommerce');
    const integ = await harness.integration('woocommerce');
    expect(s.url.startsWith('http://')).toBe(true);

    const done = await harness.settle(DATA_SYNC, (await harness.sync(integ, { syncType: 'full' })).id!);
    expect(done.state, done.failedReason).toBe('completed');

    const window = fullWindow();
    const expected = s.expectedRecords(window.startDate, window.endDate);
    const rows = await snapshot(harness.store, integ.id);
    expect(rows.records.map(recordKey)).toEqual(expected.map(recordKey).sort());
    expect(await storedMetrics(harness.store, integ.id)).toEqual(expectedFor(s, window));

    // Every call signed (HMAC-SHA256, nonce never reused), none with the keys themselves; every one answered.
    expect(s.requests.every((r) => r.status === 200)).toBe(true);
    expect(s.requests.every((r) => r.query.oauth_signature_method === 'HMAC-SHA256' && r.query.oauth_consumer_key === s.credentials.consumerKey)).toBe(true);
    expect(s.requests.filter((r) => 'consumer_key' in r.query || 'consumer_secret' in r.query)).toEqual([]);
    expect(new Set(s.requests.map((r) => r.query.oauth_nonce)).size).toBe(s.requests.length);
    // One call per page: the listing's pages, and the refunds of each order in the window that has some.
    const inWindow = s.orders.filter((o) => expected.some((r) => r.kind === 'order' && r.externalId === o.id));
    const refunded = inWindow.filter((o) => o.refunds.length > 0).map((o) => refundsPath(o.id));
    expect(refunded.length).toBeGreaterThan(3);
    expect(s.requests.filter((r) => r.path === ORDERS)).toHaveLength(Math.ceil(inWindow.length / 100));
    expect(s.requests.filter((r) => r.path !== ORDERS).map((r) => r.path)).toEqual(refunded);
    expect(result(done)).toMatchObject({ mode: 'full', pages: s.requests.length, records: expected.length });
  });

  test('the stand-in refuses what WordPress over http refuses: Basic auth, keys in the query, a wrong secret, a stale timestamp, a reused nonce', async () => {
    const harness = (h = await openWorkerHarness(dialect));
    const s = await harness.standin('woocommerce');
    const { consumerKey, consumerSecret } = s.credentials;
    const url = new URL(`${s.url}${ORDERS}?per_page=5`);
    const cannotView = { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } };
    const authError = (message: string) => ({ status: 401, body: { code: 'woocommerce_rest_authentication_error', message, data: { status: 401 } } });

    // The right keys, but WordPress only reads them when it sees HTTPS.
    expect(await get(url, { Authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}` })).toEqual({
      status: 401,
      body: cannotView,
    });
    expect(await get(`${url}&consumer_key=${consumerKey}&consumer_secret=${consumerSecret}`)).toEqual({ status: 401, body: cannotView });
    expect(await get(url)).toEqual({ status: 401, body: cannotView });

    expect(await get(signOneLegged(url, { consumerKey, consumerSecret: 'cs_wrong' }))).toEqual(
      authError('Invalid signature - provided signature does not match.'),
    );
    expect(await get(signOneLegged(url, { consumerKey: 'ck_unknown', consumerSecret }))).toEqual(authError('Consumer key is invalid.'));
    const stale = Math.floor(Date.now() / 1000) - 16 * 60;
    expect(await get(signOneLegged(url, { consumerKey, consumerSecret, timestamp: stale }))).toEqual(authError('Invalid timestamp.'));
    const once = signOneLegged(url, { consumerKey, consumerSecret });
    expect((await get(once)).status).toBe(200);
    expect(await get(once)).toEqual(authError('Invalid nonce - nonce has already been used.'));
    // SHA1 is the other method WooCommerce takes.
    expect((await get(signOneLegged(url, { consumerKey, consumerSecret, signatureMethod: 'HMAC-SHA1' }))).status).toBe(200);

    // A connector with the wrong secret: refused on its first call, the integration needs reconnecting.
    const wrong = await harness.integration('woocommerce', { credentials: { consumerKey, consumerSecret: 'cs_wrong' } });
    const failed = await harness.settle(DATA_SYNC, (await harness.sync(wrong)).id!);
    expect(failed.state).toBe('failed');
    expect(await harness.store.getIntegration(wrong.id)).toMatchObject({
      status: 'NEEDS_REAUTH',
      lastError: expect.stringContaining('Invalid signature - provided signature does not match.'),
    });
  });

  test("an incremental sync picks up a refund on an old order, dated by the refund's own date_created_gmt", async () => {
    const harness = (h = await openWorkerHarness(dialect));
    const s: CommerceStandin = await harness.standin('woocommerce');
    const integ = await harness.integration('woocommerce');
    expect((await harness.settle(DATA_SYNC, (await harness.sync(integ, { syncType: 'full' })).id!)).state).toBe('completed');
    const before = await snapshot(harness.store, integ.id);
    const metricsBefore = expectedFor(s, fullWindow());

    // An order from weeks ago, refunded yesterday at 23:00 UTC (01:00 today in the store's UTC+2), and
    // changed again this morning: the refund counts yesterday — not on the order's day, not on its last change.
    const ago = (days: number) => Date.now() - days * 86_400_000;
    const old = s.orders.find((o) => o.refunds.length === 0 && o.status === 'completed' && o.createdAt < ago(40) && o.createdAt > ago(80))!;
    const yesterday = addDays(today(), -1);
    const refundAt = Date.parse(`${today()}T00:00:00Z`) - 3600_000;
    const refund = s.refundOrder(old.id, 5, refundAt);
    s.touchOrder(old.id);
    const calls = s.requests.length;

    const inc = await harness.settle(DATA_SYNC, (await harness.sync(integ, { syncType: 'incremental' })).id!);
    expect(inc.state, inc.failedReason).toBe('completed');
    expect(result(inc).mode).toBe('incremental');
    const newCalls = s.requests.slice(calls);
    expect(newCalls.find((r) => r.path === ORDERS)?.query.modified_after).toEqual(expect.any(String));
    expect(newCalls.map((r) => r.path)).toContain(refundsPath(old.id));

    const after = await snapshot(harness.store, integ.id);
    expect(changedKeys(before.records, after.records, recordKey)).toEqual([`order/${old.id}`, `refund/${refund.id}`]);
    expect(after.records.find((r) => r.kind === 'refund' && r.external_id === refund.id)).toMatchObject({
      occurred_on: yesterday,
      amount: 5,
      currency: 'EUR',
      platform_updated_at: new Date(refundAt).toISOString(),
    });
    expect(changedKeys(before.metrics, after.metrics, (m) => key(m.date, m.metric))).toEqual([key(yesterday, 'refund_amount'), key(yesterday, 'refunds')]);
    const stored = await storedMetrics(harness.store, integ.id);
    expect(stored.get(key(yesterday, 'refunds'))).toBe((metricsBefore.get(key(yesterday, 'refunds')) ?? 0) + 1);
    expect(stored.get(key(yesterday, 'refund_amount'))).toBe(Math.round(((metricsBefore.get(key(yesterday, 'refund_amount')) ?? 0) + 5) * 100) / 100);
    expect(stored).toEqual(expectedFor(s, fullWindow()));
  });

  /** The webhook intake of the real app (`npm start`), with an integration that has its own secret. */
  async function openHooks(): Promise<{ h: HttpHarness; integ: Integration; secret: string }> {
    const harness = (h = await openHttpHarness(dialect));
    const secret = `woo-${randomUUID()}`;
    const integ = await harness.integration('woocommerce', { webhookSecret: secret });
    return { h: harness, integ, secret };
  }
  const post = async (hh: HttpHarness, integ: Integration, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${hh.base}/api/webhooks/woocommerce?integration=${integ.id}`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('the ping WooCommerce sends when a webhook is created is answered 200 and queues nothing; unsigned or badly signed deliveries are still 401', async () => {
    const { h: hh, integ } = await openHooks();
    const ping = fixture('webhook-ping.json') as { headers: Record<string, string>; body: string };

    expect(await post(hh, integ, ping.body, ping.headers)).toEqual({ status: 200, body: { received: true, ping: true } });
    expect(await post(hh, integ, 'webhook_id=7', {})).toEqual({ status: 200, body: { received: true, ping: true } });
    expect(await allJobs(hh.queueService, HOOKS)).toEqual([]);

    const refused = { status: 401, body: { error: expect.objectContaining({ code: 'BAD_SIGNATURE' }) } };
    const json = JSON.stringify({ id: 1, status: 'completed' });
    expect(await post(hh, integ, json, { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.updated' })).toMatchObject(refused);
    expect(await post(hh, integ, ping.body, { ...ping.headers, 'x-wc-webhook-signature': 'bm90IGl0' })).toMatchObject(refused);
    expect(await post(hh, integ, 'webhook_id=7&status=completed', ping.headers)).toMatchObject(refused);
    expect(await post(hh, integ, 'webhook_id=abc', ping.headers)).toMatchObject(refused);
    expect(await allJobs(hh.queueService, HOOKS)).toEqual([]);
  });

  test('a signed delivery is queued and processed; another in the same second (same delivery id, another body) is not dropped', async () => {
    const { h: hh, integ, secret } = await openHooks();
    const delivery = fixture('webhook-order-updated.json') as { headers: Record<string, string>; body: Record<string, unknown> };
    const deliveryId = randomUUID().replace(/-/g, '');
    const send = async (order: Record<string, unknown>) => {
      // As wp_json_encode writes it: compact, "/" escaped.
      const raw = JSON.stringify(order).replace(/\//g, '\\/');
      const headers = {
        ...delivery.headers,
        'X-WC-Webhook-Delivery-ID': deliveryId,
        'X-WC-Webhook-Signature': createHmac('sha256', secret).update(raw).digest('base64'),
      };
      const jobId = `woocommerce-${deliveryId}-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
      expect(await post(hh, integ, raw, headers)).toEqual({ status: 200, body: { received: true, jobId } });
      return jobId;
    };

    const first = await send(delivery.body);
    const second = await send({ ...delivery.body, id: 728, number: '728', total: '12.50' });
    expect(first).not.toBe(second);
    for (const jobId of [first, second]) {
      const done = await hh.settle(HOOKS, jobId);
      expect(done.state, done.failedReason).toBe('completed');
      expect(done.returnvalue as WebhookResult).toEqual({ eventId: jobId, status: 'processed', records: 1, changed: expect.any(Number) });
    }
    const rows = await snapshot(hh.store, integ.id);
    expect(rows.records.map((r) => [r.kind, r.external_id, r.amount, r.occurred_on, r.source])).toEqual([
      ['order', '727', 29.35, '2017-03-22', 'webhook'],
      ['order', '728', 12.5, '2017-03-22', 'webhook'],
    ]);
  });
});

describe('webhook intake log', () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const added: unknown[] = [];
  let base = '';
  let close: () => Promise<void>;
  beforeAll(async () => {
    const log = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(JSON.parse(String(chunk)));
          cb();
        },
      }),
    );
    const queueService = {
      addJob: async (...args: unknown[]) => {
        added.push(args);
        return { id: 'job-1' };
      },
    } as unknown as QueueService;
    const app = express();
    app.use('/api/webhooks', webhookRoutes({ queueService, secretFor: () => 'woo-secret', bodyLimit: '1mb', log }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  it('a ping is an info line, not a warning, and adds no job; an unsigned delivery is still a refused one', async () => {
    const ping = await fetch(`${base}/api/webhooks/woocommerce`, { method: 'POST', body: 'webhook_id=142' });
    expect(ping.status).toBe(200);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[30, 'Webhook ping answered']]);
    expect(added).toEqual([]);

    const unsigned = await fetch(`${base}/api/webhooks/woocommerce`, { method: 'POST', body: '{"id":1}', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Webhook ping answered'],
      [40, 'Webhook refused: signature check failed'],
    ]);
    expect(added).toEqual([]);
  });
});
