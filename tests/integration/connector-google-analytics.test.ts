import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { STANDIN_DEFAULTS, startStandin } from '../../server/demo/standins/index.ts';
import { googleAccessToken } from '../../server/domain/connectors/google-auth.ts';
import { parseGaPageToken } from '../../server/domain/connectors/google-analytics.ts';
import { nextDailyQuotaReset } from '../../server/domain/connectors/google-analytics-quota.ts';
import { requestJson } from '../../server/domain/connectors/http.ts';
import { PlatformRequestError } from '../../server/domain/connectors/errors.ts';
import type { DataSyncResult } from '../../server/domain/sync/data-sync.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { fakeWallClock } from '../helpers/wall-clock.ts';
import { eventually } from '../helpers/wait-for.ts';
import { allJobs, expectedFor, fullWindow, openWorkerHarness, storedMetrics, type WorkerHarness } from '../fixtures/sync-harness.ts';

const DATA_SYNC = QueueName.DATA_SYNC;
const GA = 'google-analytics' as const;
const TOKEN = ['POST', '/token'];
const METADATA = ['GET', '/v1beta/properties/123456789/metadata'];
const REPORT = ['POST', '/v1beta/properties/123456789:runReport'];
/** 90 days at 25 rows a page. */
const PAGE_CAP = 25;
const PAGES = 4;
const reports = (n: number) => Array.from({ length: n }, () => [...REPORT, 200]);

