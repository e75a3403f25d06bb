/**
 * The guide's REST endpoints over real HTTP and real Redis: the monitoring summary, a queue's failed
 * jobs, retry, and the queue actions (pause, resume, empty, clean). Every call uses the admin bearer
 * token; authorisation is covered in the api-auth-* tests.
 */
import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { STAT_KEYS, ZERO, alert, sync, setupAdminApi, type Json } from '../helpers/admin-api.ts';

const { svc, bull, failJobs, completeJobs, addJobs, clockPastJobsOf, http } = setupAdminApi();

// ---------------------------------------------------------------------------------------------
// REST (the guide's API Endpoints)
// ---------------------------------------------------------------------------------------------

describe('REST GET /api/jobs/monitoring', () => {
  it('answers {success, data: {queues: six names × six counts, totals}} with the real counts', async () => {
    await addJobs(QueueName.DATA_SYNC, [sync(1), sync(2), sync(3)]);
    await addJobs(QueueName.DATA_SYNC, [sync(4)], { delay: 60_000 });
    await failJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await completeJobs(QueueName.EMAIL_SENDING, [{ to: 'a@example.com', subject: 'Hi', template: 'welcome', data: {} }]);
    await svc().pauseQueue(QueueName.REPORT_GENERATION);
    await addJobs(QueueName.REPORT_GENERATION, [{ reportId: 'r1', organizationId: 'o1', reportType: 'weekly', period: '2025-W10' }]);

    const r = await http('GET', '/api/jobs/monitoring');
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(Object.keys(r.body.data).sort()).toEqual(['queues', 'totals']);
    const { queues, totals } = r.body.data;
    expect(Object.keys(queues).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const name of QUEUE_NAMES) expect(Object.keys(queues[name]).sort(), name).toEqual([...STAT_KEYS].sort());
    expect(queues['data-sync']).toEqual({ ...ZERO, waiting: 3, delayed: 1 });
    expect(queues.alerts).toEqual({ ...ZERO, failed: 2 });
    expect(queues['email-sending']).toEqual({ ...ZERO, completed: 1 });
    expect(queues['report-generation']).toEqual({ ...ZERO, paused: 1 });
    expect(queues['webhook-processing']).toEqual(ZERO);
    expect(queues['insights-generation']).toEqual(ZERO);
    expect(totals).toEqual({ waiting: 3, active: 0, completed: 1, failed: 2, delayed: 1, paused: 1 });
  });
});

describe('REST GET /api/jobs/:queue', () => {
  it("answers {queueName, stats, failedJobs} with each failed job's id, data, reason and attempts, newest first", async () => {
    const ids = await failJobs(QueueName.DATA_SYNC, [sync(1), sync(2)], 'Connection timeout');
    await addJobs(QueueName.DATA_SYNC, [sync(3)]);
    const r = await http('GET', '/api/jobs/data-sync');
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    const { queueName, stats, failedJobs } = r.body.data;
    expect(queueName).toBe('data-sync');
    expect(stats).toEqual({ ...ZERO, waiting: 1, failed: 2 });
    expect(failedJobs.map((j: Json) => j.id)).toEqual([...ids].reverse());
    for (const j of failedJobs) {
      expect(j).toMatchObject({ failedReason: 'Connection timeout', attemptsMade: 1, queue: 'data-sync', name: 'sync-shopify-incremental' });
      expect(j.data).toEqual(sync(ids.indexOf(j.id) + 1));
      expect(typeof j.timestamp).toBe('number');
      expect(typeof j.finishedOn).toBe('number');
    }
  });

  it('pages failed jobs with start/end (end inclusive)', async () => {
    const ids = await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3), alert(4)]);
    const r = await http('GET', '/api/jobs/alerts?start=1&end=2');
    expect(r.body.data.failedJobs.map((j: Json) => j.id)).toEqual([ids[2], ids[1]]);
  });

  it('404 UNKNOWN_QUEUE for a queue that does not exist', async () => {
    const r = await http('GET', '/api/jobs/not-a-queue');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ success: false, error: { code: 'UNKNOWN_QUEUE' } });
  });
});

