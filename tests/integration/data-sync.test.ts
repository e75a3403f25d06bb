import { afterEach, expect, vi } from 'vitest';
import { PLATFORMS, type Platform } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { DEMO_ORG_ID, demoIntegrationId, seedDemo } from '../../server/demo/seed-demo.ts';
import { startDemoStandins } from '../../server/demo/demo-standins.ts';
import { IntegrationService } from '../../server/domain/integrations.ts';
import { STANDIN_DEFAULTS, type CommerceStandin, type MetricsStandin, type Standin } from '../../server/demo/standins/index.ts';
import type { DataSyncResult } from '../../server/domain/sync/data-sync.ts';
import { syncSchedulerId } from '../../server/queue/schedule-plan.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { fakeWallClock } from '../helpers/wall-clock.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
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

/** Page caps that make a 90-day window take several pages on every platform. */
const PAGE_CAP: Record<Platform, number> = { shopify: 100, woocommerce: 100, stripe: 100, 'google-analytics': 25, 'facebook-ads': 25 };
const isCommerce = (s: Standin): s is CommerceStandin => 'expectedRecords' in s;

/** WooCommerce's calls, one per page (a listing page, or one order's refunds), as path and page. */
const wooCalls = (s: Standin) => s.requests.map((r) => `${r.path}?page=${r.query.page}`);

