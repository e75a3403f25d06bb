import { createHmac } from 'node:crypto';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { createConnectors } from '../../server/domain/connectors/index.ts';
import { createFacebookAdsConnector } from '../../server/domain/connectors/facebook-ads.ts';
import { PlatformAccessError, PlatformAuthError, PlatformRateLimitError } from '../../server/domain/connectors/errors.ts';
import type { Connector, ConnectorContext, DailyMetricRow, Page, SyncWindow } from '../../server/domain/connectors/types.ts';
import { type FacebookAdsStandin, startStandin } from '../../server/demo/standins/index.ts';
import { BUC_SLOW_DOWN_MS } from '../../server/domain/connectors/meta-usage.ts';
import type { DataSyncResult } from '../../server/domain/sync/data-sync.ts';
import { createProcessors } from '../../server/queue/processors/index.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { fakeWallClock } from '../helpers/wall-clock.ts';
import { allJobs, expectedFor, fullWindow, openWorkerHarness, storedMetrics, type WorkerHarness } from '../fixtures/sync-harness.ts';

const DATA_SYNC = QueueName.DATA_SYNC;
/** A fixed past "now" for the stand-in's data (the version calendar and the BUC window use the wall clock). */
const NOW = Date.parse('2025-03-15T12:00:00Z');
const WINDOW: SyncWindow = { startDate: '2025-01-20', endDate: '2025-03-15' };
const HOUR = 3_600_000;

/** What Meta expects as appsecret_proof, computed here on its own (not with the connector's helper). */
const proof = (token: string, secret: string) => createHmac('sha256', secret).update(token).digest('hex');

const byDay = (xs: DailyMetricRow[]) => [...xs].sort((a, b) => `${a.date}:${a.metric}`.localeCompare(`${b.date}:${b.metric}`));

async function fetchAll(connector: Connector, ctx: ConnectorContext, window: SyncWindow): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const page = await connector.fetchPage(ctx, window, token);
    pages.push(page);
    token = page.nextPage;
    if (pages.length > 100) throw new Error('pagination does not end');
  } while (token);
  return pages;
}

