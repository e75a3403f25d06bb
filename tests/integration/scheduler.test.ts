import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { nextRun, parseCron } from '../../server/queue/cron.ts';
import { NotFoundError } from '../../server/errors.ts';
import { InvalidCronError, JobValidationError, type QueueError } from '../../server/queue/errors.ts';
import {
  IntegrationNotFoundError,
  JobScheduler,
  type ScheduleSource,
  type ScheduledIntegration,
  type ScheduledOrganization,
} from '../../server/queue/job-scheduler.ts';
import { QueueService, type RecurringJob } from '../../server/queue/queue-service.ts';
import { INSIGHTS_EVERY_HOURS, SYNC_EVERY_HOURS, spreadCron } from '../../server/queue/schedule-plan.ts';
import type { Redis } from '../../server/redis.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { silentLogger } from '../helpers/silent-logger.ts';

const HOUR = 3_600_000;

let prefix: string;
let client: Redis;
let svc: QueueService;
/** Extra services/connections a test opens (a second "process"); closed after the test. */
const extra: Array<{ svc: QueueService; client: Redis }> = [];

beforeEach(() => {
  prefix = testPrefix('sched');
  client = connect();
  svc = new QueueService({ connection: client, prefix });
});

afterEach(async () => {
  for (const e of extra.splice(0)) {
    await e.svc.close();
    await e.client.quit();
  }
  await svc.close();
  await removeKeys(client, prefix);
  const [, left] = await client.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
  await client.quit();
  expect(left).toEqual([]);
});

/** Another process: its own connection and QueueService on the same prefix. */
function otherProcess(): QueueService {
  const c = connect();
  const s = new QueueService({ connection: c, prefix });
  extra.push({ svc: s, client: c });
  return s;
}

/** Runs `fn` and returns its result with nextRun(pattern, tz) as it was just before and just after. */
async function withExpectedNext<T>(pattern: string, tz: string | undefined, fn: () => Promise<T>) {
  const before = nextRun(pattern, tz);
  const result = await fn();
  const after = nextRun(pattern, tz);
  return { result, expected: [...new Set([before, after])] };
}

async function delayedJobs(queue: QueueName, s = svc): Promise<Job[]> {
  return (await s.queue(queue).getDelayed(0, -1)).filter(Boolean);
}

/** The pending job a schedule has created for its next run. */
async function pendingFor(queue: QueueName, name: string): Promise<Job[]> {
  return (await delayedJobs(queue)).filter((j) => j.repeatJobKey === name);
}

