/**
 * Shopify on the GraphQL Admin API, end to end against its stand-in (which enforces the served versions,
 * the cost bucket, the 60-day window without read_all_orders and protected-data approval): syncs through
 * the real worker runtime, and refunds/create through the real webhook intake, on SQLite and PostgreSQL.
 */
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { ORDERS_PER_PAGE } from '../../server/domain/connectors/shopify-graphql.ts';
import type { DataSyncResult } from '../../server/domain/sync/data-sync.ts';
import type { WebhookResult } from '../../server/domain/sync/webhook-processing.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import {
  addDays,
  allJobs,
  changedKeys,
  expectedFor,
  fullWindow,
  metricsFromRecords,
  openHttpHarness,
  openWorkerHarness,
  recordKey,
  snapshot,
  storedMetrics,
  today,
  type HttpHarness,
  type WorkerHarness,
} from '../fixtures/sync-harness.ts';

const DATA_SYNC = QueueName.DATA_SYNC;
const SCOPES = 'GET /admin/oauth/access_scopes.json';
const graphql = (version: string) => `POST /admin/api/${version}/graphql.json`;
const result = (job: { returnvalue: unknown }) => job.returnvalue as DataSyncResult;
const DAY = 86_400_000;

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/platforms/shopify');
/** Shopify's documented refund (REST, as refunds/create carries it), its currency codes replaced. */
const documentedRefund = (currency: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, 'refunds-create.json'), 'utf8').replaceAll('"USD"', `"${currency}"`)) as Record<string, unknown> & {
    transactions: Record<string, unknown>[];
  };

