/**
 * Managed schedules (issue 14, item 5): the per-integration sync and per-organization insights schedules
 * the scheduler rewrites at every start say who owns them and where their interval comes from; an edit
 * either lands where it lasts (the integration's interval in the store, the schedule rewritten at once and
 * again by a restart's resync) or is refused with the reason; custom schedules edit as before; every
 * change and refusal is audited. Real Redis, the real store (SQLite and PostgreSQL), and the tRPC API
 * over real HTTP for the admin-only check.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Integration } from '../../shared/domain.ts';
import { QueueName } from '../../shared/queues.ts';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { storeScheduleSource } from '../../server/domain/domain.ts';
import type { Store } from '../../server/domain/store/store.ts';
import { QueueActions, type Actor } from '../../server/monitoring/queue-actions.ts';
import { JobScheduler } from '../../server/queue/job-scheduler.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { everyCron, intervalOfCron, spreadCron } from '../../server/queue/schedule-plan.ts';
import type { Redis } from '../../server/redis.ts';
import { ManagedScheduleError, SchedulesService } from '../../server/services/schedules-service.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { appCode, bearer, send, trpcMutation, trpcQuery } from '../helpers/api-requests.ts';
import { openTestStore, type TestStore } from '../helpers/databases.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';

const actor: Actor = { user: { name: 'admin', role: 'admin', via: 'session' }, ip: '127.0.0.1', source: 'trpc' };

async function refusal(p: Promise<unknown>): Promise<ManagedScheduleError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ManagedScheduleError);
  return err as ManagedScheduleError;
}

describe('intervalOfCron and everyCron', () => {
  it('reads a fixed interval from a cron and nothing from an irregular one', () => {
    expect(intervalOfCron('*/30 * * * *', 'UTC')).toBe(30);
    expect(intervalOfCron('5 * * * *', 'UTC')).toBe(60);
    expect(intervalOfCron('0 */2 * * *', 'UTC')).toBe(120);
    expect(intervalOfCron('15 3 * * *', 'UTC')).toBe(1440);
    expect(intervalOfCron('0 8 * * 1', 'UTC')).toBeNull(); // weekly: more than a day apart
    expect(intervalOfCron('0 9,17 * * *', 'UTC')).toBeNull(); // uneven gaps
    expect(intervalOfCron('*/30 * * * * *', 'UTC')).toBeNull(); // seconds
  });

  it('whole hours give spreadCron exactly (the platform defaults never move); sub-hour intervals stay evenly spaced', () => {
    expect(everyCron('sync-a', 120)).toBe(spreadCron('sync-a', 2));
    expect(everyCron('sync-a', 1440)).toBe(spreadCron('sync-a', 24));
    for (const m of [5, 10, 15, 20, 30]) {
      for (const key of ['sync-a', 'sync-b', 'sync-demo-shopify']) expect(intervalOfCron(everyCron(key, m), 'UTC'), `${key} ${m}`).toBe(m);
    }
    expect(() => everyCron('sync-a', 45)).toThrow(/does not divide the hour/);
    expect(() => everyCron('sync-a', 300)).toThrow(/whole hours/);
  });
});