describe('REST POST /api/jobs/monitoring/retry', () => {
  it('retries one failed job by id', async () => {
    const [a, b] = await failJobs(QueueName.DATA_SYNC, [sync(1), sync(2)]);
    const r = await http('POST', '/api/jobs/monitoring/retry', { queueName: 'data-sync', jobId: a });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, data: { queueName: 'data-sync', jobId: a, retried: 1 } });
    expect(await (await bull(QueueName.DATA_SYNC).getJob(a))!.getState()).toBe('waiting');
    expect(await (await bull(QueueName.DATA_SYNC).getJob(b))!.getState()).toBe('failed');
  });

  it('retries every failed job when jobId is omitted', async () => {
    await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    const r = await http('POST', '/api/jobs/monitoring/retry', { queueName: 'alerts' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, data: { queueName: 'alerts', retried: 3 } });
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual({ ...ZERO, waiting: 3 });
  });

  it('retry-all of a queue without failed jobs retries 0', async () => {
    const r = await http('POST', '/api/jobs/monitoring/retry', { queueName: 'alerts' });
    expect(r.status).toBe(200);
    expect(r.body.data.retried).toBe(0);
  });

  it('404 JOB_NOT_FOUND for a missing job, 409 INVALID_JOB_STATE for a job that has not failed', async () => {
    const [waiting] = await addJobs(QueueName.ALERTS, [alert(1)]);
    const missing = await http('POST', '/api/jobs/monitoring/retry', { queueName: 'alerts', jobId: 'no-such-job' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: { code: 'JOB_NOT_FOUND' } });
    const notFailed = await http('POST', '/api/jobs/monitoring/retry', { queueName: 'alerts', jobId: waiting });
    expect(notFailed.status).toBe(409);
    expect(notFailed.body).toMatchObject({ success: false, error: { code: 'INVALID_JOB_STATE' } });
    expect(await (await bull(QueueName.ALERTS).getJob(waiting))!.getState()).toBe('waiting');
  });

  it('404 UNKNOWN_QUEUE for an unknown queue, 400 without a queueName', async () => {
    const unknown = await http('POST', '/api/jobs/monitoring/retry', { queueName: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_QUEUE');
    const missing = await http('POST', '/api/jobs/monitoring/retry', { jobId: '1' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fieldErrors).toHaveProperty('queueName');
  });
});

describe('REST POST /api/jobs/:queue?action=', () => {
  it('pause and resume', async () => {
    const p = await http('POST', '/api/jobs/data-sync?action=pause');
    expect(p.status).toBe(200);
    expect(p.body).toEqual({ success: true, data: { queueName: 'data-sync', action: 'pause', paused: true } });
    expect(await svc().isPaused(QueueName.DATA_SYNC)).toBe(true);
    await addJobs(QueueName.DATA_SYNC, [sync(1)]);
    expect((await http('GET', '/api/jobs/monitoring')).body.data.queues['data-sync']).toMatchObject({ waiting: 0, paused: 1 });

    const r = await http('POST', '/api/jobs/data-sync?action=resume');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ queueName: 'data-sync', action: 'resume', paused: false });
    expect(await svc().isPaused(QueueName.DATA_SYNC)).toBe(false);
    expect((await http('GET', '/api/jobs/monitoring')).body.data.queues['data-sync']).toMatchObject({ waiting: 1, paused: 0 });
    // Only that queue was touched.
    expect(await svc().isPaused(QueueName.ALERTS)).toBe(false);
  });

  it('empty removes waiting, delayed, completed and failed jobs and says how many', async () => {
    await completeJobs(QueueName.ALERTS, [alert(1)]);
    await failJobs(QueueName.ALERTS, [alert(2), alert(3)]);
    await addJobs(QueueName.ALERTS, [alert(4), alert(5)]);
    await addJobs(QueueName.ALERTS, [alert(6)], { delay: 60_000 });
    await addJobs(QueueName.DATA_SYNC, [sync(1)]);
    await clockPastJobsOf(QueueName.ALERTS);
    const r = await http('POST', '/api/jobs/alerts?action=empty');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ queueName: 'alerts', action: 'empty', removed: 6 });
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual(ZERO);
    expect((await svc().getQueueStats(QueueName.DATA_SYNC)).waiting).toBe(1);
  });

  it('clean defaults to completed jobs older than 24 h: fresh ones stay', async () => {
    await completeJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    const r = await http('POST', '/api/jobs/alerts?action=clean');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ queueName: 'alerts', action: 'clean', state: 'completed', graceMs: 24 * 3600 * 1000, removed: 0 });
    expect((await svc().getQueueStats(QueueName.ALERTS)).completed).toBe(2);
  });

  it('clean takes grace and state from the query string', async () => {
    await completeJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await failJobs(QueueName.ALERTS, [alert(3)]);
    await clockPastJobsOf(QueueName.ALERTS);
    const r = await http('POST', '/api/jobs/alerts?action=clean&grace=0');
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ state: 'completed', graceMs: 0, removed: 2 });
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual({ ...ZERO, failed: 1 });
    const f = await http('POST', '/api/jobs/alerts?action=clean&grace=0&state=failed');
    expect(f.body.data).toMatchObject({ state: 'failed', removed: 1 });
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual(ZERO);
  });

  it('clean takes grace and state from the JSON body', async () => {
    await failJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await completeJobs(QueueName.ALERTS, [alert(3)]);
    await clockPastJobsOf(QueueName.ALERTS);
    const keep = await http('POST', '/api/jobs/alerts?action=clean', { state: 'failed', grace: 3_600_000 });
    expect(keep.body.data).toMatchObject({ state: 'failed', graceMs: 3_600_000, removed: 0 });
    const r = await http('POST', '/api/jobs/alerts?action=clean', { state: 'failed', grace: 0 });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ state: 'failed', graceMs: 0, removed: 2 });
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual({ ...ZERO, completed: 1 });
  });

  it('400 for a bad clean state or grace, and nothing is removed', async () => {
    await completeJobs(QueueName.ALERTS, [alert(1)]);
    const badState = await http('POST', '/api/jobs/alerts?action=clean&state=everything&grace=0');
    expect(badState.status).toBe(400);
    expect(badState.body.error.fieldErrors).toHaveProperty('state');
    const badGrace = await http('POST', '/api/jobs/alerts?action=clean&grace=soon');
    expect(badGrace.status).toBe(400);
    expect(badGrace.body.error.fieldErrors).toHaveProperty('graceMs');
    const negative = await http('POST', '/api/jobs/alerts?action=clean&grace=-5');
    expect(negative.status).toBe(400);
    expect((await svc().getQueueStats(QueueName.ALERTS)).completed).toBe(1);
  });

  it('400 BAD_ACTION for an unknown or missing action, 404 UNKNOWN_QUEUE for an unknown queue', async () => {
    const bad = await http('POST', '/api/jobs/alerts?action=obliterate');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: { code: 'BAD_ACTION' } });
    const missing = await http('POST', '/api/jobs/alerts');
    expect(missing.status).toBe(400);
    const unknown = await http('POST', '/api/jobs/nope?action=pause');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, error: { code: 'UNKNOWN_QUEUE' } });
  });
});