describe('Facebook Ads connector against the Meta stand-in', () => {
  let s: FacebookAdsStandin;
  const connector = createConnectors()['facebook-ads'];
  beforeAll(async () => {
    s = await startStandin('facebook-ads', { now: NOW, pageSizeCap: 10 });
  });
  afterAll(async () => {
    await s?.close();
  });
  afterEach(() => {
    s.requireAppSecretProof(false);
  });

  it('speaks the default version (v27.0) and signs every call with appsecret_proof, which the stand-in checks', async () => {
    const from = s.requests.length;
    const pages = await fetchAll(connector, s.context(), WINDOW);
    expect(byDay(pages.flatMap((p) => p.metrics))).toEqual(byDay(s.expectedMetrics(WINDOW.startDate, WINDOW.endDate)));
    const reqs = s.requests.slice(from);
    expect(reqs).toHaveLength(6); // 55 days, 10 a page
    for (const r of reqs) {
      expect(r.path).toBe('/v27.0/act_1234567890/insights');
      expect(r.query.appsecret_proof).toBe(proof(s.credentials.accessToken, s.credentials.appSecret));
      expect(r.status).toBe(200);
    }
    for (const p of pages) expect(p.nextPage ?? '').not.toMatch(/access_token|appsecret_proof/);
  });

  it('FACEBOOK_API_VERSION picks the version in the path', async () => {
    const from = s.requests.length;
    await createConnectors({ apiVersions: { facebook: 'v26.0' } })['facebook-ads'].fetchPage(s.context(), { startDate: '2025-03-01', endDate: '2025-03-02' });
    expect(s.requests.slice(from).map((r) => [r.path, r.status])).toEqual([['/v26.0/act_1234567890/insights', 200]]);
  });

  it('a retired version (v24.0) gets #2635 → PlatformAccessError API_VERSION_ERROR; one Meta never released (v99.0) #2500 → the same', async () => {
    const from = s.requests.length;
    const said: Record<string, string> = {};
    for (const version of ['v24.0', 'v99.0']) {
      const err = await createFacebookAdsConnector({ apiVersion: version })
        .fetchPage(s.context(), WINDOW)
        .catch((e: unknown) => e);
      expect(err, version).toBeInstanceOf(PlatformAccessError);
      expect((err as PlatformAccessError).alertType).toBe('API_VERSION_ERROR');
      expect((err as PlatformAccessError).status).toBe(400);
      expect((err as Error).message).toContain(`API version ${version}`);
      expect((err as Error).message).toContain('set FACEBOOK_API_VERSION');
      said[version] = (err as Error).message.split('Meta said: ')[1];
    }
    expect(said).toEqual({
      'v24.0': '(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: v27.0.',
      'v99.0': 'Unknown path components: /v99.0/act_1234567890/insights',
    });
    expect(s.requests.slice(from).map((r) => [r.path, r.status])).toEqual([
      ['/v24.0/act_1234567890/insights', 400],
      ['/v99.0/act_1234567890/insights', 400],
    ]);
  });

  it('a wrong app secret → PlatformAuthError (400, code 100); "Require App Secret" refuses a call without a proof', async () => {
    const wrong = s.context();
    wrong.credentials.appSecret = 'not-the-app-secret';
    const err = await connector.fetchPage(wrong, WINDOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformAuthError);
    expect((err as Error).message).toContain('Invalid appsecret_proof provided in the API argument');

    const unsigned = s.context();
    delete unsigned.credentials.appSecret;
    await expect(connector.fetchPage(unsigned, { startDate: '2025-03-01', endDate: '2025-03-02' })).resolves.toMatchObject({ metrics: expect.any(Array) });
    s.requireAppSecretProof(true);
    const refused = await connector.fetchPage(unsigned, WINDOW).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PlatformAuthError);
    expect((refused as Error).message).toContain('API calls from the server require an appsecret_proof argument');
    await expect(connector.fetchPage(s.context(), { startDate: '2025-03-01', endDate: '2025-03-02' })).resolves.toMatchObject({ metrics: expect.any(Array) });
  });

  it('the BUC header: a pause before the next page from 90 %; at the budget #80000 waits the header’s minutes', async () => {
    const own = await startStandin('facebook-ads', { now: NOW, pageSizeCap: 10 });
    try {
      own.setCallBudget(10);
      const small = { startDate: '2025-03-01', endDate: '2025-03-02' };
      const pauses: (number | undefined)[] = [];
      for (let i = 0; i < 10; i++) pauses.push((await connector.fetchPage(own.context(), small)).pauseMs);
      // 10 % … 80 %: nothing; 90 %: slow down; 100 %: no point waiting, the next call is refused with the real wait.
      expect(pauses).toEqual([...Array(8).fill(undefined), BUC_SLOW_DOWN_MS, undefined]);

      const err = await connector.fetchPage(own.context(), small).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformRateLimitError);
      // The hour's first call leaves the window in just under 60 minutes: the header says 60.
      expect([(err as PlatformRateLimitError).retryAfterMs, (err as PlatformRateLimitError).told]).toEqual([60 * 60_000, true]);
      expect((err as Error).message).toContain('(code 80000, subcode 2446079)');
      expect(own.requests.map((r) => r.status)).toEqual([...Array(10).fill(200), 400]);
    } finally {
      await own.close();
    }
  });

  it('an expired token → 400 with code 190/463 → PlatformAuthError', async () => {
    const own = await startStandin('facebook-ads', { now: NOW });
    try {
      own.expireAccessToken();
      const err = await connector.fetchPage(own.context(), WINDOW).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformAuthError);
      expect((err as PlatformAuthError).status).toBe(400);
      expect((err as Error).message).toContain('(code 190, subcode 463)');
    } finally {
      await own.close();
    }
  });
});