describeOnStores('managed schedules', (dialect, test) => {
  let db: TestStore;
  let store: Store;
  let client: Redis;
  let prefix: string;
  let queueService: QueueService;
  let scheduler: JobScheduler;
  let audit: AuditLog;
  let schedules: SchedulesService;
  let shop: Integration;

  beforeEach(async () => {
    db = await openTestStore(dialect);
    store = db.store;
    prefix = testPrefix('managed');
    client = connect();
    queueService = new QueueService({ connection: client, prefix });
    scheduler = new JobScheduler({ queueService, source: storeScheduleSource(store) });
    audit = new AuditLog(client, `${prefix}:console:audit`);
    const actions = new QueueActions({ queueService, audit });
    schedules = new SchedulesService({ queueService, owners: store, scheduler, actions });

    await store.createOrganization({ id: 'acme', name: 'Acme Ltd' });
    shop = await store.createIntegration({
      id: 'acme-shopify',
      organizationId: 'acme',
      platform: 'shopify',
      name: 'Acme shop',
      credentials: { accessToken: 't' },
    });
    await store.createIntegration({ id: 'acme-stripe', organizationId: 'acme', platform: 'stripe', name: 'Acme payments', credentials: { apiKey: 'k' } });
    // A process start: the scheduler writes its schedules from the store.
    await scheduler.syncSchedules();
  });

  afterEach(async () => {
    await queueService.close();
    await removeKeys(client, prefix);
    await client.quit();
    await db.close();
  });

  const find = async (name: string) => (await schedules.list()).find((s) => s.name === name);
  const lastAudit = async () => (await audit.list(1, 1)).entries[0];

  test('a managed schedule lists its owner and the source of its interval; a custom one lists none', async () => {
    await queueService.addRecurringJob(
      QueueName.REPORT_GENERATION,
      'weekly-acme',
      { reportId: 'r1', organizationId: 'acme', reportType: 'weekly', period: '7d' },
      '0 8 * * 1',
      'UTC',
    );
    const sync = await find('sync-acme-shopify');
    expect(sync?.managed).toMatchObject({
      kind: 'integration-sync',
      owner: 'Integration acme-shopify — Acme shop (Shopify, org Acme Ltd)',
      ownerId: 'acme-shopify',
      source: 'Shopify default: every 2 h (the integration has no interval of its own)',
      everyMinutes: 120,
      intervalEditable: true,
    });
    expect(sync?.managed?.removeRefusal).toMatch(/puts this schedule back at its next start/);
    const insights = await find('insights-acme');
    expect(insights?.managed).toMatchObject({
      kind: 'organization-insights',
      owner: 'Organization Acme Ltd (acme) insights',
      source: 'INSIGHTS default: every 6 h for every organization (INSIGHTS_EVERY_HOURS)',
      intervalEditable: false,
    });
    expect((await find('weekly-acme'))?.managed).toBeNull();

    // Once the integration has an interval of its own, the store is named as the source.
    await store.updateIntegration('acme-shopify', { syncEveryMinutes: 60 });
    expect((await find('sync-acme-shopify'))?.managed?.source).toBe("integration's sync interval: 1 h, from the store");
  });

  test('editing a managed sync interval updates the store, rewrites the schedule, and survives a restart; audited', async () => {
    const saved = await schedules.setInterval(actor, { queue: QueueName.DATA_SYNC, name: 'sync-acme-shopify', everyMinutes: 30 });
    expect((await store.getIntegration('acme-shopify'))?.syncEveryMinutes).toBe(30);
    expect(saved.pattern).toBe(everyCron('sync-acme-shopify', 30));
    expect(saved.managed).toMatchObject({ everyMinutes: 30, source: "integration's sync interval: 30 min, from the store" });
    expect(await lastAudit()).toMatchObject({
      action: 'schedule.interval',
      queue: 'data-sync',
      ok: true,
      user: 'admin',
      detail: { name: 'sync-acme-shopify', from: null, to: 30 },
    });

    // A restart: a new scheduler over the same store and Redis rewrites every schedule; the edit stays.
    const restarted = new JobScheduler({ queueService, source: storeScheduleSource(store) });
    expect(await restarted.syncSchedules()).toMatchObject({ failed: [] });
    const after = await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-acme-shopify');
    expect(after?.pattern).toBe(everyCron('sync-acme-shopify', 30));
    expect(intervalOfCron(after!.pattern!, 'UTC')).toBe(30);
    // The other integration kept its platform default.
    expect((await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-acme-stripe'))?.pattern).toBe(spreadCron('sync-acme-stripe', 3));

    // Back to the platform's default.
    await schedules.setInterval(actor, { queue: QueueName.DATA_SYNC, name: 'sync-acme-shopify', everyMinutes: null });
    expect((await store.getIntegration('acme-shopify'))?.syncEveryMinutes).toBeNull();
    expect((await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-acme-shopify'))?.pattern).toBe(spreadCron('sync-acme-shopify', 2));
    expect(await lastAudit()).toMatchObject({ action: 'schedule.interval', ok: true, detail: { from: 30, to: null } });
  });

  test('a cron edit of a managed sync is read as the interval it means; one that is no interval is refused and changes nothing', async () => {
    const current = await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-acme-shopify');
    const saved = await schedules.upsert(actor, { queue: QueueName.DATA_SYNC, name: 'sync-acme-shopify', cron: '0 */4 * * *', tz: 'UTC', data: current!.data });
    expect((await store.getIntegration('acme-shopify'))?.syncEveryMinutes).toBe(240);
    expect(saved.pattern).toBe(spreadCron('sync-acme-shopify', 4));
    expect(await lastAudit()).toMatchObject({ action: 'schedule.upsert', ok: true, detail: { name: 'sync-acme-shopify', cron: '0 */4 * * *' } });

    const weekly = await refusal(schedules.upsert(actor, { queue: QueueName.DATA_SYNC, name: 'sync-acme-shopify', cron: '0 8 * * 1', data: current!.data }));
    expect(weekly.code).toBe('MANAGED_SCHEDULE');
    expect(weekly.message).toMatch(/"0 8 \* \* 1" is not an interval the scheduler can keep for Integration acme-shopify/);
    const otherData = await refusal(
      schedules.upsert(actor, {
        queue: QueueName.DATA_SYNC,
        name: 'sync-acme-shopify',
        cron: '*/30 * * * *',
        data: { ...(current!.data as object), syncType: 'full' },
      }),
    );
    expect(otherData.message).toMatch(/comes from Integration acme-shopify.*only its interval can change here/);
    expect((await store.getIntegration('acme-shopify'))?.syncEveryMinutes).toBe(240);
    expect((await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-acme-shopify'))?.pattern).toBe(spreadCron('sync-acme-shopify', 4));
    expect(await lastAudit()).toMatchObject({ action: 'schedule.upsert', ok: false, error: otherData.message });

    // Removing it would not last either (the scheduler puts it back): refused, audited, still there.
    const removal = await refusal(schedules.remove(actor, QueueName.DATA_SYNC, 'sync-acme-shopify'));
    expect(removal.message).toMatch(/Disable the integration to stop its syncs/);
    expect(await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-acme-shopify')).toBeDefined();
    expect(await lastAudit()).toMatchObject({ action: 'schedule.remove', ok: false });
  });

  test('an insights schedule is refused with the reason, audited, and left as it was', async () => {
    const before = await queueService.getRecurringJob(QueueName.INSIGHTS_GENERATION, 'insights-acme');
    const edit = await refusal(schedules.upsert(actor, { queue: QueueName.INSIGHTS_GENERATION, name: 'insights-acme', cron: '0 * * * *', data: before!.data }));
    expect(edit.message).toMatch(/^Set by the insights cadence: every 6 h for every organization \(INSIGHTS_EVERY_HOURS/);
    expect(edit.message).toMatch(/rewrites it at every start, so an edit here would not last/);
    expect(await lastAudit()).toMatchObject({ action: 'schedule.upsert', queue: 'insights-generation', ok: false, error: edit.message });
    const interval = await refusal(schedules.setInterval(actor, { queue: QueueName.INSIGHTS_GENERATION, name: 'insights-acme', everyMinutes: 60 }));
    expect(interval.message).toBe(edit.message);
    expect(await lastAudit()).toMatchObject({ action: 'schedule.interval', ok: false });
    expect(await queueService.getRecurringJob(QueueName.INSIGHTS_GENERATION, 'insights-acme')).toMatchObject({ pattern: before!.pattern, data: before!.data });

    // A name in the scheduler's form with nothing to own it is refused too: the scheduler would remove it.
    const orphan = await refusal(
      schedules.upsert(actor, {
        queue: QueueName.DATA_SYNC,
        name: 'sync-nobody',
        cron: '0 * * * *',
        data: { integrationId: 'nobody', organizationId: 'acme', platform: 'shopify', syncType: 'incremental' },
      }),
    );
    expect(orphan.message).toMatch(/no integration "nobody" exists: it removes this schedule at its next start/);
    expect(await queueService.getRecurringJob(QueueName.DATA_SYNC, 'sync-nobody')).toBeUndefined();
  });

  test('a custom schedule edits and removes as before, in a managed queue too', async () => {
    const data = { integrationId: 'acme-shopify', organizationId: 'acme', platform: 'shopify' as const, syncType: 'full' as const };
    const first = await schedules.upsert(actor, { queue: QueueName.DATA_SYNC, name: 'nightly-full-acme', cron: '0 2 * * *', tz: 'UTC', data });
    expect(first).toMatchObject({ pattern: '0 2 * * *', tz: 'UTC', data });
    const second = await schedules.upsert(actor, { queue: QueueName.DATA_SYNC, name: 'nightly-full-acme', cron: '30 3 * * 0', tz: 'Europe/Berlin', data });
    expect(second).toMatchObject({ pattern: '30 3 * * 0', tz: 'Europe/Berlin' });
    expect((await find('nightly-full-acme'))?.managed).toBeNull();
    expect(await lastAudit()).toMatchObject({ action: 'schedule.upsert', ok: true, detail: { name: 'nightly-full-acme', cron: '30 3 * * 0' } });
    // Its interval is not the scheduler's to set.
    const interval = await refusal(schedules.setInterval(actor, { queue: QueueName.DATA_SYNC, name: 'nightly-full-acme', everyMinutes: 60 }));
    expect(interval.message).toMatch(/custom schedule: edit its cron instead/);
    // A restart leaves it alone.
    await scheduler.syncSchedules();
    expect(await queueService.getRecurringJob(QueueName.DATA_SYNC, 'nightly-full-acme')).toMatchObject({ pattern: '30 3 * * 0' });
    expect(await schedules.remove(actor, QueueName.DATA_SYNC, 'nightly-full-acme')).toBe(true);
    expect(await queueService.getRecurringJob(QueueName.DATA_SYNC, 'nightly-full-acme')).toBeUndefined();
    expect(shop.syncEveryMinutes).toBeNull();
  });
});

describe('managed schedules over tRPC', () => {
  let app: ApiApp;

  beforeAll(async () => {
    app = await startApiApp();
    await app.domain.store.createOrganization({ id: 'acme', name: 'Acme Ltd' });
    const shop = await app.domain.store.createIntegration({
      id: 'acme-shopify',
      organizationId: 'acme',
      platform: 'shopify',
      name: 'Acme shop',
      credentials: {},
    });
    await app.runtime.jobScheduler.scheduleIntegration(shop);
    await app.runtime.jobScheduler.scheduleOrganization('acme');
  });

  afterAll(async () => {
    await app.close();
  });

  const call = (token: string, req: ReturnType<typeof trpcQuery>) => send(app.base, { ...req, headers: bearer(token) });

  it('lists the owner to a viewer, refuses a viewer the edit, lets the admin set the interval, and answers a refusal with its reason', async () => {
    const listed = await call(VIEWER_API_TOKEN, trpcQuery('schedules.list', { queue: 'data-sync' }));
    expect(listed.status).toBe(200);
    expect(listed.body.result.data[0]).toMatchObject({
      name: 'sync-acme-shopify',
      managed: { owner: 'Integration acme-shopify — Acme shop (Shopify, org Acme Ltd)' },
    });

    const viewer = await call(VIEWER_API_TOKEN, trpcMutation('schedules.setInterval', { queue: 'data-sync', name: 'sync-acme-shopify', everyMinutes: 15 }));
    expect(viewer.status).toBe(403);
    expect((await app.domain.store.getIntegration('acme-shopify'))?.syncEveryMinutes).toBeNull();

    const bad = await call(API_TOKEN, trpcMutation('schedules.setInterval', { queue: 'data-sync', name: 'sync-acme-shopify', everyMinutes: 45 }));
    expect(bad.status).toBe(400);

    const admin = await call(API_TOKEN, trpcMutation('schedules.setInterval', { queue: 'data-sync', name: 'sync-acme-shopify', everyMinutes: 15 }));
    expect(admin.status).toBe(200);
    expect(admin.body.result.data).toMatchObject({ pattern: everyCron('sync-acme-shopify', 15), managed: { everyMinutes: 15 } });
    expect((await app.domain.store.getIntegration('acme-shopify'))?.syncEveryMinutes).toBe(15);

    const insights = await call(API_TOKEN, trpcMutation('schedules.remove', { queue: 'insights-generation', name: 'insights-acme' }));
    expect(insights.status).toBe(409);
    expect(appCode(insights.body)).toBe('MANAGED_SCHEDULE');
    expect(insights.body.error.message).toMatch(/scheduler puts this schedule back at its next start/);
  });
});