describeOnStores('Shopify connector', (dialect, test) => {
  let h: WorkerHarness | HttpHarness | undefined;
  const open = async (opts: Parameters<typeof openWorkerHarness>[1] = {}) => {
    const harness = await openWorkerHarness(dialect, opts);
    h = harness;
    return harness;
  };
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('a full sync: the scopes once, then one GraphQL query per page at the configured version, each after the last cursor; the window stored exactly', async () => {
    const h = await open({ env: { SHOPIFY_API_VERSION: '2026-07' } });
    const s = await h.standin('shopify');
    const integ = await h.integration('shopify');
    const window = fullWindow();
    const want = s.expectedRecords(window.startDate, window.endDate);
    const pages = Math.ceil(want.filter((r) => r.kind === 'order').length / ORDERS_PER_PAGE);

    const job = await h.sync(integ);
    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(result(done)).toMatchObject({ integrationId: integ.id, mode: 'full', pages, records: want.length });
    expect(result(done).notice).toBeUndefined();

    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([SCOPES, ...Array.from({ length: pages }, () => graphql('2026-07'))]);
    expect(s.requests.map((r) => r.status)).toEqual(Array.from({ length: pages + 1 }, () => 200));
    const search = `created_at:>='${window.startDate}T00:00:00Z' AND created_at:<='${window.endDate}T23:59:59Z'`;
    expect(s.queries.map((q) => [q.version, q.first, q.search, q.sortKey, q.outcome])).toEqual(
      Array.from({ length: pages }, () => ['2026-07', ORDERS_PER_PAGE, search, 'CREATED_AT', 'ok']),
    );
    // Each page after the previous one's last order: no page read twice.
    expect(new Set(s.queries.map((q) => q.after)).size).toBe(pages);
    expect(s.queries.reduce((n, q) => n + q.returned, 0)).toBe(want.filter((r) => r.kind === 'order').length);

    const rows = await snapshot(h.store, integ.id);
    expect(rows.records.map(recordKey)).toEqual(want.map(recordKey).sort());
    expect(rows.records.filter((r) => r.kind === 'refund').length).toBe(want.filter((r) => r.kind === 'refund').length);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, window));
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'succeeded', pages, records: want.length, notice: null, error: null }]);
  });

  test('an incremental sync picks up a refund on an order older than the window, dated by the refund, without storing that old day', async () => {
    const h = await open();
    const s = await h.standin('shopify', { days: 120 });
    const integ = await h.integration('shopify');
    expect((await h.settle(DATA_SYNC, (await h.sync(integ)).id!)).state).toBe('completed');
    const cursor = (await h.store.getIntegration(integ.id))!.syncCursor!;
    const before = await snapshot(h.store, integ.id);
    const metricsBefore = await storedMetrics(h.store, integ.id);

    // Placed 100 days ago, outside the 90-day window; refunded now.
    const old = s.orders.find(
      (o) => o.refunds.length === 0 && o.status === 'paid' && o.createdAt < Date.now() - 95 * DAY && o.createdAt > Date.now() - 110 * DAY,
    )!;
    expect(old).toBeDefined();
    const refund = s.refundOrder(old.id, 7.5);
    const queriesBefore = s.queries.length;
    // What changed at or after the cursor (inclusive): the newest synced order(s) again, and the old one.
    const changedSince = s.orders.filter((o) => o.updatedAt >= Date.parse(cursor));
    expect(changedSince.map((o) => o.id)).toContain(old.id);

    const inc = await h.settle(DATA_SYNC, (await h.sync(integ, { syncType: 'incremental' })).id!);
    expect(inc.state, inc.failedReason).toBe('completed');
    // The old order itself is left out (its day is outside the window); its refund is kept.
    const records = changedSince.reduce((n, o) => n + (o.id === old.id ? 0 : 1) + o.refunds.length, 0);
    expect(result(inc)).toMatchObject({ mode: 'incremental', pages: 1, records });
    // Changed since the cursor, whatever the order's age: the late refund on an old order arrives.
    expect(s.queries.slice(queriesBefore).map((q) => [q.search, q.sortKey, q.returned])).toEqual([
      [`updated_at:>='${cursor.replace(/\.\d{3}Z$/, 'Z')}'`, 'UPDATED_AT', changedSince.length],
    ]);

    const after = await snapshot(h.store, integ.id);
    expect(changedKeys(before.records, after.records, recordKey)).toEqual([`refund/${refund.id}`]);
    expect(after.records.find((r) => r.external_id === refund.id)).toMatchObject({
      kind: 'refund',
      occurred_on: today(),
      amount: 7.5,
      currency: 'USD',
      status: 'success',
      source: 'sync',
    });
    expect(after.records.some((r) => r.external_id === old.id)).toBe(false);
    // Only today's refund figures moved; the old order's day got no half-stored metrics.
    const metricsAfter = await storedMetrics(h.store, integ.id);
    const moved = [...new Set([...metricsBefore.keys(), ...metricsAfter.keys()])].filter((k) => metricsBefore.get(k) !== metricsAfter.get(k)).sort();
    expect(moved).toEqual([`${today()}|refund_amount`, `${today()}|refunds`]);
    expect(metricsAfter.get(`${today()}|refund_amount`)).toBe(Math.round(((metricsBefore.get(`${today()}|refund_amount`) ?? 0) + 7.5) * 100) / 100);
    expect([...metricsAfter.keys()].some((k) => k.startsWith(new Date(old.createdAt).toISOString().slice(0, 10)))).toBe(false);
    expect((await h.store.getIntegration(integ.id))?.syncCursor).toBe(new Date(refund.createdAt).toISOString());
  });

  test('the cost bucket: a page that would not fit waits for the refill (no THROTTLED), each wait as long as the bucket says', async () => {
    const h = await open();
    // A bucket just over one query's requested cost (982): after each page the next must wait a little.
    const s = await h.standin('shopify', { shopify: { bucket: { maximumAvailable: 1000, restoreRate: 500 } } });
    const integ = await h.integration('shopify');
    const startDate = addDays(today(), -9);
    const done = await h.settle(DATA_SYNC, (await h.sync(integ, { syncType: 'full', startDate, endDate: today() })).id!);
    expect(done.state, done.failedReason).toBe('completed');
    const pages = result(done).pages;
    const orders = s.expectedRecords(startDate, today()).filter((r) => r.kind === 'order').length;
    expect(pages).toBe(Math.ceil(orders / ORDERS_PER_PAGE));
    expect(pages).toBeGreaterThanOrEqual(3);

    // One query per page, none refused: no retry loop.
    expect(s.queries.map((q) => q.outcome)).toEqual(Array.from({ length: pages }, () => 'ok'));
    for (let i = 1; i < s.queries.length; i++) {
      const prev = s.queries[i - 1];
      const wait = Math.ceil(((prev.requestedQueryCost - prev.currentlyAvailable) / 500) * 1000);
      expect(wait).toBeGreaterThan(0);
      expect(s.queries[i].at - prev.at).toBeGreaterThanOrEqual(wait - 1);
    }
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, { startDate, endDate: today() }));
  });

  test('THROTTLED (HTTP 200): the job is delayed as long as the bucket needs to refill, then resumes at that page; one refused call, no hot loop', async () => {
    const h = await open();
    const s = await h.standin('shopify', { shopify: { bucket: { maximumAvailable: 1000, restoreRate: 400 } } });
    const integ = await h.integration('shopify');
    // Another client of the same app and shop has just spent the bucket.
    s.drain();
    const startDate = addDays(today(), -4);
    const job = await h.sync(integ, { syncType: 'full', startDate, endDate: today() });

    const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect(parked.state).toBe('delayed');
    expect(parked.attemptsMade).toBe(0);
    const [throttled] = s.queries;
    expect(throttled).toMatchObject({ outcome: 'THROTTLED', requestedQueryCost: 982, actualQueryCost: null });
    const wait = Math.ceil(((982 - throttled.currentlyAvailable) / 400) * 1000);
    // A real wait (the bucket refills 400 points a second from nearly empty), not a retry at once.
    expect(wait).toBeGreaterThan(1000);
    const { nextRunAt } = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
    expect(nextRunAt! - throttled.at).toBeGreaterThanOrEqual(wait);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([
      { status: 'deferred', pages: 0, error: expect.stringContaining('throttled: 982 points asked') },
    ]);

    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    const pages = result(done).pages;
    // Scopes and the refused query; after the wait (a new attempt reads the scopes again) every page once.
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      SCOPES,
      graphql('2026-10'),
      SCOPES,
      ...Array.from({ length: pages }, () => graphql('2026-10')),
    ]);
    expect(s.queries.map((q) => q.outcome)).toEqual(['THROTTLED', ...Array.from({ length: pages }, () => 'ok')]);
    expect(s.queries[1].at - throttled.at).toBeGreaterThanOrEqual(wait);
    expect(s.queries[1].after).toBeNull();
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, { startDate, endDate: today() }));
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'succeeded', pages, error: null }]);
  });

  test('without read_all_orders a full sync reads 60 days, never asks for older orders, and says so on the run and in the job result', async () => {
    const h = await open();
    const s = await h.standin('shopify', { shopify: { scopes: ['read_orders'] } });
    const integ = await h.integration('shopify');
    const earliest = addDays(today(), -59);
    const notice = `orders older than 60 days are not readable without the read_all_orders scope; synced from ${earliest}`;

    const job = await h.sync(integ, { syncType: 'full' });
    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(result(done)).toMatchObject({ mode: 'full', notice });
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'succeeded', notice }]);
    expect((await h.queueService.getJobDetail(DATA_SYNC, job.id!)).returnvalue).toMatchObject({ notice });

    const search = `created_at:>='${earliest}T00:00:00Z' AND created_at:<='${today()}T23:59:59Z'`;
    expect(new Set(s.queries.map((q) => q.search))).toEqual(new Set([search]));
    const want = s.expectedRecords(earliest, today());
    expect((await snapshot(h.store, integ.id)).records.map(recordKey)).toEqual(want.map(recordKey).sort());
    expect(await storedMetrics(h.store, integ.id)).toEqual(metricsFromRecords(want));
    // The 90-day window would have held more: days 61–90 are what the notice is about.
    expect(s.expectedRecords(fullWindow().startDate, addDays(earliest, -1)).length).toBeGreaterThan(0);

    // Incremental runs are bounded (and say so) the same way.
    const inc = await h.settle(DATA_SYNC, (await h.sync(integ, { syncType: 'incremental' })).id!);
    expect(inc.state, inc.failedReason).toBe('completed');
    expect(result(inc)).toMatchObject({ mode: 'incremental', notice });
    expect(s.queries.at(-1)!.search).toMatch(new RegExp(`^updated_at:>='[^']+' AND created_at:>='${earliest}T00:00:00Z'$`));
  });

  test('protected customer data refused (ACCESS_DENIED with HTTP 200): ERROR and a PERMISSION_ERROR alert, not NEEDS_REAUTH; a bad token still is', async () => {
    const h = await open();
    const s = await h.standin('shopify', { shopify: { protectedDataApproved: false } });
    const integ = await h.integration('shopify');
    const failed = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^shopify refused access: .*not approved to access the Order object/);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({
      status: 'ERROR',
      lastError: expect.stringContaining('not approved to access the Order object'),
    });
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'failed', error: expect.stringContaining('protected customer data') }]);
    expect(s.queries.map((q) => q.outcome)).toEqual(['ACCESS_DENIED']);
    expect(await h.store.countRows('platform_records')).toBe(0);

    const badToken = await h.integration('shopify', { credentials: { accessToken: 'shpat_revoked' } });
    const refused = await h.settle(DATA_SYNC, (await h.sync(badToken)).id!);
    expect(refused.state).toBe('failed');
    expect((await h.store.getIntegration(badToken.id))?.status).toBe('NEEDS_REAUTH');

    const alerts = (await allJobs(h.queueService, QueueName.ALERTS)).map((a) => a.data).sort((a, b) => a.alertType.localeCompare(b.alertType));
    expect(alerts).toEqual([
      {
        organizationId: h.org.id,
        alertType: 'AUTH_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining(badToken.name),
        metadata: { integrationId: badToken.id, platform: 'shopify', status: 401 },
      },
      {
        organizationId: h.org.id,
        alertType: 'PERMISSION_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining(
          `shopify integration "${integ.name}": Shopify refused the orders: This app is not approved to access the Order object`,
        ),
        metadata: { integrationId: integ.id, platform: 'shopify', status: 403 },
      },
    ]);
  });

  test('a retired API version (2025-10 answers 404): ERROR and an API_VERSION_ERROR alert naming SHOPIFY_API_VERSION', async () => {
    const h = await open({ env: { SHOPIFY_API_VERSION: '2025-10' } });
    const s = await h.standin('shopify');
    const integ = await h.integration('shopify');
    const failed = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(s.requests.map((r) => [`${r.method} ${r.path}`, r.status])).toEqual([
      [SCOPES, 200],
      [graphql('2025-10'), 404],
    ]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'ERROR', lastError: expect.stringContaining('SHOPIFY_API_VERSION') });
    expect((await allJobs(h.queueService, QueueName.ALERTS)).map((a) => [a.data.alertType, a.data.metadata])).toEqual([
      ['API_VERSION_ERROR', { integrationId: integ.id, platform: 'shopify', status: 404 }],
    ]);
  });

  test("refunds/create (Shopify's documented refund, REST-shaped) takes its currency from the payload, with or without a transaction currency", async () => {
    const hh = await openHttpHarness(dialect);
    h = hh;
    const secret = `whsec_shopify_${randomUUID().slice(0, 8)}`;
    const integ = await hh.integration('shopify', { webhookSecret: secret });

    const deliver = async (object: unknown) => {
      const body = JSON.stringify(object);
      const eventId = randomUUID();
      const res = await fetch(`${hh.base}/api/webhooks/shopify?integration=${encodeURIComponent(integ.id)}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
          'x-shopify-topic': 'refunds/create',
          'x-shopify-webhook-id': eventId,
          'x-shopify-shop-domain': 'standin-shop.myshopify.com',
          'x-shopify-api-version': '2026-10',
        },
        body,
      });
      expect(res.status).toBe(200);
      const done = await hh.settle(QueueName.WEBHOOK_PROCESSING, `shopify-${eventId}`);
      expect(done.state, done.failedReason).toBe('completed');
      return done.returnvalue as WebhookResult;
    };

    // As documented, in a Canadian shop: the transaction says CAD.
    expect(await deliver(documentedRefund('CAD'))).toMatchObject({ status: 'processed', records: 1 });
    // A sample delivery: no transaction currency; what it refunded (a shipping adjustment) says EUR.
    const sample = documentedRefund('EUR');
    expect(
      await deliver({
        ...sample,
        id: 929361499,
        admin_graphql_api_id: 'gid://shopify/Refund/929361499',
        transactions: sample.transactions.map((t) => ({ ...t, currency: null })),
      }),
    ).toMatchObject({
      status: 'processed',
      records: 1,
    });

    const rows = await snapshot(hh.store, integ.id);
    expect(rows.records.map((r) => [r.kind, r.external_id, r.occurred_on, r.amount, r.currency, r.status, r.source])).toEqual([
      ['refund', '929361471', '2025-04-02', 5, 'CAD', 'success', 'webhook'],
      ['refund', '929361499', '2025-04-02', 5, 'EUR', 'success', 'webhook'],
    ]);
    expect(await storedMetrics(hh.store, integ.id)).toEqual(
      new Map([
        ['2025-04-02|orders', 0],
        ['2025-04-02|refund_amount', 10],
        ['2025-04-02|refunds', 2],
        ['2025-04-02|revenue', 0],
      ]),
    );
  });
});