describeOnStores('Facebook Ads sync', (dialect, test) => {
  let h: WorkerHarness | undefined;
  const open = async (opts: Parameters<typeof openWorkerHarness>[1] = {}) => (h = await openWorkerHarness(dialect, opts));
  afterEach(async () => {
    vi.useRealTimers();
    await h?.close();
    h = undefined;
  });
  const result = (job: { returnvalue: unknown }) => job.returnvalue as DataSyncResult;

  test('a full sync at the default version stores the window exactly, every call signed with appsecret_proof', async () => {
    const h = await open();
    const s = await h.standin('facebook-ads', { pageSizeCap: 25 });
    const integ = await h.integration('facebook-ads');
    const done = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(result(done)).toMatchObject({ mode: 'full', pages: 4 }); // 90 days, 25 a page
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    expect(s.requests.map((r) => [r.path, r.query.appsecret_proof, r.status])).toEqual(
      Array(4).fill(['/v27.0/act_1234567890/insights', proof(s.credentials.accessToken, s.credentials.appSecret), 200]),
    );
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'ACTIVE', lastError: null });
  });

  test('a retired version configured: a warning at start-up; the sync puts the integration in ERROR (not NEEDS_REAUTH) with an API_VERSION_ERROR alert', async () => {
    const h = await open({ env: { FACEBOOK_API_VERSION: 'v24.0' } });
    // The start-up warning, logged once where the data-sync processor is built.
    const lines: { level: number; msg: string; facebookApiVersion?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    createProcessors({ store: h.store, queueService: h.queueService, connection: h.connection, config: h.config, log });
    expect(lines.map((l) => [l.level, l.facebookApiVersion, l.msg])).toEqual([
      [40, 'v24.0', 'Meta Marketing API v24.0 stopped working on 2026-11-10: set FACEBOOK_API_VERSION to a supported version (newest known: v27.0)'],
    ]);

    const s = await h.standin('facebook-ads');
    const integ = await h.integration('facebook-ads');
    const failed = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(s.requests.map((r) => [r.path, r.status])).toEqual([['/v24.0/act_1234567890/insights', 400]]);
    const stored = await h.store.getIntegration(integ.id);
    expect(stored?.status).toBe('ERROR');
    expect(stored?.lastError).toContain('Meta refused API version v24.0 as retired (code 2635): set FACEBOOK_API_VERSION');
    const alerts = await allJobs(h.queueService, QueueName.ALERTS);
    expect(alerts.map((a) => a.data)).toEqual([
      {
        organizationId: h.org.id,
        alertType: 'API_VERSION_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining('API version v24.0'),
        metadata: { integrationId: integ.id, platform: 'facebook-ads', status: 400 },
      },
    ]);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'failed', error: expect.stringContaining('2635') }]);
  });

  test('a BUC throttle delays the job by the header’s minutes, with no call in between, and it resumes from its checkpoint', async () => {
    const h = await open();
    const s = await h.standin('facebook-ads', { pageSizeCap: 20 });
    s.setCallBudget(3);
    const integ = await h.integration('facebook-ads');
    const job = await h.sync(integ);

    const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect(parked.state).toBe('delayed');
    expect(parked.attemptsMade).toBe(0);
    expect(parked.progress).toMatchObject({ pages: 3, throttles: 1 });
    // Three pages, then #80000: one refused call, and none while the job waits.
    expect(s.requests.map((r) => r.status)).toEqual([200, 200, 200, 400]);
    const { nextRunAt } = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
    // The header said 60 minutes (the first call leaves the hour's window then): the job waits that long.
    expect(Math.abs(nextRunAt! - s.requests[3].at - HOUR)).toBeLessThan(2000);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'deferred', pages: 3, error: expect.stringContaining('code 80000') }]);

    // An hour later, as the delay would run it: the refused page again, then the last; nothing re-read.
    fakeWallClock(Date.now() + HOUR + 60_000);
    await h.queueService.promoteJob(DATA_SYNC, job.id!);
    const done = await h.settle(DATA_SYNC, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(result(done).pages).toBe(5); // 90 days, 20 a page
    expect(s.requests.map((r) => r.status)).toEqual([200, 200, 200, 400, 200, 200]);
    expect(s.requests[4].query.after).toBe(s.requests[3].query.after);
    expect(new Set(s.requests.map((r) => r.query.after ?? null)).size).toBe(5);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([{ status: 'succeeded', pages: 5 }]);
  });

  test('appsecret_proof checked: an integration holding the wrong app secret is refused (400, code 100) and goes NEEDS_REAUTH', async () => {
    const h = await open();
    const s = await h.standin('facebook-ads');
    const integ = await h.integration('facebook-ads', { credentials: { accessToken: s.credentials.accessToken, appSecret: 'stale-app-secret' } });
    const failed = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(failed.state).toBe('failed');
    expect(s.requests.map((r) => [r.query.appsecret_proof, r.status])).toEqual([[proof(s.credentials.accessToken, 'stale-app-secret'), 400]]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({
      status: 'NEEDS_REAUTH',
      lastError: expect.stringContaining('Invalid appsecret_proof provided in the API argument'),
    });
    expect((await allJobs(h.queueService, QueueName.ALERTS)).map((a) => a.data.alertType)).toEqual(['AUTH_ERROR']);
  });

  test('an expired token (400, code 190) marks the integration NEEDS_REAUTH with an AUTH_ERROR alert, without retries', async () => {
    const h = await open();
    const s = await h.standin('facebook-ads');
    s.expireAccessToken();
    const integ = await h.integration('facebook-ads');
    const failed = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect([failed.state, failed.attemptsMade]).toEqual(['failed', 1]);
    expect(failed.failedReason).toMatch(/NEEDS_REAUTH/);
    expect(s.requests.map((r) => r.status)).toEqual([400]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'NEEDS_REAUTH', lastError: expect.stringContaining('(code 190, subcode 463)') });
    expect((await allJobs(h.queueService, QueueName.ALERTS)).map((a) => a.data)).toEqual([
      {
        organizationId: h.org.id,
        alertType: 'AUTH_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining(integ.name),
        metadata: { integrationId: integ.id, platform: 'facebook-ads', status: 400 },
      },
    ]);
  });
});
