import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { DEFAULT_API_VERSIONS } from '../../server/domain/connectors/api-versions.ts';
import { stripeConnector } from '../../server/domain/connectors/stripe.ts';
import type { Page } from '../../server/domain/connectors/types.ts';
import { startStandin, type StripeStandin } from '../../server/demo/standins/index.ts';
import type { DataSyncResult } from '../../server/domain/sync/data-sync.ts';
import { UNTOLD_THROTTLE_BASE_MS } from '../../server/domain/sync/data-sync.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import {
  addDays,
  allJobs,
  changedKeys,
  expectedFor,
  failRequest,
  fullWindow,
  key,
  openWorkerHarness,
  recordKey,
  snapshot,
  storedMetrics,
  today,
  type WorkerHarness,
} from '../fixtures/sync-harness.ts';

const DATA_SYNC = QueueName.DATA_SYNC;
const DAY_MS = 86_400_000;
const noonOf = (day: string) => Date.parse(`${day}T12:00:00Z`);
const round2 = (n: number) => Math.round(n * 100) / 100;

describeOnStores('Stripe sync', (dialect, test) => {
  let h: WorkerHarness | undefined;
  const open = async (opts: Parameters<typeof openWorkerHarness>[1] = {}) => (h = await openWorkerHarness(dialect, opts));
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const result = (job: { returnvalue: unknown }) => job.returnvalue as DataSyncResult;
  async function sync(hh: WorkerHarness, integ: Parameters<WorkerHarness['sync']>[0], syncType: 'full' | 'incremental') {
    const done = await hh.settle(DATA_SYNC, (await hh.sync(integ, { syncType })).id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(result(done).mode).toBe(syncType);
    return result(done);
  }
  const rowOf = async (hh: WorkerHarness, integrationId: string, kind: string, externalId: string) =>
    (await snapshot(hh.store, integrationId)).records.find((r) => r.kind === kind && r.external_id === externalId);
  /** A day's stored metric (0 when the day has none). */
  const metricOn = async (hh: WorkerHarness, integrationId: string, day: string, metric: string) =>
    (await storedMetrics(hh.store, integrationId)).get(key(day, metric)) ?? 0;

  test('a full sync reads charges, then refunds, then disputes, every request with the pinned Stripe-Version; three-decimal and zero-decimal amounts right, an authorization no sale', async () => {
    const h = await open();
    const s: StripeStandin = await h.standin('stripe');
    const d1 = addDays(today(), -40);
    const d2 = addDays(today(), -20);
    const kwd = s.addOrder({ createdAt: noonOf(d1), currency: 'KWD', amount: 12.34 });
    const bhd = s.addOrder({ createdAt: noonOf(d1) + 60_000, currency: 'BHD', amount: 7.5 });
    const jpy = s.addOrder({ createdAt: noonOf(d1) + 120_000, currency: 'JPY', amount: 1000 });
    const kwdRefund = s.refundOrder(kwd.id, 1.23);
    const auth = s.addOrder({ createdAt: noonOf(d2), status: 'uncaptured', amount: 99 });
    const integ = await h.integration('stripe');

    const full = await sync(h, integ, 'full');
    const window = fullWindow();

    // One request per page, the phases in order, each with the Stripe-Version the connector pins.
    expect(s.requests).toHaveLength(full.pages);
    expect(s.requests.every((r) => r.status === 200)).toBe(true);
    expect(s.requests.map((r) => r.path).filter((p, i, all) => p !== all[i - 1])).toEqual(['/v1/charges', '/v1/refunds', '/v1/disputes']);
    expect(s.stripeVersions).toEqual(s.requests.map(() => DEFAULT_API_VERSIONS.stripe));
    expect(DEFAULT_API_VERSIONS.stripe).toBe('2026-08-26.dahlia');

    const rows = await snapshot(h.store, integ.id);
    expect(rows.records.map(recordKey)).toEqual(s.expectedRecords(window.startDate, window.endDate).map(recordKey).sort());
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, window));

    // Amounts by each currency's exponent: KWD thousandths (12340 → 12.34, not 123.4), JPY whole yen.
    const stored = (id: string, kind = 'charge') => rows.records.find((r) => r.kind === kind && r.external_id === id)!;
    expect([kwd, bhd, jpy].map((o) => [Number(stored(o.id).amount), stored(o.id).currency])).toEqual([
      [12.34, 'KWD'],
      [7.5, 'BHD'],
      [1000, 'JPY'],
    ]);
    // The refund is its own record, on its own day (today), not the charge's.
    expect(stored(kwdRefund.id, 'refund')).toMatchObject({ occurred_on: today(), currency: 'KWD' });
    expect(Number(stored(kwdRefund.id, 'refund').amount)).toBe(1.23);
    // Day d1's revenue: its USD sales plus 12.34 KWD, 7.5 BHD and 1000 JPY (the store sums amounts as they are).
    const usdOnD1 = s
      .expectedRecords(d1, d1)
      .filter((r) => r.kind === 'charge' && r.currency === 'USD' && r.status === 'succeeded')
      .reduce((t, r) => t + r.amount, 0);
    expect(await metricOn(h, integ.id, d1, 'revenue')).toBe(round2(usdOnD1 + 12.34 + 7.5 + 1000));

    // The authorization is stored, as no sale: day d2 counts only its captured charges.
    expect(stored(auth.id)).toMatchObject({ status: 'pending', occurred_on: d2 });
    expect(Number(stored(auth.id).amount)).toBe(99);
    const salesOnD2 = s.expectedRecords(d2, d2).filter((r) => r.kind === 'charge' && r.status === 'succeeded');
    expect(await metricOn(h, integ.id, d2, 'revenue')).toBe(round2(salesOnD2.reduce((t, r) => t + r.amount, 0)));
    expect(await metricOn(h, integ.id, d2, 'orders')).toBe(salesOnD2.length);
  });

  test('an incremental sync reads a refund made today on a charge from 20 days ago (/v1/refunds by creation), counted on the refund day only', async () => {
    const h = await open();
    const s = await h.standin('stripe');
    const integ = await h.integration('stripe');
    await sync(h, integ, 'full');
    const old = s.orders.find(
      (o) => o.status === 'succeeded' && o.refunds.length === 0 && o.createdAt < Date.now() - 15 * DAY_MS && o.createdAt > Date.now() - 25 * DAY_MS,
    )!;
    expect(old).toBeDefined();
    const oldDay = new Date(old.createdAt).toISOString().slice(0, 10);
    const before = await snapshot(h.store, integ.id);
    const oldDayBefore = ['revenue', 'orders', 'refunds', 'refund_amount'].map((m) => before.metrics.find((x) => x.date === oldDay && x.metric === m)?.value);
    const refundsToday = await metricOn(h, integ.id, today(), 'refunds');
    const refundAmountToday = await metricOn(h, integ.id, today(), 'refund_amount');

    const refund = s.refundOrder(old.id, 5);
    const from = s.requests.length;
    await sync(h, integ, 'incremental');

    const after = await snapshot(h.store, integ.id);
    expect(changedKeys(before.records, after.records, recordKey)).toEqual([`refund/${refund.id}`]);
    expect(await rowOf(h, integ.id, 'refund', refund.id)).toMatchObject({ occurred_on: today(), status: 'succeeded', source: 'sync' });
    expect(await metricOn(h, integ.id, today(), 'refunds')).toBe(refundsToday + 1);
    expect(await metricOn(h, integ.id, today(), 'refund_amount')).toBe(round2(refundAmountToday + 5));
    expect(['revenue', 'orders', 'refunds', 'refund_amount'].map((m) => after.metrics.find((x) => x.date === oldDay && x.metric === m)?.value)).toEqual(
      oldDayBefore,
    );
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    // The lists re-read from the day before the cursor's day; the events come last.
    const reqs = s.requests.slice(from);
    const since = Date.parse(`${addDays(today(), -1)}T00:00:00Z`) / 1000;
    expect(reqs.map((r) => r.path).filter((p, i, all) => p !== all[i - 1])).toEqual(['/v1/charges', '/v1/refunds', '/v1/disputes', '/v1/events']);
    for (const r of reqs.filter((x) => x.path !== '/v1/events')) expect(Number(r.query['created[gte]'])).toBeLessThanOrEqual(since);
  });

  test('an incremental sync reads changes on older charges from the Events API, oldest first across pages: pending → succeeded, an authorization captured', async () => {
    const h = await open();
    const s = await h.standin('stripe', { pageSizeCap: 25 });
    const pending = s.addOrder({ createdAt: noonOf(addDays(today(), -10)), status: 'pending', amount: 80 });
    const auth = s.addOrder({ createdAt: noonOf(addDays(today(), -6)), status: 'uncaptured', amount: 45 });
    const integ = await h.integration('stripe');
    await sync(h, integ, 'full');
    expect(await rowOf(h, integ.id, 'charge', pending.id)).toMatchObject({ status: 'pending' });
    expect(await rowOf(h, integ.id, 'charge', auth.id)).toMatchObject({ status: 'pending' });
    const before = await snapshot(h.store, integ.id);

    // The authorization changes twice (an update while still uncaptured, then the capture), with 30
    // other changes between: the walk spans pages, and only walking up from the oldest ends it captured.
    // The pending charge changes twice on one page: only reading each page oldest first ends it succeeded.
    s.touchOrder(auth.id);
    const others = s.orders
      .filter((o) => o.status === 'succeeded' && o.createdAt < Date.now() - 3 * DAY_MS && o.createdAt > Date.now() - 80 * DAY_MS)
      .slice(0, 30);
    expect(others).toHaveLength(30);
    for (const o of others) s.touchOrder(o.id);
    s.touchOrder(pending.id);
    s.touchOrder(pending.id, { status: 'succeeded' });
    s.touchOrder(auth.id, { status: 'succeeded' });
    expect(
      s
        .eventLog()
        .slice(-34)
        .map((e) => e.type),
    ).toEqual(['charge.updated', ...others.map(() => 'charge.updated'), 'charge.updated', 'charge.succeeded', 'charge.captured']);

    const from = s.requests.length;
    await sync(h, integ, 'incremental');

    const after = await snapshot(h.store, integ.id);
    expect(changedKeys(before.records, after.records, recordKey)).toEqual([`charge/${pending.id}`, `charge/${auth.id}`].sort());
    expect(await rowOf(h, integ.id, 'charge', pending.id)).toMatchObject({ status: 'succeeded' });
    expect(await rowOf(h, integ.id, 'charge', auth.id)).toMatchObject({ status: 'succeeded' });
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));

    // The events read: the newest event before the cursor as anchor, then upwards from it, 25 a page.
    const events = s.requests.slice(from).filter((r) => r.path === '/v1/events');
    expect(events[0].query).toMatchObject({ limit: '1', 'types[0]': 'charge.succeeded', 'created[lt]': expect.any(String) });
    const up = events.slice(1);
    expect(up.length).toBeGreaterThanOrEqual(2);
    for (const r of up) expect(r.query).toMatchObject({ limit: '100', ending_before: expect.stringMatching(/^evt_/), 'types[2]': 'charge.captured' });
    expect(new Set(up.map((r) => r.query.ending_before)).size).toBe(up.length);
  });

  test('a chargeback counts as money back on its day; won, the reinstatement arrives through the Events API and it counts 0', async () => {
    const h = await open();
    const s = await h.standin('stripe');
    const charge = s.orders.find(
      (o) => o.status === 'succeeded' && o.refunds.length === 0 && o.createdAt < Date.now() - 12 * DAY_MS && o.createdAt > Date.now() - 20 * DAY_MS,
    )!;
    const disputeDay = addDays(today(), -10);
    const dispute = s.disputeCharge(charge.id, noonOf(disputeDay));
    const integ = await h.integration('stripe');
    await sync(h, integ, 'full');
    expect(await rowOf(h, integ.id, 'refund', dispute.id)).toMatchObject({ occurred_on: disputeDay, status: 'needs_response', currency: 'USD' });
    expect(Number((await rowOf(h, integ.id, 'refund', dispute.id))!.amount)).toBe(charge.totalMinor / 100);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    const refundAmount = await metricOn(h, integ.id, disputeDay, 'refund_amount');

    s.closeDispute(dispute.id, 'won');
    await sync(h, integ, 'incremental');
    expect(await rowOf(h, integ.id, 'refund', dispute.id)).toMatchObject({ occurred_on: disputeDay, status: 'won' });
    expect(Number((await rowOf(h, integ.id, 'refund', dispute.id))!.amount)).toBe(0);
    expect(await metricOn(h, integ.id, disputeDay, 'refund_amount')).toBe(round2(refundAmount - charge.totalMinor / 100));
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
  });

  test('STRIPE_API_VERSION is the Stripe-Version sent', async () => {
    const h = await open({ env: { STRIPE_API_VERSION: '2026-07-29.dahlia' } });
    const s = await h.standin('stripe');
    const integ = await h.integration('stripe');
    await sync(h, integ, 'full');
    expect(s.stripeVersions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(s.stripeVersions)).toEqual(new Set(['2026-07-29.dahlia']));
  });

  test('a Stripe-Version Stripe does not know fails the sync at once with an API_VERSION_ERROR alert (ERROR, not NEEDS_REAUTH)', async () => {
    const h = await open({ env: { STRIPE_API_VERSION: '2031-01-01.zinnia' } });
    const s = await h.standin('stripe');
    const integ = await h.integration('stripe');
    const failed = await h.settle(DATA_SYNC, (await h.sync(integ, { syncType: 'full' })).id!);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/refused access.*2031-01-01\.zinnia/);
    expect(s.requests.map((r) => r.status)).toEqual([400]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({
      status: 'ERROR',
      lastError: expect.stringContaining('Invalid Stripe API version: 2031-01-01.zinnia'),
    });
    const alerts = await allJobs(h.queueService, QueueName.ALERTS);
    expect(alerts.map((a) => a.data)).toEqual([
      {
        organizationId: h.org.id,
        alertType: 'API_VERSION_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining('STRIPE_API_VERSION'),
        metadata: { integrationId: integ.id, platform: 'stripe', status: 400 },
      },
    ]);
  });

  test('a 429 (Stripe names no wait) parks the job for the engine backoff, not a failed attempt; it resumes from its page', async () => {
    const h = await open();
    const s = await h.standin('stripe', { pageSizeCap: 50 });
    const integ = await h.integration('stripe');
    const job = await h.sync(integ, { syncType: 'full' });
    const failedAt = await failRequest(s, 2, 429);

    const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect(parked.state).toBe('delayed');
    expect(parked.attemptsMade).toBe(0);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'deferred', pages: 1, error: expect.stringContaining('rate_limit') }]);
    const { nextRunAt } = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
    expect(nextRunAt! - s.requests[failedAt].at).toBeGreaterThanOrEqual(UNTOLD_THROTTLE_BASE_MS - 1000);

    await h.queueService.promoteJob(DATA_SYNC, job.id!);
    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    // The failed page is asked again with the same cursor, nothing before it.
    expect(s.requests[failedAt + 1].query).toEqual(s.requests[failedAt].query);
    expect(s.requests.map((r) => r.status).filter((x) => x !== 200)).toEqual([429]);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
  });
});

describe('Stripe connector against its stand-in', () => {
  let s: StripeStandin;
  beforeAll(async () => {
    s = await startStandin('stripe');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('an incremental window whose cursor is older than the 30 days of events says so on the run', async () => {
    const window = { since: new Date(Date.now() - 40 * DAY_MS).toISOString(), startDate: fullWindow().startDate, endDate: today() };
    const pages: Page[] = [];
    let token: string | undefined;
    do {
      const page = await stripeConnector.fetchPage(s.context(), window, token);
      pages.push(page);
      token = page.nextPage;
    } while (token);
    expect(pages.filter((p) => p.notice).map((p) => p.notice)).toEqual([expect.stringMatching(/^Stripe keeps events 30 days.*run a full sync$/)]);
  });

  it('without a Stripe-Version the stand-in refuses, as an unknown version is refused', async () => {
    const res = await fetch(`${s.url}/v1/charges`, { headers: { Authorization: `Bearer ${s.credentials.secretKey}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});
