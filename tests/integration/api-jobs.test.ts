/**
 * The tRPC job procedures over real HTTP and real Redis: jobs.list by state, jobs.get, jobs.add with
 * its validation, the bulk retry / remove / promote, and jobs.search. Every call uses the admin bearer
 * token; authorisation is covered in the api-auth-* tests.
 */
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { QueueName, type Overview } from '../../shared/queues.ts';
import { ZERO, alert, sync, setupAdminApi, type Json } from '../helpers/admin-api.ts';
import { waitFor } from '../helpers/wait-for.ts';

const { svc, bull, rawWorker, stopWorker, failJobs, completeJobs, addJobs, query, mutate, trpcError, expectBadInput } = setupAdminApi();

// ---------------------------------------------------------------------------------------------
// tRPC: jobs.*
// ---------------------------------------------------------------------------------------------

describe('tRPC jobs.list', () => {
  const list = (input: Record<string, unknown>) => query('jobs.list', input);

  it('waiting: newest first, wait list and prioritized jobs paged as one, total and pages', async () => {
    const ids = await addJobs(
      QueueName.ALERTS,
      [1, 2, 3, 4].map((n) => alert(n)),
    );
    const [prio] = await addJobs(QueueName.ALERTS, [alert(5)], { priority: 1 });
    const p1 = await list({ queue: 'alerts', state: 'waiting', page: 1, pageSize: 2 });
    expect(p1).toMatchObject({ total: 5, page: 1, pageSize: 2, pages: 3 });
    expect(p1.jobs.map((j: Json) => j.id)).toEqual([ids[3], ids[2]]);
    const p2 = await list({ queue: 'alerts', state: 'waiting', page: 2, pageSize: 2 });
    expect(p2.jobs.map((j: Json) => j.id)).toEqual([ids[1], ids[0]]);
    const p3 = await list({ queue: 'alerts', state: 'waiting', page: 3, pageSize: 2 });
    expect(p3.jobs.map((j: Json) => j.id)).toEqual([prio]);
    const all = await list({ queue: 'alerts', state: 'waiting' });
    expect(all).toMatchObject({ total: 5, page: 1, pageSize: 25, pages: 1 });
    expect(all.jobs).toHaveLength(5);
    expect(all.jobs[0]).toMatchObject({ id: ids[3], queue: 'alerts', name: 'alert-DATA_ANOMALY', data: alert(4) });
  });

  it('a page beyond the end is an empty list with the real total', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    expect(await list({ queue: 'alerts', state: 'waiting', page: 7, pageSize: 2 })).toMatchObject({ jobs: [], total: 2, page: 7, pages: 1 });
    expect(await list({ queue: 'alerts', state: 'failed', page: 1 })).toMatchObject({ jobs: [], total: 0, pages: 1 });
  });

  it('active: jobs a worker is running, newest first', async () => {
    const ids = await addJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = rawWorker(QueueName.ALERTS, () => gate, 3);
    await waitFor(async () => (await svc().getQueueStats(QueueName.ALERTS)).active === 3);
    const r = await list({ queue: 'alerts', state: 'active' });
    expect(r.total).toBe(3);
    expect(r.jobs.map((j: Json) => j.id)).toEqual([...ids].reverse());
    expect(r.jobs.every((j: Json) => typeof j.processedOn === 'number')).toBe(true);
    release();
    await waitFor(async () => (await svc().getQueueStats(QueueName.ALERTS)).completed === 3);
    await stopWorker(w);
  });

  it('completed: newest first, with return values', async () => {
    const ids = await completeJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    const r = await list({ queue: 'alerts', state: 'completed', pageSize: 2 });
    expect(r).toMatchObject({ total: 3, pages: 2 });
    expect(r.jobs.map((j: Json) => j.id)).toEqual([ids[2], ids[1]]);
    expect(r.jobs[0].returnvalue).toEqual({ ok: ids[2] });
  });

  it('failed: newest first, with the reason', async () => {
    const ids = await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)], 'SMTP down');
    const r = await list({ queue: 'alerts', state: 'failed' });
    expect(r.total).toBe(3);
    expect(r.jobs.map((j: Json) => j.id)).toEqual([...ids].reverse());
    expect(r.jobs.every((j: Json) => j.failedReason === 'SMTP down')).toBe(true);
  });

  it('delayed: newest first, with their delay', async () => {
    const ids = await addJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)], { delay: 600_000 });
    const r = await list({ queue: 'alerts', state: 'delayed' });
    expect(r.total).toBe(3);
    expect(r.jobs.map((j: Json) => j.id)).toEqual([...ids].reverse());
    expect(r.jobs.every((j: Json) => j.delay === 600_000)).toBe(true);
  });

  it('paused: the waiting jobs of a paused queue (and waiting is then empty)', async () => {
    await svc().pauseQueue(QueueName.ALERTS);
    const ids = await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    const paused = await list({ queue: 'alerts', state: 'paused' });
    expect(paused.total).toBe(2);
    expect(paused.jobs.map((j: Json) => j.id)).toEqual([...ids].reverse());
    expect(await list({ queue: 'alerts', state: 'waiting' })).toMatchObject({ jobs: [], total: 0 });
    await svc().resumeQueue(QueueName.ALERTS);
    expect(await list({ queue: 'alerts', state: 'paused' })).toMatchObject({ jobs: [], total: 0 });
    expect((await list({ queue: 'alerts', state: 'waiting' })).total).toBe(2);
  });

  it('400 BAD_REQUEST naming the field for a bad state, page or pageSize, or an unknown queue', async () => {
    await expectBadInput('query', 'jobs.list', { queue: 'alerts', state: 'stuck' }, 'state');
    await expectBadInput('query', 'jobs.list', { queue: 'alerts', state: 'waiting', page: 0 }, 'page');
    await expectBadInput('query', 'jobs.list', { queue: 'alerts', state: 'waiting', page: -3 }, 'page');
    await expectBadInput('query', 'jobs.list', { queue: 'alerts', state: 'waiting', page: 1.5 }, 'page');
    await expectBadInput('query', 'jobs.list', { queue: 'alerts', state: 'waiting', pageSize: 1000 }, 'pageSize');
    await expectBadInput('query', 'jobs.list', { queue: 'alerts', state: 'waiting', pageSize: 0 }, 'pageSize');
    await expectBadInput('query', 'jobs.list', { queue: 'nope', state: 'waiting' }, 'queue');
    await expectBadInput('query', 'jobs.list', { queue: 'alerts' }, 'state');
  });
});