const syncData = (n = 1) => ({
  integrationId: `int-${n}`,
  organizationId: `org-${n}`,
  platform: 'shopify' as const,
  syncType: 'incremental' as const,
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  const r = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(r, 'expected a rejection').toBeInstanceOf(Error);
  return r as Error;
}

describe('QueueService recurring jobs', () => {
  it('adding the same name twice leaves one schedule with the second pattern and one pending job', async () => {
    const first = await svc.addRecurringJob(QueueName.INSIGHTS_GENERATION, 'org-1-insights', { organizationId: 'org-1', period: '30d' }, '15 3 * * *');
    expect(first.pattern).toBe('15 3 * * *');
    const firstPending = await pendingFor(QueueName.INSIGHTS_GENERATION, 'org-1-insights');
    expect(firstPending.map((j) => j.id)).toEqual([`repeat:org-1-insights:${first.next}`]);

    const { result: second, expected } = await withExpectedNext('45 4 * * 1', undefined, () =>
      svc.addRecurringJob(QueueName.INSIGHTS_GENERATION, 'org-1-insights', { organizationId: 'org-1', period: '7d' }, '45 4 * * 1'),
    );

    const list = await svc.listRecurringJobs(QueueName.INSIGHTS_GENERATION);
    expect(list).toHaveLength(1);
    const [s] = list;
    expect(s).toEqual(second);
    expect(s).toMatchObject({
      queue: QueueName.INSIGHTS_GENERATION,
      name: 'org-1-insights',
      pattern: '45 4 * * 1',
      every: null,
      tz: null,
      data: { organizationId: 'org-1', period: '7d' },
    });
    expect(expected).toContain(s.next);
    expect(new Date(s.next!).getUTCDay()).toBe(1);
    expect(await svc.getRecurringJob(QueueName.INSIGHTS_GENERATION, 'org-1-insights')).toEqual(s);

    // One pending (delayed) job, for the new next run, carrying the new data; the first one is gone.
    const delayed = await delayedJobs(QueueName.INSIGHTS_GENERATION);
    expect(delayed).toHaveLength(1);
    const [job] = delayed;
    expect(job.id).toBe(`repeat:org-1-insights:${s.next}`);
    expect(job.repeatJobKey).toBe('org-1-insights');
    expect(job.data).toEqual({ organizationId: 'org-1', period: '7d' });
    expect(job.name).toBe('insights-7d');
    expect(job.opts.attempts).toBe(3);
    expect(job.timestamp + job.delay).toBeGreaterThanOrEqual(s.next! - 1000);
    expect(job.timestamp + job.delay).toBeLessThanOrEqual(s.next!);
    expect(await svc.getJob(QueueName.INSIGHTS_GENERATION, firstPending[0].id!)).toBeUndefined();
    expect(await svc.getQueueStats(QueueName.INSIGHTS_GENERATION)).toMatchObject({ waiting: 0, delayed: 1, active: 0 });
  });

  it('adding the same name and pattern again changes nothing', async () => {
    const a = await svc.addRecurringJob(QueueName.DATA_SYNC, 'nightly', syncData(), '0 2 * * *');
    const b = await svc.addRecurringJob(QueueName.DATA_SYNC, 'nightly', syncData(), '0 2 * * *');
    expect(b).toEqual(a);
    expect(await svc.listRecurringJobs(QueueName.DATA_SYNC)).toEqual([a]);
    expect((await delayedJobs(QueueName.DATA_SYNC)).map((j) => j.id)).toEqual([`repeat:nightly:${a.next}`]);
  });

  it('keeps a time zone and computes the next run in it', async () => {
    const { result, expected } = await withExpectedNext('0 8 * * *', 'America/New_York', () =>
      svc.addRecurringJob(
        QueueName.REPORT_GENERATION,
        'weekly-report',
        { reportId: 'r-1', organizationId: 'org-1', reportType: 'weekly', period: '2025-W10' },
        '0 8 * * *',
        'America/New_York',
      ),
    );
    expect(result.tz).toBe('America/New_York');
    expect(expected).toContain(result.next);
    expect((await pendingFor(QueueName.REPORT_GENERATION, 'weekly-report')).map((j) => j.id)).toEqual([`repeat:weekly-report:${result.next}`]);
  });

  it.each([
    ['61 * * * *', undefined],
    ['* * * *', undefined],
    ['bad', undefined],
    ['0 8 * * *', 'Mars/Olympus_Mons'],
  ])('a bad cron (%j, tz %s) throws INVALID_CRON and creates nothing', async (cron, tz) => {
    const err = await rejection(svc.addRecurringJob(QueueName.DATA_SYNC, 'broken', syncData(), cron, tz));
    expect(err).toBeInstanceOf(InvalidCronError);
    expect((err as QueueError).code).toBe('INVALID_CRON');
    expect(await svc.listRecurringJobs()).toEqual([]);
    expect(await svc.getRecurringJob(QueueName.DATA_SYNC, 'broken')).toBeUndefined();
    expect(await svc.getQueueStats(QueueName.DATA_SYNC)).toMatchObject({ waiting: 0, delayed: 0 });
    const [, keys] = await client.scan('0', 'MATCH', `${prefix}:*repeat*`, 'COUNT', 1000);
    expect(keys).toEqual([]);
  });

  it('a bad cron does not touch an existing schedule of the same name', async () => {
    const ok = await svc.addRecurringJob(QueueName.DATA_SYNC, 'keep-me', syncData(), '0 */2 * * *');
    await expect(svc.addRecurringJob(QueueName.DATA_SYNC, 'keep-me', syncData(2), '0 */2 * * * * *')).rejects.toMatchObject({ code: 'INVALID_CRON' });
    expect(await svc.listRecurringJobs(QueueName.DATA_SYNC)).toEqual([ok]);
    expect((await delayedJobs(QueueName.DATA_SYNC)).map((j) => j.id)).toEqual([`repeat:keep-me:${ok.next}`]);
  });

  it('bad data throws INVALID_JOB_DATA naming the field and creates nothing', async () => {
    const bad = { ...syncData(), platform: 'myspace' };
    const err = await rejection(svc.addRecurringJob(QueueName.DATA_SYNC, 'bad-data', bad as never, '0 * * * *'));
    expect(err).toBeInstanceOf(JobValidationError);
    expect((err as JobValidationError).code).toBe('INVALID_JOB_DATA');
    expect((err as JobValidationError).fieldErrors).toHaveProperty('platform');
    expect(err.message).toContain('platform');

    const missing = { organizationId: 'org-1', period: '30d' } as Record<string, unknown>;
    delete missing.organizationId;
    const err2 = await rejection(svc.addRecurringJob(QueueName.INSIGHTS_GENERATION, 'bad-data', missing as never, '0 * * * *'));
    expect((err2 as JobValidationError).code).toBe('INVALID_JOB_DATA');
    expect(Object.keys((err2 as JobValidationError).fieldErrors)).toEqual(['organizationId']);

    expect(await svc.listRecurringJobs()).toEqual([]);
    expect(await delayedJobs(QueueName.DATA_SYNC)).toEqual([]);
  });

  it('a name with ":" or an empty name is refused', async () => {
    await expect(svc.addRecurringJob(QueueName.DATA_SYNC, 'a:b', syncData(), '0 * * * *')).rejects.toMatchObject({ code: 'INVALID_JOB_OPTIONS' });
    await expect(svc.addRecurringJob(QueueName.DATA_SYNC, '', syncData(), '0 * * * *')).rejects.toMatchObject({ code: 'INVALID_JOB_OPTIONS' });
    expect(await svc.listRecurringJobs()).toEqual([]);
  });

  it('removeRecurringJob removes the schedule and its pending job', async () => {
    await svc.addRecurringJob(
      QueueName.ALERTS,
      'heartbeat',
      { organizationId: 'org-1', alertType: 'HEARTBEAT', severity: 'LOW', message: 'still here', metadata: {} },
      '*/5 * * * *',
    );
    await svc.addRecurringJob(QueueName.ALERTS, 'other', { organizationId: 'org-1', alertType: 'X', severity: 'LOW', message: 'x', metadata: {} }, '0 0 * * *');
    expect(await svc.removeRecurringJob(QueueName.ALERTS, 'heartbeat')).toBe(true);
    expect(await svc.getRecurringJob(QueueName.ALERTS, 'heartbeat')).toBeUndefined();
    expect((await svc.listRecurringJobs(QueueName.ALERTS)).map((s) => s.name)).toEqual(['other']);
    expect(await pendingFor(QueueName.ALERTS, 'heartbeat')).toEqual([]);
    expect(await pendingFor(QueueName.ALERTS, 'other')).toHaveLength(1);
    // Removing what is not there says so.
    expect(await svc.removeRecurringJob(QueueName.ALERTS, 'heartbeat')).toBe(false);
  });

  it('listRecurringJobs lists every queue, or one', async () => {
    await svc.addRecurringJob(QueueName.DATA_SYNC, 'sync-a', syncData(), '0 */2 * * *');
    await svc.addRecurringJob(QueueName.INSIGHTS_GENERATION, 'insights-a', { organizationId: 'org-1', period: '30d' }, '0 */6 * * *');
    await svc.addRecurringJob(
      QueueName.EMAIL_SENDING,
      'digest',
      { to: 'ops@example.com', subject: 'Digest', template: 'alert-notification', data: {} },
      '0 8 * * 1',
    );
    await svc.addRecurringJob(
      QueueName.REPORT_GENERATION,
      'monthly',
      { reportId: 'r', organizationId: 'org-1', reportType: 'monthly', period: '2025-03' },
      '0 8 1 * *',
    );

    const all = await svc.listRecurringJobs();
    expect(all.map((s) => `${s.queue}/${s.name}/${s.pattern}`).sort()).toEqual([
      'data-sync/sync-a/0 */2 * * *',
      'email-sending/digest/0 8 * * 1',
      'insights-generation/insights-a/0 */6 * * *',
      'report-generation/monthly/0 8 1 * *',
    ]);
    for (const s of all) {
      expect(s.next).toBeGreaterThan(Date.now() - 1000);
      expect(s.iterationCount).toBe(1);
    }
    expect((await svc.listRecurringJobs(QueueName.EMAIL_SENDING)).map((s) => s.name)).toEqual(['digest']);
    expect(await svc.listRecurringJobs(QueueName.ALERTS)).toEqual([]);
  });
});

/** A test double of the domain store: plain in-memory data behind the ScheduleSource interface. */
function fakeSource(integrations: ScheduledIntegration[], organizations: ScheduledOrganization[]) {
  const state = {
    integrations: new Map(integrations.map((i) => [i.id, { ...i }])),
    organizations: organizations.map((o) => ({ ...o })),
  };
  const source: ScheduleSource = {
    listIntegrations: async () => [...state.integrations.values()].map((i) => ({ ...i })),
    listOrganizations: async () => state.organizations.map((o) => ({ ...o })),
    getIntegration: async (id) => {
      const i = state.integrations.get(id);
      return i && { ...i };
    },
  };
  return { source, state };
}

const INTEGRATIONS: ScheduledIntegration[] = [
  { id: 'shop-1', organizationId: 'org-a', platform: 'shopify', status: 'ACTIVE' },
  { id: 'woo-1', organizationId: 'org-a', platform: 'woocommerce', status: 'ACTIVE' },
  { id: 'stripe-1', organizationId: 'org-a', platform: 'stripe', status: 'ACTIVE' },
  { id: 'ga-1', organizationId: 'org-b', platform: 'google-analytics', status: 'ACTIVE' },
  { id: 'fb-1', organizationId: 'org-b', platform: 'facebook-ads', status: 'ACTIVE' },
  { id: 'ga-2', organizationId: 'org-b', platform: 'google-analytics', status: 'DISABLED' },
  { id: 'stripe-2', organizationId: 'org-c', platform: 'stripe', status: 'ERROR' },
  { id: 'shop-2', organizationId: 'org-c', platform: 'shopify', status: 'NEEDS_REAUTH' },
];
const ORGANIZATIONS: ScheduledOrganization[] = [{ id: 'org-a' }, { id: 'org-b' }, { id: 'org-c' }];

/** What the schedules must look like for a source state. */
function expectedSchedules(integrations: Iterable<ScheduledIntegration>, organizations: ScheduledOrganization[]) {
  const out: Array<Pick<RecurringJob, 'queue' | 'name' | 'pattern' | 'data'> & { hours: number }> = [];
  for (const i of integrations) {
    if (i.status !== 'ACTIVE') continue;
    const name = `sync-${i.id}`;
    out.push({
      queue: QueueName.DATA_SYNC,
      name,
      pattern: spreadCron(name, SYNC_EVERY_HOURS[i.platform]),
      data: { integrationId: i.id, organizationId: i.organizationId, platform: i.platform, syncType: 'incremental' },
      hours: SYNC_EVERY_HOURS[i.platform],
    });
  }
  for (const o of organizations) {
    const name = `insights-${o.id}`;
    out.push({
      queue: QueueName.INSIGHTS_GENERATION,
      name,
      pattern: spreadCron(name, INSIGHTS_EVERY_HOURS),
      data: { organizationId: o.id, period: '30d' },
      hours: INSIGHTS_EVERY_HOURS,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Schedules and pending jobs as they are in Redis, in a comparable form. */
async function snapshot(s: QueueService = svc) {
  const schedules = (await s.listRecurringJobs()).sort((a, b) => a.name.localeCompare(b.name));
  const pending = [...(await delayedJobs(QueueName.DATA_SYNC, s)), ...(await delayedJobs(QueueName.INSIGHTS_GENERATION, s))]
    .map((j) => `${j.queueName}/${j.id}`)
    .sort();
  const stats = await s.getAllQueueStats();
  return { schedules, pending, totals: stats.totals };
}

/** Every schedule has exactly one pending job, for its `next` run, and nothing else is queued. */
function expectOnePendingEach(snap: Awaited<ReturnType<typeof snapshot>>) {
  expect(snap.pending).toEqual(snap.schedules.map((s) => `${s.queue}/repeat:${s.name}:${s.next}`).sort());
  expect(snap.totals).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: snap.schedules.length, paused: 0 });
}

describe('JobScheduler.syncSchedules', () => {
  it('creates one sync schedule per ACTIVE integration (platform period) and one insights schedule per organization', async () => {
    const { source } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const scheduler = new JobScheduler({ queueService: svc, source, log: silentLogger });
    const startedAt = new Date();
    const result = await scheduler.syncSchedules();
    const doneAt = new Date();
    expect(result).toEqual({ scheduled: 5 + 3, removed: 0, failed: [] });

    const snap = await snapshot();
    const want = expectedSchedules(INTEGRATIONS, ORGANIZATIONS);
    expect(snap.schedules.map((s) => s.name)).toEqual([
      'insights-org-a',
      'insights-org-b',
      'insights-org-c',
      'sync-fb-1',
      'sync-ga-1',
      'sync-shop-1',
      'sync-stripe-1',
      'sync-woo-1',
    ]);
    expect(snap.schedules.map(({ queue, name, pattern, data }) => ({ queue, name, pattern, data }))).toEqual(
      want.map(({ queue, name, pattern, data }) => ({ queue, name, pattern, data })),
    );
    for (const [i, s] of snap.schedules.entries()) {
      const { hours } = want[i];
      // `next` is the pattern's next run as of the call…
      expect([nextRun(s.pattern!, undefined, startedAt), nextRun(s.pattern!, undefined, doneAt)], s.name).toContain(s.next);
      // …and the pattern repeats every `hours` hours (2 Shopify/WooCommerce, 3 Stripe, 4 GA, 24 Facebook, 6 insights).
      const it = parseCron(s.pattern!, 'UTC', new Date(s.next!));
      const following = [it.next().getTime(), it.next().getTime(), it.next().getTime()];
      expect([following[0] - s.next!, following[1] - following[0], following[2] - following[1]], s.name).toEqual([hours, hours, hours].map((h) => h * HOUR));
    }
    expect(Object.fromEntries(want.map((w) => [w.name, w.hours]))).toMatchObject({
      'sync-shop-1': 2,
      'sync-woo-1': 2,
      'sync-stripe-1': 3,
      'sync-ga-1': 4,
      'sync-fb-1': 24,
      'insights-org-a': 6,
    });
    expectOnePendingEach(snap);
  });

  it('running it twice changes nothing', async () => {
    const { source } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const scheduler = new JobScheduler({ queueService: svc, source });
    await scheduler.syncSchedules();
    const first = await snapshot();
    expect(await scheduler.syncSchedules()).toEqual({ scheduled: 8, removed: 0, failed: [] });
    const second = await snapshot();
    expect(second).toEqual(first);
    expectOnePendingEach(second);
  });

  it('two processes running it at the same time produce exactly one schedule each', async () => {
    const { source } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const a = new JobScheduler({ queueService: otherProcess(), source });
    const b = new JobScheduler({ queueService: otherProcess(), source });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([a.syncSchedules(), b.syncSchedules()]);
      expect(results).toEqual([
        { scheduled: 8, removed: 0, failed: [] },
        { scheduled: 8, removed: 0, failed: [] },
      ]);
      const snap = await snapshot();
      expect(snap.schedules.map((s) => `${s.queue}/${s.name}`)).toEqual(expectedSchedules(INTEGRATIONS, ORGANIZATIONS).map((s) => `${s.queue}/${s.name}`));
      expectOnePendingEach(snap);
    }
  });

  it('an integration removed from the source or DISABLED (and a removed organization) loses its schedule', async () => {
    const { source, state } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const scheduler = new JobScheduler({ queueService: svc, source });
    await svc.addRecurringJob(QueueName.DATA_SYNC, 'hand-made', syncData(9), '0 3 * * *');
    await scheduler.syncSchedules();
    const before = await snapshot();

    state.integrations.delete('woo-1');
    state.integrations.get('shop-1')!.status = 'DISABLED';
    state.organizations = state.organizations.filter((o) => o.id !== 'org-c');
    expect(await scheduler.syncSchedules()).toEqual({ scheduled: 3 + 2, removed: 3, failed: [] });

    const after = await snapshot();
    const names = after.schedules.map((s) => s.name);
    expect(names).toEqual(['hand-made', 'insights-org-a', 'insights-org-b', 'sync-fb-1', 'sync-ga-1', 'sync-stripe-1']);
    // The ones that stay are untouched.
    expect(after.schedules).toEqual(before.schedules.filter((s) => names.includes(s.name)));
    expectOnePendingEach(after);
    for (const gone of ['sync-woo-1', 'sync-shop-1']) expect(await pendingFor(QueueName.DATA_SYNC, gone)).toEqual([]);
    expect(await pendingFor(QueueName.INSIGHTS_GENERATION, 'insights-org-c')).toEqual([]);

    // Back to ACTIVE: scheduled again.
    state.integrations.get('shop-1')!.status = 'ACTIVE';
    expect(await scheduler.syncSchedules()).toEqual({ scheduled: 6, removed: 0, failed: [] });
    expect((await svc.listRecurringJobs(QueueName.DATA_SYNC)).map((s) => s.name).sort()).toEqual([
      'hand-made',
      'sync-fb-1',
      'sync-ga-1',
      'sync-shop-1',
      'sync-stripe-1',
    ]);
  });

  // One integration the queue refuses (an empty organizationId from the store) must not stop the
  // others, nor the removal of stale schedules, nor the process start that awaits syncSchedules.
  it('one bad integration record does not stop the others from being scheduled nor stale ones from being removed', async () => {
    const { source, state } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const scheduler = new JobScheduler({ queueService: svc, source, log: silentLogger });
    await scheduler.syncSchedules();
    state.integrations.delete('woo-1');
    state.integrations.set('broken', { id: 'broken', organizationId: '', platform: 'stripe', status: 'ACTIVE' });

    await expect(scheduler.syncSchedules()).resolves.toMatchObject({ removed: 1, failed: [{ id: 'sync-broken' }] });
    const names = (await svc.listRecurringJobs(QueueName.DATA_SYNC)).map((s) => s.name).sort();
    expect(names).toEqual(['sync-fb-1', 'sync-ga-1', 'sync-shop-1', 'sync-stripe-1']);
  });

  it('scheduleIntegration of a non-ACTIVE integration removes its schedule', async () => {
    const scheduler = new JobScheduler({ queueService: svc, source: fakeSource([], []).source });
    const shop = INTEGRATIONS[0];
    await scheduler.scheduleIntegration(shop);
    expect((await svc.listRecurringJobs()).map((s) => s.name)).toEqual(['sync-shop-1']);
    await scheduler.scheduleIntegration({ ...shop, status: 'NEEDS_REAUTH' });
    expect(await svc.listRecurringJobs()).toEqual([]);
    expect(await delayedJobs(QueueName.DATA_SYNC)).toEqual([]);
  });
});

describe('JobScheduler immediate jobs', () => {
  it('scheduleImmediateSync enqueues a data-sync job with the integration org/platform, deduplicated while waiting', async () => {
    const { source } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const scheduler = new JobScheduler({ queueService: svc, source });

    const job = await scheduler.scheduleImmediateSync('ga-1');
    const stored = await svc.getJob(QueueName.DATA_SYNC, job.id!);
    expect(stored?.data).toEqual({ integrationId: 'ga-1', organizationId: 'org-b', platform: 'google-analytics', syncType: 'incremental' });
    expect(stored?.name).toBe('sync-google-analytics-incremental');
    expect(stored?.opts.priority).toBe(1);
    expect(await stored?.getState()).toBe('prioritized');

    const again = await scheduler.scheduleImmediateSync('ga-1');
    expect(again.id).toBe(job.id);
    expect(await svc.getQueueStats(QueueName.DATA_SYNC)).toMatchObject({ waiting: 1, delayed: 0, active: 0 });
    expect(await svc.queue(QueueName.DATA_SYNC).getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(1);

    // Another integration is not deduplicated against it.
    const other = await scheduler.scheduleImmediateSync('stripe-1', 'full');
    expect(other.id).not.toBe(job.id);
    expect((await svc.getJob(QueueName.DATA_SYNC, other.id!))?.data).toEqual({
      integrationId: 'stripe-1',
      organizationId: 'org-a',
      platform: 'stripe',
      syncType: 'full',
    });
    expect((await svc.getQueueStats(QueueName.DATA_SYNC)).waiting).toBe(2);

    // Once the first one is gone, a new request makes a new job.
    await svc.removeJob(QueueName.DATA_SYNC, job.id!);
    const fresh = await scheduler.scheduleImmediateSync('ga-1');
    expect(fresh.id).not.toBe(job.id);
    expect((await svc.getQueueStats(QueueName.DATA_SYNC)).waiting).toBe(2);
  });

  it('scheduleImmediateSync of an unknown integration throws IntegrationNotFoundError and adds nothing', async () => {
    const { source } = fakeSource(INTEGRATIONS, ORGANIZATIONS);
    const scheduler = new JobScheduler({ queueService: svc, source });
    const err = await rejection(scheduler.scheduleImmediateSync('nope-404'));
    expect(err).toBeInstanceOf(IntegrationNotFoundError);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe('NOT_FOUND');
    expect(err.message).toContain('nope-404');
    expect((await svc.getAllQueueStats()).totals).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 });
  });

  it("scheduleImmediateInsights(org, '7d') enqueues an insights job with forceRegenerate", async () => {
    const scheduler = new JobScheduler({ queueService: svc, source: fakeSource([], []).source });
    const job = await scheduler.scheduleImmediateInsights('org-a', '7d');
    const stored = await svc.getJob(QueueName.INSIGHTS_GENERATION, job.id!);
    expect(stored?.data).toEqual({ organizationId: 'org-a', period: '7d', forceRegenerate: true });
    expect(stored?.name).toBe('insights-7d');
    expect(stored?.opts.priority).toBe(1);
    expect(await stored?.getState()).toBe('prioritized');

    const byDefault = await scheduler.scheduleImmediateInsights('org-b');
    expect((await svc.getJob(QueueName.INSIGHTS_GENERATION, byDefault.id!))?.data).toEqual({ organizationId: 'org-b', period: '30d', forceRegenerate: true });
    expect((await svc.getQueueStats(QueueName.INSIGHTS_GENERATION)).waiting).toBe(2);
  });
});

describe('emptying and cleaning keep schedules alive', () => {
  it('a schedule whose next run was emptied away gets it back, and the count excludes it', async () => {
    const c = connect();
    const prefix = testPrefix('keep');
    const svc = new QueueService({ connection: c, prefix });
    try {
      await svc.addRecurringJob(
        QueueName.REPORT_GENERATION,
        'weekly-keep',
        { reportId: 'recurring', organizationId: 'o', reportType: 'weekly', period: '7d' },
        '0 8 * * 1',
      );
      await svc.addJob(QueueName.REPORT_GENERATION, { reportId: 'r1', organizationId: 'o', reportType: 'weekly', period: '7d' }, { delay: 60_000 });
      expect((await svc.getQueueStats(QueueName.REPORT_GENERATION)).delayed).toBe(2);
      expect(await svc.emptyQueue(QueueName.REPORT_GENERATION)).toBe(1);
      const delayed = await svc.queue(QueueName.REPORT_GENERATION).getDelayed();
      expect(delayed.map((j) => j.id)).toEqual([expect.stringMatching(/^repeat:weekly-keep:/)]);
      const schedule = await svc.getRecurringJob(QueueName.REPORT_GENERATION, 'weekly-keep');
      expect(schedule?.next).toBe(nextRun('0 8 * * 1'));
      expect(await svc.cleanQueue(QueueName.REPORT_GENERATION, 0, 'delayed')).toBe(0);
      expect((await svc.getQueueStats(QueueName.REPORT_GENERATION)).delayed).toBe(1);
    } finally {
      await svc.close();
      await removeKeys(c, prefix);
      await c.quit();
    }
  });
});
