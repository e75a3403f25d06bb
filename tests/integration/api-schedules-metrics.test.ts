/**
 * The tRPC schedule and metrics procedures over real HTTP and real Redis: schedules.* (upsert, list
 * with next / last run, runNow, remove), throughput from real workers' BullMQ metrics, and sampled
 * queue depth. Every call uses the admin bearer token; authorisation is covered in the api-auth-* tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { AUTH, alert, sync, setupAdminApi, type Json } from '../helpers/admin-api.ts';
import { waitFor } from '../helpers/wait-for.ts';

const api = setupAdminApi();
const { svc, bull, rawWorker, stopWorker, failJobs, addJobs, query, mutate, trpcError, expectBadInput } = api;

// ---------------------------------------------------------------------------------------------
// tRPC: schedules.*
// ---------------------------------------------------------------------------------------------

describe('tRPC schedules', () => {
  const HOUR = 3_600_000;

  it('upsert, list (next / last), runNow, remove', async () => {
    const saved = await mutate('schedules.upsert', { queue: 'alerts', name: 'hourly-check', cron: '0 * * * *', tz: 'UTC', data: alert(1) });
    const nextHour = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
    expect(saved).toMatchObject({ queue: 'alerts', name: 'hourly-check', pattern: '0 * * * *', tz: 'UTC', data: alert(1) });
    expect([nextHour, nextHour + HOUR]).toContain(saved.next); // + 1 h if the hour turned meanwhile

    // Upserting the same name again updates it: still one schedule.
    await mutate('schedules.upsert', { queue: 'alerts', name: 'hourly-check', cron: '30 * * * *', tz: 'UTC', data: alert(2) });
    await mutate('schedules.upsert', { queue: 'data-sync', name: 'nightly-sync', cron: '0 2 * * *', data: sync(1) });

    const all = await query('schedules.list');
    expect(all.map((s: Json) => `${s.queue}/${s.name}`).sort()).toEqual(['alerts/hourly-check', 'data-sync/nightly-sync']);
    const alerts = await query('schedules.list', { queue: 'alerts' });
    expect(alerts).toHaveLength(1);
    const s = alerts[0];
    expect(s).toMatchObject({ name: 'hourly-check', pattern: '30 * * * *', data: alert(2) });
    expect(s.next).toBeGreaterThan(Date.now() - 1000);
    expect(new Date(s.next).getUTCMinutes()).toBe(30);
    expect(s.next - Date.now()).toBeLessThanOrEqual(HOUR);

    const before = (await svc().getQueueStats(QueueName.ALERTS)).waiting;
    const job = await mutate('schedules.runNow', { queue: 'alerts', name: 'hourly-check' });
    expect(job.data).toEqual(alert(2));
    expect(await (await bull(QueueName.ALERTS).getJob(job.id))!.getState()).toBe('waiting');
    expect((await svc().getQueueStats(QueueName.ALERTS)).waiting).toBe(before + 1);
    // Running now does not move the next run.
    expect((await query('schedules.list', { queue: 'alerts' }))[0].next).toBe(s.next);

    expect(await mutate('schedules.remove', { queue: 'alerts', name: 'hourly-check' })).toEqual({ removed: true });
    expect(await query('schedules.list', { queue: 'alerts' })).toEqual([]);
    const again = await trpcError('mutation', 'schedules.remove', { queue: 'alerts', name: 'hourly-check' });
    expect(again).toMatchObject({ status: 404, code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
    const run = await trpcError('mutation', 'schedules.runNow', { queue: 'alerts', name: 'hourly-check' });
    expect(run).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('a schedule that has never fired has no last run', async () => {
    await mutate('schedules.upsert', { queue: 'alerts', name: 'fresh', cron: '0 3 * * *', tz: 'UTC', data: alert(1) });
    const [s] = await query('schedules.list', { queue: 'alerts' });
    expect(s.next).toBeGreaterThan(Date.now());
    // Created seconds ago and not due before 03:00: it cannot have run at the previous 03:00.
    expect(s.last).toBeNull();
  });

  it('once it has fired, last is the previous fire time and next the following one', async () => {
    await mutate('schedules.upsert', { queue: 'alerts', name: 'every-second', cron: '* * * * * *', data: alert(1) });
    const w = rawWorker(QueueName.ALERTS, async () => 'ok');
    await waitFor(async () => (await svc().getQueueStats(QueueName.ALERTS)).completed >= 1, { timeoutMs: 10_000 });
    await stopWorker(w);
    const [s] = await query('schedules.list', { queue: 'alerts' });
    expect(s.iterationCount).toBeGreaterThanOrEqual(2);
    expect(s.last).not.toBeNull();
    expect(s.last).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - s.last).toBeLessThan(5000);
    expect(s.last % 1000).toBe(0);
  });

  it('400 INVALID_CRON for a bad cron expression or time zone, and nothing is saved', async () => {
    for (const [cron, tz] of [
      ['every hour', undefined],
      ['99 * * * *', undefined],
      ['* * * * * * *', undefined],
      ['0 9 * * *', 'Mars/Olympus_Mons'],
    ] as const) {
      const e = await trpcError('mutation', 'schedules.upsert', { queue: 'alerts', name: 'bad-cron', cron, tz, data: alert(1) });
      expect(e, `${cron} ${tz}`).toMatchObject({ status: 400, code: 'BAD_REQUEST', appCode: 'INVALID_CRON' });
    }
    expect(await query('schedules.list')).toEqual([]);
  });

  it('400 for bad data (INVALID_JOB_DATA), a bad name, an empty cron or unknown queue', async () => {
    const e = await trpcError('mutation', 'schedules.upsert', { queue: 'alerts', name: 'x-sched', cron: '0 * * * *', data: { ...alert(1), severity: 'NOPE' } });
    expect(e).toMatchObject({ status: 400, appCode: 'INVALID_JOB_DATA' });
    expect(e.fieldErrors).toHaveProperty('severity');
    await expectBadInput('mutation', 'schedules.upsert', { queue: 'alerts', name: 'a:b', cron: '0 * * * *', data: alert(1) }, 'name');
    await expectBadInput('mutation', 'schedules.upsert', { queue: 'alerts', name: 'ok', cron: ' ', data: alert(1) }, 'cron');
    await expectBadInput('mutation', 'schedules.upsert', { queue: 'nope', name: 'ok', cron: '0 * * * *', data: alert(1) }, 'queue');
    await expectBadInput('query', 'schedules.list', { queue: 'nope' }, 'queue');
    expect(await query('schedules.list')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

describe('tRPC metrics.throughput (real workers with BullMQ metrics)', () => {
  let mApp: ApiApp;
  const COMPLETED = 7;
  const FAILED = 3;

  beforeAll(async () => {
    mApp = await startApiApp({
      processors: {
        alerts: async (d) => {
          if (d.message.startsWith('fail')) throw new Error('processor refused');
          return 'ok';
        },
      },
    });
    const qs = mApp.runtime.queueService;
    for (let i = 0; i < COMPLETED; i++) await qs.addJob(QueueName.ALERTS, alert(i));
    for (let i = 0; i < FAILED; i++) await qs.addJob(QueueName.ALERTS, alert(i, { message: `fail ${i}` }), { attempts: 1 });
    await waitFor(
      async () => {
        const s = await qs.getQueueStats(QueueName.ALERTS);
        return s.completed === COMPLETED && s.failed === FAILED;
      },
      { timeoutMs: 20_000 },
    );
  });

  afterAll(async () => {
    await mApp?.close();
  });

  const mQuery = async (input: unknown) => {
    const r = await fetch(`${mApp.base}/trpc/metrics.throughput?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
    const body = (await r.json()) as Json;
    expect(r.status, JSON.stringify(body)).toBe(200);
    return body.result.data as { range: string; bucketMinutes: number; points: Array<{ t: number; completed: number; failed: number }> };
  };
  const total = (points: Array<{ completed: number; failed: number }>, k: 'completed' | 'failed') => points.reduce((s, p) => s + p[k], 0);

  it('1h: 60 one-minute points; the jobs just run are in the most recent buckets', async () => {
    const r = await mQuery({ range: '1h' });
    expect(r.range).toBe('1h');
    expect(r.bucketMinutes).toBe(1);
    expect(r.points).toHaveLength(60);
    const nowMinute = Math.floor(Date.now() / 60_000) * 60_000;
    expect(r.points[59].t).toBe(nowMinute);
    expect(total(r.points, 'completed')).toBe(COMPLETED);
    expect(total(r.points, 'failed')).toBe(FAILED);
    // All of it in the last few minutes (the jobs ran seconds ago).
    expect(total(r.points.slice(-3), 'completed')).toBe(COMPLETED);
    expect(total(r.points.slice(0, 55), 'completed')).toBe(0);
  });

  it('one queue or all summed give the same here; another queue has none', async () => {
    const alerts = await mQuery({ range: '1h', queue: 'alerts' });
    expect(total(alerts.points, 'completed')).toBe(COMPLETED);
    expect(total(alerts.points, 'failed')).toBe(FAILED);
    const other = await mQuery({ range: '1h', queue: 'data-sync' });
    expect(other.points).toHaveLength(60);
    expect(total(other.points, 'completed') + total(other.points, 'failed')).toBe(0);
  });

  it.each([
    ['24h', 12],
    ['7d', 84],
  ] as const)('%s: at most 120 points, the same totals', async (range, bucketMinutes) => {
    const r = await mQuery({ range });
    expect(r.bucketMinutes).toBe(bucketMinutes);
    expect(r.points.length).toBeLessThanOrEqual(120);
    expect(r.points.length).toBeGreaterThan(100);
    expect(total(r.points, 'completed')).toBe(COMPLETED);
    expect(total(r.points, 'failed')).toBe(FAILED);
    expect(r.points[r.points.length - 1].completed + r.points[r.points.length - 2].completed).toBe(COMPLETED);
  });

  it('400 for an unknown range', async () => {
    const r = await fetch(`${mApp.base}/trpc/metrics.throughput?input=${encodeURIComponent(JSON.stringify({ range: '2h' }))}`, { headers: AUTH });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Json).error.data.fieldErrors).toHaveProperty('range');
  });
});

describe('tRPC metrics.depth', () => {
  it('returns the sampled points, oldest first, per queue or summed', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    await addJobs(QueueName.DATA_SYNC, [sync(1)]);
    await svc().pauseQueue(QueueName.EMAIL_SENDING);
    await addJobs(QueueName.EMAIL_SENDING, [{ to: 'a@example.com', subject: 's', template: 'welcome', data: {} }]);
    await failJobs(QueueName.REPORT_GENERATION, [{ reportId: 'r', organizationId: 'o', reportType: 'weekly', period: 'p' }]);

    const empty = await query('metrics.depth', { range: '1h' });
    expect(empty).toEqual({ range: '1h', points: [] });

    const now = Math.floor(Date.now() / 10_000) * 10_000;
    expect(await api.app.services.depth.sample(now)).toBeGreaterThanOrEqual(1);
    expect(await api.app.services.depth.sample(now)).toBe(0); // the slot is taken
    await api.app.services.depth.sample(now + 10_000);
    await addJobs(QueueName.ALERTS, [alert(4)]);
    await api.app.services.depth.sample(now + 20_000);

    const r = await query('metrics.depth', { range: '1h' });
    expect(r.range).toBe('1h');
    expect(r.points.map((p: Json) => p.t)).toEqual([now, now + 10_000, now + 20_000]);
    // waiting includes the paused queue's waiting job
    expect(r.points.map((p: Json) => p.waiting)).toEqual([5, 5, 6]);
    expect(r.points.every((p: Json) => p.failed === 1 && p.active === 0)).toBe(true);

    const alertsOnly = await query('metrics.depth', { range: '1h', queue: 'alerts' });
    expect(alertsOnly.points.map((p: Json) => p.waiting)).toEqual([3, 3, 4]);
    expect(alertsOnly.points.every((p: Json) => p.failed === 0)).toBe(true);

    const week = await query('metrics.depth', { range: '7d' });
    expect(week.points.length).toBeGreaterThanOrEqual(1);
    expect(week.points.length).toBeLessThanOrEqual(2);
    expect(await query('metrics.depth', { range: '24h' })).toMatchObject({ points: r.points });
  });
});