describe('tRPC jobs.get', () => {
  it('returns a failed job in full: data, opts, progress, attempts, reason, stack trace, logs, timestamps, state', async () => {
    const [id] = await addJobs(QueueName.ALERTS, [alert(7)], { attempts: 1, priority: 4 });
    const w = rawWorker(QueueName.ALERTS, async (job: Job) => {
      await job.updateProgress(60);
      await job.log('fetching metrics');
      await job.log('comparing with baseline');
      throw new Error('Baseline missing');
    });
    await waitFor(async () => (await svc().getQueueStats(QueueName.ALERTS)).failed === 1);
    await stopWorker(w);

    const j = await query('jobs.get', { queue: 'alerts', id });
    expect(j).toMatchObject({
      id,
      queue: 'alerts',
      name: 'alert-DATA_ANOMALY',
      data: alert(7),
      progress: 60,
      attemptsMade: 1,
      failedReason: 'Baseline missing',
      returnvalue: null,
      state: 'failed',
      logs: ['fetching metrics', 'comparing with baseline'],
      priority: 4,
    });
    expect(j.opts).toMatchObject({ attempts: 1, priority: 4 });
    expect(j.stacktrace).toHaveLength(1);
    expect(j.stacktrace[0]).toContain('Baseline missing');
    expect(j.timestamp).toBeLessThanOrEqual(j.processedOn);
    expect(j.processedOn).toBeLessThanOrEqual(j.finishedOn);
    expect(Math.abs(j.finishedOn - Date.now())).toBeLessThan(10_000);
  });

  it("returns a completed job's return value and a waiting job's state", async () => {
    const [done] = await completeJobs(QueueName.ALERTS, [alert(1)]);
    const c = await query('jobs.get', { queue: 'alerts', id: done });
    expect(c).toMatchObject({ state: 'completed', returnvalue: { ok: done }, failedReason: null, stacktrace: [], logs: [], attemptsMade: 1 });
    const [waiting] = await addJobs(QueueName.ALERTS, [alert(2)], { jobId: 'named-job' });
    expect(waiting).toBe('named-job');
    expect(await query('jobs.get', { queue: 'alerts', id: 'named-job' })).toMatchObject({
      id: 'named-job',
      state: 'waiting',
      processedOn: null,
      finishedOn: null,
      progress: 0,
    });
    const [delayed] = await addJobs(QueueName.ALERTS, [alert(3)], { delay: 60_000 });
    expect(await query('jobs.get', { queue: 'alerts', id: delayed })).toMatchObject({ state: 'delayed', delay: 60_000 });
  });

  it('404 NOT_FOUND (JOB_NOT_FOUND) for an unknown job; 400 for an empty id or unknown queue', async () => {
    const e = await trpcError('query', 'jobs.get', { queue: 'alerts', id: 'no-such-job' });
    expect(e).toMatchObject({ status: 404, code: 'NOT_FOUND', appCode: 'JOB_NOT_FOUND' });
    await expectBadInput('query', 'jobs.get', { queue: 'alerts', id: '' }, 'id');
    await expectBadInput('query', 'jobs.get', { queue: 'nope', id: '1' }, 'queue');
  });
});