/** Keys whose value differs between two day|metric maps. */
function differingKeys(a: Map<string, number>, b: Map<string, number>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

describeOnStores('data sync', (dialect, test) => {
  let h: WorkerHarness | undefined;
  const open = async (opts: Parameters<typeof openWorkerHarness>[1] = {}) => (h = await openWorkerHarness(dialect, opts));
  afterEach(async () => {
    vi.useRealTimers();
    await h?.close();
    h = undefined;
  });

  const result = (job: { returnvalue: unknown }) => job.returnvalue as DataSyncResult;

  for (const platform of PLATFORMS) {
    test(`${platform}: a full sync over several pages stores the stand-in's window exactly; a second run changes no row; an incremental one changes exactly what changed`, async () => {
      const h = await open();
      const s: Standin = await h.standin(platform, { pageSizeCap: PAGE_CAP[platform] });
      const integ = await h.integration(platform);
      const window = fullWindow();

      // — full —
      const job = await h.sync(integ, { syncType: 'full' });
      const done = await h.settle(DATA_SYNC, job.id!);
      expect(done.state, done.failedReason).toBe('completed');
      const full = result(done);
      expect(full).toMatchObject({ integrationId: integ.id, mode: 'full' });
      expect(full.pages).toBeGreaterThanOrEqual(3);
      // Google Analytics first gets an access token and the property's metric names, Shopify the token's scopes; then they read their pages.
      const SETUP: Partial<Record<Platform, string[]>> = {
        'google-analytics': ['/token', '/v1beta/properties/123456789/metadata'],
        shopify: ['/admin/oauth/access_scopes.json'],
      };
      const setup = SETUP[platform] ?? [];
      expect(s.requests.slice(0, setup.length).map((r) => r.path)).toEqual(setup);
      expect(s.requests.length).toBe(setup.length + full.pages);
      expect(s.requests.every((r) => r.status === 200)).toBe(true);

      const expected = expectedFor(s, window);
      expect(expected.size).toBeGreaterThan(200);
      expect(await storedMetrics(h.store, integ.id)).toEqual(expected);
      const rows = await snapshot(h.store, integ.id);
      const expectedCount = isCommerce(s)
        ? s.expectedRecords(window.startDate, window.endDate).length
        : s.expectedMetrics(window.startDate, window.endDate).length;
      if (isCommerce(s)) {
        const want = s.expectedRecords(window.startDate, window.endDate);
        expect(rows.records.map(recordKey)).toEqual(want.map(recordKey).sort());
        expect(rows.records.every((r) => r.source === 'sync' && r.organization_id === h.org.id)).toBe(true);
      } else {
        expect(rows.records).toEqual([]);
      }
      expect(full.records).toBe(expectedCount);

      // The run is recorded, and the integration remembers the sync.
      expect(await h.store.listSyncRuns(integ.id)).toMatchObject([
        { jobId: job.id, syncType: 'full', status: 'succeeded', pages: full.pages, records: expectedCount, error: null, finishedAt: expect.any(String) },
      ]);
      const synced = await h.store.getIntegration(integ.id);
      expect(synced).toMatchObject({ status: 'ACTIVE', lastError: null, lastSyncAt: expect.any(String) });
      if (isCommerce(s)) {
        const newest = s
          .expectedRecords(window.startDate, window.endDate)
          .map((r) => r.updatedAt)
          .sort()
          .at(-1);
        expect(synced?.syncCursor).toBe(newest);
      } else {
        expect(synced?.syncCursor).toEqual(expect.any(String));
      }

      // — the same full sync again: not one row changes, timestamps included —
      const before = await snapshot(h.store, integ.id);
      const again = await h.settle(DATA_SYNC, (await h.sync(integ, { syncType: 'full' })).id!);
      expect(again.state, again.failedReason).toBe('completed');
      expect(result(again)).toMatchObject({ mode: 'full', changed: 0, pages: full.pages, records: expectedCount });
      expect(await snapshot(h.store, integ.id)).toEqual(before);

      // — the platform changes, then an incremental sync —
      let wantRecords: string[] = [];
      let wantMetrics: string[];
      const expectedBefore = expectedFor(s, window);
      if (isCommerce(s)) {
        const recordsBefore = s.expectedRecords(window.startDate, window.endDate).map((r) => ({ ...r }));
        s.addOrder({ amount: 77.7 });
        const refundable =
          s.platform === 'stripe'
            ? s.addOrder({ amount: 30 })
            : s.orders.find(
                (o) =>
                  o.refunds.length === 0 &&
                  (o.status === 'paid' || o.status === 'completed') &&
                  o.createdAt < Date.now() - 5 * 86_400_000 &&
                  o.createdAt > Date.now() - 30 * 86_400_000,
              )!;
        expect(refundable).toBeDefined();
        s.refundOrder(refundable.id, 5);
        wantRecords = changedKeys(recordsBefore, s.expectedRecords(window.startDate, window.endDate), recordKey);
        expect(wantRecords).toHaveLength(3); // a new order, a refunded one (or a new refunded charge), its refund
        wantMetrics = differingKeys(expectedBefore, expectedFor(s, window));
      } else {
        const m = s as MetricsStandin;
        const yesterday = addDays(today(), -1);
        if (m.platform === 'google-analytics') m.setDay(yesterday, { sessions: 54_321 });
        else m.setDay(yesterday, { ad_spend: 4321.09 });
        wantMetrics = [key(yesterday, m.platform === 'google-analytics' ? 'sessions' : 'ad_spend')];
      }
      expect(wantMetrics.length).toBeGreaterThan(0);

      const incJob = await h.sync(integ, { syncType: 'incremental' });
      const inc = await h.settle(DATA_SYNC, incJob.id!);
      expect(inc.state, inc.failedReason).toBe('completed');
      expect(result(inc).mode).toBe('incremental');
      const after = await snapshot(h.store, integ.id);
      expect(changedKeys(before.records, after.records, recordKey)).toEqual(wantRecords);
      expect(changedKeys(before.metrics, after.metrics, (m) => key(m.date, m.metric))).toEqual(wantMetrics);
      expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
      expect((await h.store.listSyncRuns(integ.id)).map((r) => [r.syncType, r.status])).toEqual([
        ['incremental', 'succeeded'],
        ['full', 'succeeded'],
        ['full', 'succeeded'],
      ]);
    });
  }

  test('a 429 delays the job (not a failed attempt) and it resumes from its checkpoint after Retry-After, with all the data', async () => {
    const h = await open();
    const s = await h.standin('woocommerce', { pageSizeCap: 50 });
    const integ = await h.integration('woocommerce');
    const job = await h.sync(integ);
    const failed = await failRequest(s, 3, 429, { retryAfterSec: 1 });

    const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect(parked.state).toBe('delayed');
    expect(parked.attemptsMade).toBe(0);
    expect(parked.failedReason ?? null).toBeNull();
    // Two calls done (a listing page, or a listing page and an order's refunds), the refused one next.
    expect(parked.progress).toMatchObject({ pages: 2, pageToken: expect.any(String) });
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'deferred', pages: 2, error: expect.stringContaining('rate limited') }]);
    const detail = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
    expect(detail.nextRunAt! - s.requests[failed].at).toBeGreaterThanOrEqual(900);

    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.attemptsMade).toBe(1);
    expect(done.failedReason ?? null).toBeNull();
    const pages = result(done).pages;
    expect(pages).toBeGreaterThan(5);
    // Calls 1 and 2 were made once; call 3 again after the wait; nothing re-read from the start.
    expect(failed).toBe(2);
    expect(wooCalls(s)[failed + 1]).toBe(wooCalls(s)[failed]);
    expect(new Set(wooCalls(s)).size).toBe(pages);
    expect(s.requests).toHaveLength(pages + 1);
    expect(s.requests.map((r) => r.status)).toEqual(s.requests.map((_, i) => (i === failed ? 429 : 200)));
    expect(s.requests[failed + 1].at - s.requests[failed].at).toBeGreaterThanOrEqual(900);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ jobId: job.id, status: 'succeeded', pages, error: null }]);
  });

  test('the per-integration call budget delays the sync rather than failing it; it resumes where it stopped once the window turns', async () => {
    const h = await open({ env: { SYNC_CALLS_PER_MINUTE: '2' } });
    const s = await h.standin('facebook-ads', { pageSizeCap: 20 });
    const integ = await h.integration('facebook-ads');
    // The budget's window is the wall-clock minute: run on a clock a second into a minute, so the first
    // calls share one window and the window turns only when the test turns it.
    let minute = (Math.floor(Date.now() / 60_000) + 1) * 60_000;
    fakeWallClock(minute + 1000);
    const job = await h.sync(integ);

    const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect(parked.state).toBe('delayed');
    expect(parked.attemptsMade).toBe(0);
    expect(parked.failedReason ?? null).toBeNull();
    expect(s.requests).toHaveLength(2);
    expect(parked.progress).toMatchObject({ pages: 2 });
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'deferred', pages: 2, error: expect.stringContaining('budget') }]);
    // Parked until the budget's window (the minute) ends.
    const { nextRunAt } = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
    expect(Math.abs(nextRunAt! - (minute + 60_000))).toBeLessThan(1500);

    // Turn the clock to the next minute and run the job as its delay would: a fresh window, two more
    // calls, parked again; until the last page.
    const callsPerWindow: number[] = [];
    for (;;) {
      const state = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
      if (state.state !== 'delayed') break;
      expect(callsPerWindow.length).toBeLessThan(3);
      expect(state.attemptsMade).toBe(0);
      const calls = s.requests.length;
      minute += 60_000;
      vi.setSystemTime(minute + 1000);
      await h.queueService.promoteJob(DATA_SYNC, job.id!);
      await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
      callsPerWindow.push(s.requests.length - calls);
    }
    expect(callsPerWindow).toEqual([2, 1]);
    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.attemptsMade).toBe(1);
    const pages = result(done).pages;
    expect(pages).toBe(5); // 90 days, 20 a page
    // Every page read once: the first without a cursor, each next one after the previous.
    expect(s.requests).toHaveLength(pages);
    const cursors = s.requests.map((r) => r.query.after ?? null);
    expect(cursors.filter((c) => c === null)).toHaveLength(1);
    expect(new Set(cursors).size).toBe(pages);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'succeeded', pages }]);
  });

  test('a 401 marks the integration NEEDS_REAUTH, raises a HIGH AUTH_ERROR alert, and fails the job without retries', async () => {
    const h = await open();
    const s = await h.standin('shopify');
    const integ = await h.integration('shopify', { credentials: { accessToken: 'shpat_wrong_token' } });
    const job = await h.sync(integ);
    const failed = await h.settle(DATA_SYNC, job.id!);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.opts.attempts).toBe(3);
    expect(failed.failedReason).toMatch(/NEEDS_REAUTH/);

    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'NEEDS_REAUTH', lastError: expect.stringContaining('401') });
    const alerts = await allJobs(h.queueService, QueueName.ALERTS);
    expect(alerts.map((a) => a.data)).toEqual([
      {
        organizationId: h.org.id,
        alertType: 'AUTH_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining(integ.name),
        metadata: { integrationId: integ.id, platform: 'shopify', status: 401 },
      },
    ]);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'failed', error: expect.stringContaining('401'), finishedAt: expect.any(String) }]);
    expect(await h.store.countRows('platform_records')).toBe(0);

    // Final, not backing off: a retry would have left the job 'delayed', not 'failed'. One call.
    expect(await h.queueService.getQueueStats(DATA_SYNC)).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
    expect(s.requests.map((r) => r.status)).toEqual([401]);
    const later = await h.settle(DATA_SYNC, job.id!);
    expect([later.state, later.attemptsMade]).toEqual(['failed', 1]);

    // Until someone reconnects it, its syncs are skipped without calling the platform.
    const next = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(next.state).toBe('completed');
    expect(result(next)).toMatchObject({ mode: 'skipped', skipped: 'integration is NEEDS_REAUTH', pages: 0 });
    expect(s.requests).toHaveLength(1);
  });

  test('a 5xx mid-sync fails the attempt, and the retry (after the backoff) resumes from the checkpoint and completes', async () => {
    const h = await open();
    const s = await h.standin('woocommerce', { pageSizeCap: 50 });
    const integ = await h.integration('woocommerce');
    const job = await h.sync(integ);
    const failedAt = await failRequest(s, 3, 500);

    const backingOff = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect(backingOff.state).toBe('delayed');
    expect(backingOff.attemptsMade).toBe(1);
    expect(backingOff.failedReason).toContain('500');
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'failed', pages: 2 }]);
    expect((await h.store.getIntegration(integ.id))?.status).toBe('ACTIVE');

    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.attemptsMade).toBe(2);
    const pages = result(done).pages;
    // Calls 1 and 2 were made once; call 3 again after the backoff; nothing re-read from the start.
    expect(failedAt).toBe(2);
    expect(wooCalls(s)[failedAt + 1]).toBe(wooCalls(s)[failedAt]);
    expect(new Set(wooCalls(s)).size).toBe(pages);
    expect(s.requests).toHaveLength(pages + 1);
    expect(s.requests.map((r) => r.status)).toEqual(s.requests.map((_, i) => (i === failedAt ? 500 : 200)));
    // The queue's exponential backoff starts at 2 s.
    expect(s.requests[failedAt + 1].at - s.requests[failedAt].at).toBeGreaterThanOrEqual(1900);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ jobId: job.id, status: 'succeeded', pages, error: null }]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'ACTIVE', lastError: null, lastSyncAt: expect.any(String) });
  });

  test('a timeout mid-sync stops cleanly: the attempt fails "timed out after 300 ms", the run is recorded as stopped, nothing half-written', async () => {
    const h = await open();
    const s = await h.standin('stripe');
    s.setDelay(1000);
    const integ = await h.integration('stripe');
    const job = await h.sync(integ, {}, { timeout: 300, attempts: 1 });
    const failed = await h.settle(DATA_SYNC, job.id!);
    expect(failed.state).toBe('failed');
    expect(failed.failedReason).toBe('timed out after 300 ms');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.finishedOn! - failed.processedOn!).toBeLessThan(900);

    // The processor records the stop once its aborted request gives up (the attempt has failed by then).
    const runs = await waitFor(
      async () => {
        const r = await h!.store.listSyncRuns(integ.id);
        return r.length > 0 && r[0].status !== 'running' ? r : undefined;
      },
      { timeoutMs: 5000, message: 'the sync run to be closed' },
    );
    expect(runs).toMatchObject([{ jobId: job.id, status: 'failed', pages: 0, records: 0, finishedAt: expect.any(String) }]);
    expect(runs[0].error).toMatch(/^stopped: .*timed out after 300 ms/);
    // The processor records the stop on its way out: the request was abandoned, nothing more was
    // asked, and nothing was stored or advanced.
    expect(s.requests).toHaveLength(1);
    expect(await h.store.countRows('platform_records')).toBe(0);
    expect(await h.store.countRows('daily_metrics')).toBe(0);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ lastSyncAt: null, syncCursor: null });
    expect(await h.store.listSyncRuns(integ.id)).toEqual(runs);
  });

  test('a DISABLED integration is skipped: the job completes without calling the platform or recording a run', async () => {
    const h = await open();
    const s = await h.standin('google-analytics');
    const integ = await h.integration('google-analytics', { status: 'DISABLED' });
    const done = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(done.state).toBe('completed');
    expect(result(done)).toEqual({ integrationId: integ.id, mode: 'skipped', pages: 0, records: 0, changed: 0, skipped: 'integration is DISABLED' });
    expect(s.requests).toHaveLength(0);
    expect(await h.store.listSyncRuns(integ.id)).toEqual([]);
    expect(await h.store.countRows('daily_metrics')).toBe(0);
  });

  test('a sync whose platform cannot be reached at all (stand-in not running) fails and leaves no run "running"', async () => {
    const h = await open();
    const integ = await h.integration('stripe');
    const job = await h.sync(integ, {}, { attempts: 1 });
    const failed = await h.settle(DATA_SYNC, job.id!);
    expect(failed.state).toBe('failed');
    expect(failed.failedReason).toMatch(/stand-in server is not running/);
    // The run is closed before the attempt fails.
    const runs = await h.store.listSyncRuns(integ.id);
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    expect(runs).toMatchObject([{ status: 'failed', error: expect.stringMatching(/stand-in server is not running/) }]);
  });

  test('IntegrationService: creating schedules the integration and queues a first full sync; disabling or removing it drops the schedule', async () => {
    const h = await open({ workers: false });
    const svc = new IntegrationService({ store: h.store, jobScheduler: h.jobScheduler });
    const schedules = async () => (await h.queueService.listRecurringJobs(DATA_SYNC)).map((r) => r.name).sort();
    const firstSyncs = async () => (await allJobs(h.queueService, DATA_SYNC)).filter((j) => !j.repeatJobKey).map((j) => j.data);

    const a = await svc.create({ organizationId: h.org.id, platform: 'shopify', name: 'Shop', credentials: { accessToken: 'x' }, baseUrl: 'standin:shopify' });
    const b = await svc.create({ organizationId: h.org.id, platform: 'stripe', name: 'Stripe', credentials: { secretKey: 'y' } });
    const off = await svc.create({ organizationId: h.org.id, platform: 'facebook-ads', name: 'FB', credentials: { accessToken: 'z' }, status: 'DISABLED' });
    expect(await schedules()).toEqual([syncSchedulerId(a.id), syncSchedulerId(b.id)].sort());
    const recurring = await h.queueService.getRecurringJob(DATA_SYNC, syncSchedulerId(a.id));
    expect(recurring).toMatchObject({
      data: { integrationId: a.id, organizationId: h.org.id, platform: 'shopify', syncType: 'incremental' },
      next: expect.any(Number),
    });
    expect(await firstSyncs()).toEqual(
      expect.arrayContaining([
        { integrationId: a.id, organizationId: h.org.id, platform: 'shopify', syncType: 'full' },
        { integrationId: b.id, organizationId: h.org.id, platform: 'stripe', syncType: 'full' },
      ]),
    );
    expect((await firstSyncs()).map((d) => (d as { integrationId: string }).integrationId).sort()).toEqual([a.id, b.id].sort());
    expect((await firstSyncs()).some((d) => (d as { integrationId: string }).integrationId === off.id)).toBe(false);

    await svc.setStatus(a.id, 'DISABLED');
    expect(await schedules()).toEqual([syncSchedulerId(b.id)]);
    await svc.setStatus(a.id, 'ACTIVE');
    expect(await schedules()).toEqual([syncSchedulerId(a.id), syncSchedulerId(b.id)].sort());

    expect(await svc.remove(b.id)).toBe(true);
    expect(await h.store.getIntegration(b.id)).toBeUndefined();
    expect(await schedules()).toEqual([syncSchedulerId(a.id)]);
    expect(await svc.remove(a.id)).toBe(true);
    expect(await schedules()).toEqual([]);
  });

  test('scheduleFirstSyncs queues one full sync per never-synced ACTIVE integration, deduplicated across calls', async () => {
    const h = await open({ workers: false });
    const s = await h.standin('google-analytics');
    const fresh = await h.integration('google-analytics');
    const synced = await h.integration('google-analytics');
    await h.store.recordSyncSuccess(synced.id, new Date().toISOString());
    await h.integration('google-analytics', { status: 'DISABLED' });
    await h.integration('google-analytics', { status: 'NEEDS_REAUTH' });
    const fresh2 = await h.integration('facebook-ads');

    expect((await h.jobScheduler.scheduleFirstSyncs()).sort()).toEqual([fresh.id, fresh2.id].sort());
    expect((await h.jobScheduler.scheduleFirstSyncs()).sort()).toEqual([fresh.id, fresh2.id].sort());
    const queued = await allJobs(h.queueService, DATA_SYNC);
    expect(queued.map((j) => j.data).sort((x, y) => x.integrationId.localeCompare(y.integrationId))).toEqual(
      [
        { integrationId: fresh.id, organizationId: h.org.id, platform: 'google-analytics', syncType: 'full' },
        { integrationId: fresh2.id, organizationId: h.org.id, platform: 'facebook-ads', syncType: 'full' },
      ].sort((x, y) => x.integrationId.localeCompare(y.integrationId)),
    );

    // Once they ran, there is nothing left to sync for the first time.
    await h.standin('facebook-ads');
    await h.startWorkers();
    for (const j of queued) expect((await h.settle(DATA_SYNC, j.id!)).state).toBe('completed');
    expect(s.requests.length).toBeGreaterThan(0);
    expect(await h.jobScheduler.scheduleFirstSyncs()).toEqual([]);
    expect(await allJobs(h.queueService, DATA_SYNC)).toHaveLength(2);
  });

  test('demo: seedDemo, the demo stand-ins, a worker and scheduleFirstSyncs give every platform metrics; seeding again changes nothing', async () => {
    const h = await open();
    const seeded = await seedDemo(h.store);
    expect(seeded.created).toHaveLength(PLATFORMS.length);
    const standins = await startDemoStandins(h.store, h.directory, silentLogger);
    expect(standins).toBeDefined();
    try {
      const queued = await h.jobScheduler.scheduleFirstSyncs();
      expect(queued.sort()).toEqual(PLATFORMS.map(demoIntegrationId).sort());
      const jobs = await allJobs(h.queueService, DATA_SYNC);
      expect(jobs).toHaveLength(PLATFORMS.length);
      for (const j of jobs) {
        const done = await h.settle(DATA_SYNC, j.id!);
        expect(done.state, `${j.data.platform}: ${done.failedReason}`).toBe('completed');
      }

      const window = fullWindow();
      for (const platform of PLATFORMS) {
        const id = demoIntegrationId(platform);
        const metrics = await h.store.listMetrics({ integrationId: id, from: window.startDate, to: window.endDate });
        expect(metrics.length, platform).toBeGreaterThan(0);
        expect(metrics.every((m) => m.organizationId === DEMO_ORG_ID)).toBe(true);
        const sum = (name: string) => metrics.filter((m) => m.metric === name).reduce((t, m) => t + m.value, 0);
        if (platform === 'google-analytics') expect(sum('sessions'), platform).toBeGreaterThan(0);
        else if (platform === 'facebook-ads') expect(sum('ad_spend'), platform).toBeGreaterThan(0);
        else {
          expect(sum('revenue'), platform).toBeGreaterThan(0);
          expect(sum('orders'), platform).toBeGreaterThan(0);
        }
        expect(await h.store.getIntegration(id)).toMatchObject({ status: 'ACTIVE', lastSyncAt: expect.any(String) });
      }

      const tables = ['organizations', 'members', 'integrations', 'daily_metrics', 'platform_records', 'sync_runs'] as const;
      const dump = async () =>
        Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await h.store.db.selectFrom(t).selectAll().execute()] as const)));
      const before = await dump();
      const twice = await seedDemo(h.store);
      expect(twice).toEqual({ organizationId: DEMO_ORG_ID, created: [], existing: PLATFORMS.map(demoIntegrationId) });
      const after = await dump();
      for (const t of tables) expect(sortRows(after[t]), t).toEqual(sortRows(before[t]));
    } finally {
      await standins?.withdraw();
      await standins?.close();
    }
  });

  test('demo: seeding again gives a demo integration still on its stand-in the credentials the stand-in now accepts, and only those', async () => {
    const h = await open();
    await seedDemo(h.store);
    const ga = demoIntegrationId('google-analytics');
    // A demo seeded by a release whose GA stand-in took a static token, since refused (NEEDS_REAUTH).
    await h.store.updateIntegration(ga, { credentials: { accessToken: 'ya29.standin-0123456789' }, status: 'NEEDS_REAUTH', lastError: '401' });
    // An integration the operator pointed elsewhere is theirs: left alone.
    const woo = demoIntegrationId('woocommerce');
    await h.store.updateIntegration(woo, { baseUrl: 'https://shop.example', credentials: { consumerKey: 'ck_own', consumerSecret: 'cs_own' } });

    await seedDemo(h.store);
    expect((await h.store.getIntegrationSecrets(ga))?.credentials).toEqual(STANDIN_DEFAULTS['google-analytics'].credentials);
    expect(await h.store.getIntegration(ga)).toMatchObject({ status: 'ACTIVE', lastError: null, settings: STANDIN_DEFAULTS['google-analytics'].settings });
    expect((await h.store.getIntegrationSecrets(woo))?.credentials).toEqual({ consumerKey: 'ck_own', consumerSecret: 'cs_own' });
  });
});

const sortRows = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