describeOnStores('Google Analytics sync', (dialect, test) => {
  let h: WorkerHarness | undefined;
  const open = async () => (h = await openWorkerHarness(dialect));
  afterEach(async () => {
    vi.useRealTimers();
    await h?.close();
    h = undefined;
  });
  const result = (job: { returnvalue: unknown }) => job.returnvalue as DataSyncResult;

  /** A harness, the GA stand-in at small pages, an integration on it with the stand-in's refresh-token credentials. */
  async function setup(opts: { credentials?: Record<string, string>; standinCredentials?: Record<string, string> } = {}) {
    const h = await open();
    const s = await h.standin(GA, { pageSizeCap: PAGE_CAP, credentials: opts.standinCredentials });
    const integ = await h.integration(GA, opts.credentials ? { credentials: opts.credentials } : {});
    /** Runs a sync to its end; the stand-in's requests it made, as [method, path, status]. */
    const run = async (states?: string[]) => {
      const from = s.requests.length;
      const job = await h.settle(DATA_SYNC, (await h.sync(integ)).id!, states);
      return { job, calls: s.requests.slice(from).map((r) => [r.method, r.path, r.status]) };
    };
    const credentials = async () => (await h.store.getIntegrationSecrets(integ.id))?.credentials;
    return { h, s, integ, run, credentials };
  }

  test('a full sync: one refresh-token grant, stored sealed with the integration; metadata once; every page asks keyEvents with the quota, never conversions', async () => {
    const { h, s, integ, run, credentials } = await setup();
    const { job, calls } = await run();
    expect(job.state, job.failedReason).toBe('completed');
    expect(result(job)).toMatchObject({ mode: 'full', pages: PAGES });
    expect(calls).toEqual([[...TOKEN, 200], [...METADATA, 200], ...reports(PAGES)]);
    expect(s.reportRequests).toEqual(
      [0, 25, 50, 75].map((offset) => ({ metrics: ['sessions', 'totalUsers', 'keyEvents'], offset, returnPropertyQuota: true })),
    );
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));

    expect(s.issued.map((t) => t.grant)).toEqual(['refresh_token']);
    const creds = await credentials();
    expect(creds).toEqual({ ...STANDIN_DEFAULTS[GA].credentials, accessToken: s.issued[0].token, accessTokenExpiresAt: expect.any(String) });
    expect(Math.abs(Date.parse(creds!.accessTokenExpiresAt) - s.issued[0].expiresAt)).toBeLessThan(1500);
    // Sealed at rest: the stored column holds neither the new token nor the refresh token.
    const row = await h.store.db.selectFrom('integrations').select('credentials').where('id', '=', integ.id).executeTakeFirstOrThrow();
    expect(row.credentials).not.toContain(s.issued[0].token);
    expect(row.credentials).not.toContain(STANDIN_DEFAULTS[GA].credentials.refreshToken);

    // The next sync starts with the stored token: no grant.
    const again = await run();
    expect(again.job.state, again.job.failedReason).toBe('completed');
    expect(again.calls).toEqual([[...METADATA, 200], ...reports(PAGES)]);
    expect(s.issued).toHaveLength(1);
  });

  test('an access token that expired early: the 401 renews it once, the sync completes, ACTIVE, the new token stored', async () => {
    const { h, s, integ, run, credentials } = await setup();
    expect((await run()).job.state).toBe('completed');
    const first = s.issued[0].token;
    s.expireAccessTokens();

    const { job, calls } = await run();
    expect(job.state, job.failedReason).toBe('completed');
    expect(calls).toEqual([[...METADATA, 401], [...TOKEN, 200], [...METADATA, 200], ...reports(PAGES)]);
    expect(s.issued.map((t) => t.grant)).toEqual(['refresh_token', 'refresh_token']);
    expect(s.issued[1].token).not.toBe(first);
    expect((await credentials())?.accessToken).toBe(s.issued[1].token);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'ACTIVE', lastError: null });
    expect(await allJobs(h.queueService, QueueName.ALERTS)).toEqual([]);
  });

  test('a token within a minute of its expiry is renewed before the first call (no 401)', async () => {
    const { s, run, credentials } = await setup();
    expect((await run()).job.state).toBe('completed');
    fakeWallClock(s.issued[0].expiresAt - 30_000);

    const { job, calls } = await run();
    expect(job.state, job.failedReason).toBe('completed');
    expect(calls).toEqual([[...TOKEN, 200], [...METADATA, 200], ...reports(PAGES)]);
    expect((await credentials())?.accessToken).toBe(s.issued[1].token);
  });

  test('a revoked refresh token: the renewal gets 400 invalid_grant → NEEDS_REAUTH, one HIGH AUTH_ERROR alert, the job fails without retries', async () => {
    const { h, s, integ, run } = await setup();
    expect((await run()).job.state).toBe('completed');
    s.revokeRefreshToken();
    s.expireAccessTokens();

    const { job, calls } = await run();
    expect([job.state, job.attemptsMade]).toEqual(['failed', 1]);
    expect(job.failedReason).toMatch(/NEEDS_REAUTH/);
    expect(calls).toEqual([
      [...METADATA, 401],
      [...TOKEN, 400],
    ]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({
      status: 'NEEDS_REAUTH',
      lastError: expect.stringContaining('invalid_grant: Token has been expired or revoked.'),
    });
    expect((await allJobs(h.queueService, QueueName.ALERTS)).map((a) => a.data)).toEqual([
      {
        organizationId: h.org.id,
        alertType: 'AUTH_ERROR',
        severity: 'HIGH',
        message: expect.stringContaining(integ.name),
        metadata: { integrationId: integ.id, platform: GA, status: 400 },
      },
    ]);
  });

  test('legacy credentials (a bare accessToken): syncs while it lives, then 401 → NEEDS_REAUTH, no token request', async () => {
    const legacy = { accessToken: 'ya29.legacy-static-token' };
    const { h, s, integ, run } = await setup({ credentials: legacy, standinCredentials: legacy });
    const ok = await run();
    expect(ok.job.state, ok.job.failedReason).toBe('completed');
    expect(ok.calls).toEqual([[...METADATA, 200], ...reports(PAGES)]);

    s.expireAccessTokens();
    const { job, calls } = await run();
    expect(job.state).toBe('failed');
    expect(calls).toEqual([[...METADATA, 401]]);
    expect(await h.store.getIntegration(integ.id)).toMatchObject({ status: 'NEEDS_REAUTH' });
    expect((await allJobs(h.queueService, QueueName.ALERTS)).map((a) => a.data.metadata)).toEqual([{ integrationId: integ.id, platform: GA, status: 401 }]);
  });

  test('a service account: an RS256 assertion for a token (jwt-bearer), stored; a key Google does not know → NEEDS_REAUTH', async () => {
    const h = await open();
    const s = await h.standin(GA, { pageSizeCap: PAGE_CAP });
    const account = s.addServiceAccount();
    const integ = await h.integration(GA, { credentials: account });
    const job = await h.settle(DATA_SYNC, (await h.sync(integ)).id!);
    expect(job.state, job.failedReason).toBe('completed');
    expect(s.requests.map((r) => [r.method, r.path, r.status])).toEqual([[...TOKEN, 200], [...METADATA, 200], ...reports(PAGES)]);
    expect(s.issued.map((t) => t.grant)).toEqual(['jwt-bearer']);
    expect((await h.store.getIntegrationSecrets(integ.id))?.credentials).toEqual({
      ...account,
      accessToken: s.issued[0].token,
      accessTokenExpiresAt: expect.any(String),
    });
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));

    // The same email signed with another key (a key that was deleted and replaced, say).
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const stranger = await h.integration(GA, { credentials: { ...account, privateKey: otherKey } });
    const refused = await h.settle(DATA_SYNC, (await h.sync(stranger)).id!);
    expect(refused.state).toBe('failed');
    expect(await h.store.getIntegration(stranger.id)).toMatchObject({ status: 'NEEDS_REAUTH', lastError: expect.stringContaining('Invalid JWT Signature.') });
  });

  test('429 RESOURCE_EXHAUSTED without Retry-After delays the job 30 s, 60 s, 120 s: one call per attempt, no failed attempts; then it completes', async () => {
    const { h, s, integ } = await setup();
    s.exhaustQuota('concurrent');
    const job = await h.sync(integ);
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      if (round > 0) await h.queueService.promoteJob(DATA_SYNC, job.id!);
      const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
      expect([parked.state, parked.attemptsMade]).toEqual(['delayed', 0]);
      await eventually(() => expect(s.requests.at(-1)?.status).toBe(429), { message: 'the throttled call to be answered' });
      const { nextRunAt } = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
      delays.push(nextRunAt! - s.requests.at(-1)!.at);
    }
    // Each delay is the engine's backoff from when the 429 came (plus the few ms the job took to park).
    expect(delays.map((d) => Math.floor(d / 5000) * 5000)).toEqual([30_000, 60_000, 120_000]);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([
      { status: 'deferred', pages: 0, error: expect.stringContaining('Exhausted concurrent requests quota') },
    ]);

    s.restoreQuota();
    await h.queueService.promoteJob(DATA_SYNC, job.id!);
    const done = await h.settle(DATA_SYNC, job.id!);
    expect([done.state, done.attemptsMade]).toEqual(['completed', 1]);
    expect(s.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      [...TOKEN, 200],
      [...METADATA, 429],
      [...METADATA, 429],
      [...METADATA, 429],
      [...METADATA, 200],
      ...reports(PAGES),
    ]);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, fullWindow()));
    expect((await h.store.getIntegration(integ.id))?.status).toBe('ACTIVE');
  });

  test('the daily token budget: when a page leaves less than it cost, the rest waits (told) for 08:01 UTC, the pages read are kept, no call is wasted', async () => {
    // 20:01 UTC, 12 h before the quota day turns; a clock that runs on from there.
    fakeWallClock(nextDailyQuotaReset(Date.now()) + 12 * 3_600_000);
    const { h, s, integ } = await setup();
    const window = fullWindow();
    // Pages of 25 rows cost 3 tokens: 8 left → 5 after page 1, 2 after page 2 (less than a page).
    s.setDailyTokensRemaining(8);
    const job = await h.sync(integ);
    const parked = await h.settle(DATA_SYNC, job.id!, ['delayed', 'completed', 'failed']);
    expect([parked.state, parked.attemptsMade]).toEqual(['delayed', 0]);
    const progress = parked.progress as { pages: number; pageToken: string };
    expect(progress.pages).toBe(2);
    const { offset, notBefore } = parseGaPageToken(progress.pageToken);
    expect(offset).toBe(50);
    expect(notBefore).toBe(nextDailyQuotaReset(s.requests.at(-1)!.at));
    const { nextRunAt } = await h.queueService.getJobDetail(DATA_SYNC, job.id!);
    expect(Math.abs(nextRunAt! - notBefore!)).toBeLessThan(1000);
    expect(s.requests.map((r) => [r.method, r.path, r.status])).toEqual([[...TOKEN, 200], [...METADATA, 200], ...reports(2)]);
    expect(await h.store.listSyncRuns(integ.id)).toMatchObject([
      {
        status: 'deferred',
        pages: 2,
        notice: `GA daily quota nearly spent (2 tokens left): the rest of the window is read after ${new Date(notBefore!).toISOString()}`,
      },
    ]);
    expect((await h.store.listMetrics({ integrationId: integ.id })).length).toBe(2 * PAGE_CAP * 3);

    // The quota day turns; the job runs as its delay would. Its token has expired by then: renewed first.
    vi.setSystemTime(notBefore! + 1000);
    await h.queueService.promoteJob(DATA_SYNC, job.id!);
    const done = await h.settle(DATA_SYNC, job.id!);
    expect([done.state, done.attemptsMade]).toEqual(['completed', 1]);
    expect(result(done)).toMatchObject({ pages: PAGES });
    expect(s.requests.slice(4).map((r) => [r.method, r.path, r.status])).toEqual([[...TOKEN, 200], [...METADATA, 200], ...reports(2)]);
    expect(s.reportRequests.map((r) => r.offset)).toEqual([0, 25, 50, 75]);
    expect(await storedMetrics(h.store, integ.id)).toEqual(expectedFor(s, window));
  });
});