describe('tRPC jobs.add', () => {
  it('stores a valid job with its options and returns its view', async () => {
    const v = await mutate('jobs.add', { queue: 'alerts', data: alert(3), opts: { priority: 2, jobId: 'manual-alert-1', attempts: 5 } });
    expect(v).toMatchObject({ id: 'manual-alert-1', queue: 'alerts', name: 'alert-DATA_ANOMALY', data: alert(3), priority: 2 });
    const stored = await bull(QueueName.ALERTS).getJob('manual-alert-1');
    expect(stored?.data).toEqual(alert(3));
    expect(stored?.opts).toMatchObject({ priority: 2, attempts: 5 });
    expect(await stored!.getState()).toBe('prioritized');
    const plain = await mutate('jobs.add', { queue: 'data-sync', data: sync(1) });
    expect(await bull(QueueName.DATA_SYNC).getJob(plain.id)).toBeDefined();
    expect((await svc().getQueueStats(QueueName.DATA_SYNC)).waiting).toBe(1);
  });

  it('400 with fieldErrors naming the bad field of the payload, and nothing is stored', async () => {
    const e = await trpcError('mutation', 'jobs.add', { queue: 'alerts', data: { ...alert(1), severity: 'URGENT' } });
    expect(e).toMatchObject({ status: 400, code: 'BAD_REQUEST', appCode: 'INVALID_JOB_DATA' });
    expect(Object.keys(e.fieldErrors ?? {})).toEqual(['severity']);
    const nested = await trpcError('mutation', 'jobs.add', {
      queue: 'report-generation',
      data: { reportId: 'r', organizationId: 'o', reportType: 'weekly', period: 'p', recipientEmails: ['ok@example.com', 'not-an-email'] },
    });
    expect(nested.status).toBe(400);
    expect(Object.keys(nested.fieldErrors ?? {})).toEqual(['recipientEmails.1']);
    const missing = await trpcError('mutation', 'jobs.add', { queue: 'data-sync', data: { platform: 'shopify' } });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.fieldErrors ?? {})).toEqual(expect.arrayContaining(['integrationId', 'organizationId', 'syncType']));
    const overview = await query<Overview>('queues.overview');
    expect(overview.totals).toEqual(ZERO);
  });

  it('400 naming the option for bad options or an unknown queue', async () => {
    await expectBadInput('mutation', 'jobs.add', { queue: 'alerts', data: alert(1), opts: { priority: -1 } }, 'opts.priority');
    await expectBadInput('mutation', 'jobs.add', { queue: 'alerts', data: alert(1), opts: { jobId: '12345' } }, 'opts.jobId');
    await expectBadInput('mutation', 'jobs.add', { queue: 'alerts', data: alert(1), opts: { jobId: 'a:b' } }, 'opts.jobId');
    await expectBadInput('mutation', 'jobs.add', { queue: 'alerts', data: alert(1), opts: { removeOnComplete: true } }, 'opts');
    await expectBadInput('mutation', 'jobs.add', { queue: 'nope', data: alert(1) }, 'queue');
    expect((await query<Overview>('queues.overview')).totals).toEqual(ZERO);
  });
});

describe('tRPC jobs.retry / remove / promote (bulk, per-id result)', () => {
  it('retry: done for failed jobs, failed with a reason for the rest', async () => {
    const [f1, f2] = await failJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    const [w1] = await addJobs(QueueName.ALERTS, [alert(3)]);
    const r = await mutate('jobs.retry', { queue: 'alerts', ids: [f1, w1, 'missing-job', f2] });
    expect(r.done).toEqual([f1, f2]);
    expect(r.failed.map((f: Json) => f.id)).toEqual([w1, 'missing-job']);
    expect(r.failed[0].error).toMatch(/waiting/);
    expect(r.failed[1].error).toMatch(/not found/);
    expect((await svc().getQueueStats(QueueName.ALERTS)).waiting).toBe(3);
  });

  it('remove: done for existing non-active jobs, failed for missing ones', async () => {
    const [w1, w2] = await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    const [f1] = await failJobs(QueueName.ALERTS, [alert(3)]);
    const r = await mutate('jobs.remove', { queue: 'alerts', ids: [w1, 'missing-job', f1] });
    expect(r).toEqual({ done: [w1, f1], failed: [{ id: 'missing-job', error: expect.stringMatching(/not found/) }] });
    expect(await bull(QueueName.ALERTS).getJob(w1)).toBeUndefined();
    expect(await bull(QueueName.ALERTS).getJob(f1)).toBeUndefined();
    expect(await bull(QueueName.ALERTS).getJob(w2)).toBeDefined();
  });

  it('promote: done for delayed jobs, failed for a waiting one', async () => {
    const [d1, d2] = await addJobs(QueueName.ALERTS, [alert(1), alert(2)], { delay: 3_600_000 });
    const [w1] = await addJobs(QueueName.ALERTS, [alert(3)]);
    const r = await mutate('jobs.promote', { queue: 'alerts', ids: [d1, w1] });
    expect(r.done).toEqual([d1]);
    expect(r.failed).toEqual([{ id: w1, error: expect.stringMatching(/not delayed/) }]);
    expect(await (await bull(QueueName.ALERTS).getJob(d1))!.getState()).toBe('waiting');
    expect(await (await bull(QueueName.ALERTS).getJob(d2))!.getState()).toBe('delayed');
  });

  it('400 for an empty id list, more than 1000 ids or an unknown queue', async () => {
    await expectBadInput('mutation', 'jobs.retry', { queue: 'alerts', ids: [] }, 'ids');
    await expectBadInput('mutation', 'jobs.remove', { queue: 'alerts', ids: Array.from({ length: 1001 }, (_, i) => `j${i}`) }, 'ids');
    await expectBadInput('mutation', 'jobs.promote', { queue: 'alerts', ids: [''] }, 'ids.0');
  });
});