describe('the Google Analytics stand-in', () => {
  it("refuses the retired `conversions` metric as GA does (400 INVALID_ARGUMENT) and answers the token endpoint's errors as Google does", async () => {
    const s = await startStandin(GA);
    try {
      const ctx = s.context();
      const { token } = await googleAccessToken(ctx);
      const report = (metric: string) =>
        requestJson(ctx, `${s.url}/v1beta/properties/123456789:runReport`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ dateRanges: [{ startDate: 'yesterday', endDate: 'today' }], dimensions: [{ name: 'date' }], metrics: [{ name: metric }] }),
        });
      const err = await report('conversions').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformRequestError);
      expect((err as PlatformRequestError).status).toBe(400);
      expect((err as Error).message).toContain('Field conversions is not a valid metric');
      expect((await report('keyEvents')).status).toBe(200);

      const grant = async (form: Record<string, string>) => {
        const res = await fetch(`${s.url}/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form),
        });
        return [res.status, await res.json()];
      };
      const { clientId, clientSecret, refreshToken } = STANDIN_DEFAULTS[GA].credentials;
      expect(await grant({ grant_type: 'refresh_token', client_id: clientId, client_secret: 'wrong', refresh_token: refreshToken })).toEqual([
        401,
        { error: 'invalid_client', error_description: 'Unauthorized' },
      ]);
      expect(await grant({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: 'wrong' })).toEqual([
        400,
        { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      ]);
      expect(await grant({ grant_type: 'password' })).toEqual([400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' }]);
      expect(await grant({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken })).toEqual([
        200,
        { access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, scope: 'https://www.googleapis.com/auth/analytics.readonly', token_type: 'Bearer' },
      ]);
    } finally {
      await s.close();
    }
  });

  it('issues tokens of the lifetime it is given, and says UNAUTHENTICATED with ACCESS_TOKEN_EXPIRED once one is past it', async () => {
    const s = await startStandin(GA, { accessTokenLifetimeSec: 90 });
    try {
      const ctx = s.context();
      await googleAccessToken(ctx);
      expect(Date.parse(ctx.credentials.accessTokenExpiresAt) - Date.now()).toBeLessThanOrEqual(90_000);
      expect(Date.parse(ctx.credentials.accessTokenExpiresAt) - Date.now()).toBeGreaterThan(85_000);
      s.expireAccessTokens();
      const res = await fetch(`${s.url}/v1beta/properties/123456789/metadata`, { headers: { Authorization: `Bearer ${ctx.credentials.accessToken}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', details: [{ reason: 'ACCESS_TOKEN_EXPIRED' }] } });
    } finally {
      await s.close();
    }
  });
});