describe('tRPC jobs.search', () => {
  const N = 2000;
  const pad = (i: number) => String(i).padStart(5, '0');

  async function seed() {
    const items = Array.from({ length: N }, (_, i) => ({
      data: alert(i, { metadata: { customer: { ref: `cust-${pad(i)}`, tier: i % 2 ? 'gold' : 'silver' } } }),
    }));
    await svc().addJobs(QueueName.ALERTS, items as never);
    await svc().addJob(QueueName.ALERTS, alert(90_001), { jobId: 'special-job-xyz' });
    await svc().addJob(QueueName.ALERTS, alert(90_002, { alertType: 'UNIQUE_KIND' }));
    expect((await svc().getQueueStats(QueueName.ALERTS)).waiting).toBe(N + 2);
  }

  it('finds one job among ~2000 by a value nested inside its data (case-insensitive)', async () => {
    await seed();
    const r = await query('jobs.search', { queue: 'alerts', text: 'CUST-01234' });
    expect(r.jobs).toHaveLength(1);
    expect(r.jobs[0].data.metadata.customer.ref).toBe('cust-01234');
    expect(r.truncated).toBe(false);
    expect(r.scanned).toBe(N + 2);
    expect(r.maxScan).toBe(5000);
  });

  it('finds by id and by name, and stops at the limit', async () => {
    await seed();
    const byId = await query('jobs.search', { queue: 'alerts', text: 'special-job-xyz' });
    expect(byId.jobs.map((j: Json) => j.id)).toEqual(['special-job-xyz']);
    const byName = await query('jobs.search', { queue: 'alerts', text: 'unique_kind' });
    expect(byName.jobs.map((j: Json) => j.name)).toEqual(['alert-UNIQUE_KIND']);
    const many = await query('jobs.search', { queue: 'alerts', text: 'gold', limit: 10 });
    expect(many.jobs).toHaveLength(10);
    expect(many.jobs.every((j: Json) => j.data.metadata.customer.tier === 'gold')).toBe(true);
  });

  it('respects the state filter for data matches', async () => {
    await seed();
    const [failed] = await failJobs(QueueName.INSIGHTS_GENERATION, [{ organizationId: 'org-needle', period: '7d' }]);
    await addJobs(QueueName.INSIGHTS_GENERATION, [{ organizationId: 'org-needle', period: '30d' }]);
    const onlyFailed = await query('jobs.search', { queue: 'insights-generation', text: 'org-needle', state: 'failed' });
    expect(onlyFailed.jobs.map((j: Json) => j.id)).toEqual([failed]);
    expect(onlyFailed.scanned).toBe(1);
    expect((await query('jobs.search', { queue: 'insights-generation', text: 'org-needle' })).jobs).toHaveLength(2);
    const none = await query('jobs.search', { queue: 'alerts', text: 'cust-01234', state: 'completed' });
    expect(none).toMatchObject({ jobs: [], scanned: 0, truncated: false });
  });

  it('respects the state filter for an exact id match too', async () => {
    await seed();
    // special-job-xyz is waiting: a search among completed jobs must not return it.
    const r = await query('jobs.search', { queue: 'alerts', text: 'special-job-xyz', state: 'completed' });
    expect(r.jobs).toEqual([]);
    const w = await query('jobs.search', { queue: 'alerts', text: 'special-job-xyz', state: 'waiting' });
    expect(w.jobs.map((j: Json) => j.id)).toEqual(['special-job-xyz']);
  });

  it('with maxScan smaller than the queue: truncated, and scanned === maxScan', async () => {
    await seed();
    const r = await query('jobs.search', { queue: 'alerts', text: 'no-such-text', maxScan: 100 });
    expect(r).toMatchObject({ jobs: [], scanned: 100, truncated: true, maxScan: 100 });
    const big = await query('jobs.search', { queue: 'alerts', text: 'no-such-text', maxScan: 1200 });
    expect(big).toMatchObject({ scanned: 1200, truncated: true });
    const w = await query('jobs.search', { queue: 'alerts', text: 'no-such-text', state: 'waiting', maxScan: 100 });
    expect(w).toMatchObject({ scanned: 100, truncated: true });
  });

  it('truncated is true when a single-state scan stops early (delayed, failed, completed)', async () => {
    await addJobs(
      QueueName.DATA_SYNC,
      Array.from({ length: 150 }, (_, i) => sync(i)),
      { delay: 3_600_000 },
    );
    const r = await query('jobs.search', { queue: 'data-sync', text: 'no-such-text', state: 'delayed', maxScan: 100 });
    expect(r.scanned).toBe(100);
    expect(r.truncated).toBe(true); // 50 delayed jobs were never read
  });

  it('truncated is false when everything was read, even when that is exactly maxScan', async () => {
    await addJobs(
      QueueName.DATA_SYNC,
      Array.from({ length: 40 }, (_, i) => sync(i)),
    );
    const more = await query('jobs.search', { queue: 'data-sync', text: 'no-such-text', maxScan: 100 });
    expect(more).toMatchObject({ scanned: 40, truncated: false });
    const exact = await query('jobs.search', { queue: 'data-sync', text: 'no-such-text', maxScan: 40 });
    expect(exact).toMatchObject({ scanned: 40, truncated: false });
  });

  it('400 for empty text, bad limits, bad state or unknown queue', async () => {
    await expectBadInput('query', 'jobs.search', { queue: 'alerts', text: '   ' }, 'text');
    await expectBadInput('query', 'jobs.search', { queue: 'alerts', text: 'x', maxScan: 0 }, 'maxScan');
    await expectBadInput('query', 'jobs.search', { queue: 'alerts', text: 'x', maxScan: 100_001 }, 'maxScan');
    await expectBadInput('query', 'jobs.search', { queue: 'alerts', text: 'x', limit: 201 }, 'limit');
    await expectBadInput('query', 'jobs.search', { queue: 'alerts', text: 'x', state: 'lost' }, 'state');
    await expectBadInput('query', 'jobs.search', { queue: 'nope', text: 'x' }, 'queue');
  });
});
