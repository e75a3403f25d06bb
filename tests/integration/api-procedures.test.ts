/**
 * The monitoring API's behaviour over real HTTP and real Redis: the guide's REST endpoints, every
 * tRPC procedure with good and bad inputs, throughput and depth metrics, and the live SSE overview.
 * Authorisation is covered in api-auth.test.ts; here every call uses the admin bearer token.
 */
import { Worker, type Job, type Processor } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertJobData, DataSyncJobData } from '../../shared/jobs.ts';
import { QUEUE_NAMES, QueueName, type Overview, type QueueStats } from '../../shared/queues.ts';
import type { Redis } from '../../server/redis.ts';
import { API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { connect, waitFor } from '../helpers/redis.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const AUTH = { authorization: `Bearer ${API_TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STAT_KEYS = ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused'];
const ZERO: QueueStats = { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 };

const alert = (n: number, extra: Partial<AlertJobData> = {}): AlertJobData => ({
  organizationId: `org-${n}`,
  alertType: 'DATA_ANOMALY',
  severity: 'HIGH',
  message: `Revenue dropped ${n}%`,
  metadata: { n },
  ...extra,
});
const sync = (n: number): DataSyncJobData => ({ integrationId: `int-${n}`, organizationId: `org-${n}`, platform: 'shopify', syncType: 'incremental' });

// ---------------------------------------------------------------------------------------------
// App, raw workers, HTTP helpers
// ---------------------------------------------------------------------------------------------

let app: ApiApp;
let workerConn: Redis;
const workers: Worker[] = [];

beforeAll(async () => {
  app = await startApiApp();
  workerConn = connect();
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(true)));
  await workerConn?.quit();
  await app?.close();
});

beforeEach(async () => {
  // Every test starts from six empty, running queues without schedules.
  for (const name of QUEUE_NAMES) {
    const q = app.runtime.queueService.queue(name);
    await q.obliterate({ force: true });
    await q.resume();
  }
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(true)));
});

const svc = () => app.runtime.queueService;
const bull = (name: QueueName) => svc().queue(name);

/** A raw BullMQ worker on the app's prefix. */
function rawWorker(queue: QueueName, processor: Processor, concurrency = 1): Worker {
  const w = new Worker(queue, processor, { connection: workerConn, prefix: app.prefix, concurrency });
  workers.push(w);
  return w;
}

async function stopWorker(w: Worker) {
  workers.splice(workers.indexOf(w), 1);
  await w.close();
}

/** Adds jobs (attempts: 1) and runs them through a worker that throws `reason`; returns their ids, oldest first. */
async function failJobs<Q extends QueueName>(queue: Q, datas: unknown[], reason = 'Connection timeout'): Promise<string[]> {
  const before = (await svc().getQueueStats(queue)).failed;
  const ids: string[] = [];
  for (const d of datas) ids.push(String((await svc().addJob(queue, d as never, { attempts: 1 })).id));
  const w = rawWorker(queue, async () => {
    await sleep(2);
    throw new Error(reason);
  });
  await waitFor(async () => (await svc().getQueueStats(queue)).failed === before + datas.length);
  await stopWorker(w);
  return ids;
}

/** Adds jobs and runs them to completion (returnvalue `{ok: <id>}`); returns their ids, oldest first. */
async function completeJobs<Q extends QueueName>(queue: Q, datas: unknown[]): Promise<string[]> {
  const before = (await svc().getQueueStats(queue)).completed;
  const ids: string[] = [];
  for (const d of datas) ids.push(String((await svc().addJob(queue, d as never)).id));
  const w = rawWorker(queue, async (job: Job) => {
    await sleep(2);
    return { ok: job.id };
  });
  await waitFor(async () => (await svc().getQueueStats(queue)).completed === before + datas.length);
  await stopWorker(w);
  return ids;
}

async function addJobs<Q extends QueueName>(queue: Q, datas: unknown[], opts?: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  for (const d of datas) ids.push(String((await svc().addJob(queue, d as never, opts as never)).id));
  return ids;
}

interface Res {
  status: number;
  body: Json;
}

async function http(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<Res> {
  const r = await fetch(app.base + path, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, body: json };
}

const trpcGet = (path: string, input?: unknown) =>
  http('GET', `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`);
const trpcPost = (path: string, input?: unknown) => http('POST', `/trpc/${path}`, input ?? {});

async function query<T = Json>(path: string, input?: unknown): Promise<T> {
  const r = await trpcGet(path, input);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body.result.data as T;
}

async function mutate<T = Json>(path: string, input?: unknown): Promise<T> {
  const r = await trpcPost(path, input);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body.result.data as T;
}

interface TrpcErr {
  status: number;
  code: string;
  appCode?: string;
  fieldErrors?: Record<string, string[]>;
  message: string;
}

async function trpcError(kind: 'query' | 'mutation', path: string, input: unknown): Promise<TrpcErr> {
  const r = kind === 'query' ? await trpcGet(path, input) : await trpcPost(path, input);
  expect(r.body?.error, `${path} should fail: ${JSON.stringify(r.body)}`).toBeDefined();
  const e = r.body.error;
  return { status: r.status, code: e.data?.code, appCode: e.data?.appCode, fieldErrors: e.data?.fieldErrors, message: e.message };
}

async function expectBadInput(kind: 'query' | 'mutation', path: string, input: unknown, field: string) {
  const e = await trpcError(kind, path, input);
  expect(e.status, `${path} ${JSON.stringify(input)}`).toBe(400);
  expect(e.code).toBe('BAD_REQUEST');
  expect(Object.keys(e.fieldErrors ?? {}), `${path} fieldErrors for ${JSON.stringify(input)}`).toContain(field);
  expect(e.message).toContain(field);
}

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
  it('answers {queueName, stats, failedJobs} with each failed job\'s id, data, reason and attempts, newest first', async () => {
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
    await sleep(5);
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
    await sleep(10);
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
    await sleep(10);
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

// ---------------------------------------------------------------------------------------------
// tRPC: queues.*
// ---------------------------------------------------------------------------------------------

describe('tRPC queues', () => {
  it('overview: the six queues in order with stats, isPaused flags and totals', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await svc().pauseQueue(QueueName.EMAIL_SENDING);
    const o = await query<Overview>('queues.overview');
    expect(o.queues.map((q) => q.name)).toEqual([...QUEUE_NAMES]);
    expect(o.queues.filter((q) => q.isPaused).map((q) => q.name)).toEqual(['email-sending']);
    expect(o.queues.find((q) => q.name === 'alerts')!.stats).toEqual({ ...ZERO, waiting: 2 });
    expect(o.totals).toEqual({ ...ZERO, waiting: 2 });
    expect(Math.abs(o.at - Date.now())).toBeLessThan(5000);
  });

  it('get: one queue\'s stats and paused flag', async () => {
    await addJobs(QueueName.DATA_SYNC, [sync(1)], { delay: 60_000 });
    expect(await query('queues.get', { queue: 'data-sync' })).toEqual({ name: 'data-sync', stats: { ...ZERO, delayed: 1 }, isPaused: false });
  });

  it('pause / resume change the flag and where waiting jobs are counted', async () => {
    await addJobs(QueueName.ALERTS, [alert(1)]);
    expect(await mutate('queues.pause', { queue: 'alerts' })).toEqual({ paused: true });
    expect(await query('queues.get', { queue: 'alerts' })).toMatchObject({ isPaused: true, stats: { waiting: 0, paused: 1 } });
    expect(await mutate('queues.resume', { queue: 'alerts' })).toEqual({ paused: false });
    expect(await query('queues.get', { queue: 'alerts' })).toMatchObject({ isPaused: false, stats: { waiting: 1, paused: 0 } });
  });

  it('empty removes every non-active job', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await addJobs(QueueName.ALERTS, [alert(3)], { delay: 60_000 });
    await sleep(5);
    expect(await mutate('queues.empty', { queue: 'alerts' })).toEqual({ removed: 3 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual(ZERO);
  });

  it('empty on a paused queue removes its paused jobs too, and the queue stays paused', async () => {
    await svc().pauseQueue(QueueName.ALERTS);
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await addJobs(QueueName.ALERTS, [alert(3)], { delay: 60_000 });
    await sleep(5);
    expect(await mutate('queues.empty', { queue: 'alerts' })).toEqual({ removed: 3 });
    expect(await query('queues.get', { queue: 'alerts' })).toEqual({ name: 'alerts', stats: ZERO, isPaused: true });
  });

  it('clean: state and grace; defaults keep fresh completed jobs', async () => {
    await completeJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await sleep(10);
    expect(await mutate('queues.clean', { queue: 'alerts' })).toEqual({ removed: 0 });
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'failed', graceMs: 0 })).toEqual({ removed: 0 });
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'completed', graceMs: 0, limit: 1 })).toEqual({ removed: 1 });
    expect(await mutate('queues.clean', { queue: 'alerts', graceMs: 0 })).toEqual({ removed: 1 });
    await expectBadInput('mutation', 'queues.clean', { queue: 'alerts', state: 'everything' }, 'state');
    await expectBadInput('mutation', 'queues.clean', { queue: 'alerts', graceMs: -1 }, 'graceMs');
  });

  it('clean of "paused" jobs on a running queue removes nothing (its waiting jobs are not paused)', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await sleep(5);
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'paused', graceMs: 0 })).toEqual({ removed: 0 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, waiting: 2 });
    // …and on a paused queue, "paused" is what goes.
    await svc().pauseQueue(QueueName.ALERTS);
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'paused', graceMs: 0 })).toEqual({ removed: 2 });
  });

  it('clean of "waiting" jobs on a paused queue removes nothing (they are counted as paused)', async () => {
    await svc().pauseQueue(QueueName.ALERTS);
    await addJobs(QueueName.ALERTS, [alert(1)]);
    await sleep(5);
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'waiting', graceMs: 0 })).toEqual({ removed: 0 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, paused: 1 });
  });

  it('retryAll moves every failed job back to waiting', async () => {
    await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    expect(await mutate('queues.retryAll', { queue: 'alerts' })).toEqual({ retried: 3 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, waiting: 3 });
  });

  it('promoteAll moves every delayed job to waiting', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)], { delay: 3_600_000 });
    expect(await mutate('queues.promoteAll', { queue: 'alerts' })).toEqual({ promoted: 2 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, waiting: 2 });
  });
});

// ---------------------------------------------------------------------------------------------
// tRPC: jobs.*
// ---------------------------------------------------------------------------------------------

describe('tRPC jobs.list', () => {
  const list = (input: Record<string, unknown>) => query('jobs.list', input);

  it('waiting: newest first, wait list and prioritized jobs paged as one, total and pages', async () => {
    const ids = await addJobs(QueueName.ALERTS, [1, 2, 3, 4].map((n) => alert(n)));
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

  it('returns a completed job\'s return value and a waiting job\'s state', async () => {
    const [done] = await completeJobs(QueueName.ALERTS, [alert(1)]);
    const c = await query('jobs.get', { queue: 'alerts', id: done });
    expect(c).toMatchObject({ state: 'completed', returnvalue: { ok: done }, failedReason: null, stacktrace: [], logs: [], attemptsMade: 1 });
    const [waiting] = await addJobs(QueueName.ALERTS, [alert(2)], { jobId: 'named-job' });
    expect(waiting).toBe('named-job');
    expect(await query('jobs.get', { queue: 'alerts', id: 'named-job' })).toMatchObject({ id: 'named-job', state: 'waiting', processedOn: null, finishedOn: null, progress: 0 });
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
    const items = Array.from({ length: N }, (_, i) => ({ data: alert(i, { metadata: { customer: { ref: `cust-${pad(i)}`, tier: i % 2 ? 'gold' : 'silver' } } }) }));
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
    await addJobs(QueueName.DATA_SYNC, Array.from({ length: 150 }, (_, i) => sync(i)), { delay: 3_600_000 });
    const r = await query('jobs.search', { queue: 'data-sync', text: 'no-such-text', state: 'delayed', maxScan: 100 });
    expect(r.scanned).toBe(100);
    expect(r.truncated).toBe(true); // 50 delayed jobs were never read
  });

  it('truncated is false when everything was read, even when that is exactly maxScan', async () => {
    await addJobs(QueueName.DATA_SYNC, Array.from({ length: 40 }, (_, i) => sync(i)));
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
    await waitFor(async () => (await svc().getQueueStats(QueueName.ALERTS)).completed >= 1, 10_000);
    await stopWorker(w);
    const [s] = await query('schedules.list', { queue: 'alerts' });
    expect(s.iterationCount).toBeGreaterThanOrEqual(2);
    expect(s.last).not.toBeNull();
    expect(s.last).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - s.last).toBeLessThan(5000);
    expect(s.last % 1000).toBe(0);
  });

  it('400 INVALID_CRON for a bad cron expression or time zone, and nothing is saved', async () => {
    for (const [cron, tz] of [['every hour', undefined], ['99 * * * *', undefined], ['* * * * * * *', undefined], ['0 9 * * *', 'Mars/Olympus_Mons']] as const) {
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
// Unknown queues everywhere
// ---------------------------------------------------------------------------------------------

describe('an unknown queue name in any tRPC input', () => {
  const cases: Array<['query' | 'mutation', string, Record<string, unknown>]> = [
    ['query', 'queues.get', {}],
    ['query', 'jobs.list', { state: 'waiting' }],
    ['query', 'jobs.get', { id: 'x' }],
    ['query', 'jobs.search', { text: 'x' }],
    ['query', 'metrics.throughput', { range: '1h' }],
    ['query', 'metrics.depth', { range: '1h' }],
    ['query', 'schedules.list', {}],
    ['mutation', 'queues.pause', {}],
    ['mutation', 'queues.resume', {}],
    ['mutation', 'queues.empty', {}],
    ['mutation', 'queues.clean', {}],
    ['mutation', 'queues.retryAll', {}],
    ['mutation', 'queues.promoteAll', {}],
    ['mutation', 'jobs.add', { data: alert(1) }],
    ['mutation', 'jobs.retry', { ids: ['x'] }],
    ['mutation', 'jobs.remove', { ids: ['x'] }],
    ['mutation', 'jobs.promote', { ids: ['x'] }],
    ['mutation', 'schedules.upsert', { name: 'n', cron: '0 * * * *', data: alert(1) }],
    ['mutation', 'schedules.remove', { name: 'n' }],
    ['mutation', 'schedules.runNow', { name: 'n' }],
  ];

  it.each(cases)('%s %s → 400 BAD_REQUEST naming "queue"', async (kind, path, rest) => {
    for (const queue of ['nope', 'Alerts', '__proto__', 'data-sync ']) await expectBadInput(kind, path, { ...rest, queue }, 'queue');
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
    await waitFor(async () => {
      const s = await qs.getQueueStats(QueueName.ALERTS);
      return s.completed === COMPLETED && s.failed === FAILED;
    }, 20_000);
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
    expect(await app.services.depth.sample(now)).toBeGreaterThanOrEqual(1);
    expect(await app.services.depth.sample(now)).toBe(0); // the slot is taken
    await app.services.depth.sample(now + 10_000);
    await addJobs(QueueName.ALERTS, [alert(4)]);
    await app.services.depth.sample(now + 20_000);

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

// ---------------------------------------------------------------------------------------------
// Live overview over SSE
// ---------------------------------------------------------------------------------------------

interface SseClient {
  status: Promise<number>;
  overviews: Overview[];
  events: Array<{ event?: string; data: string }>;
  close(): void;
  closed: Promise<void>;
}

/** Reads tRPC's SSE stream with fetch: `data:` lines of unnamed events are the yielded values. */
function subscribeLive(): SseClient {
  const ac = new AbortController();
  const overviews: Overview[] = [];
  const events: Array<{ event?: string; data: string }> = [];
  let resolveStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const closed = (async () => {
    try {
      const res = await fetch(`${app.base}/trpc/queues.live`, { headers: { ...AUTH, accept: 'text/event-stream' }, signal: ac.signal });
      resolveStatus(res.status);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (!data.length) continue;
          events.push({ event, data: data.join('\n') });
          if (!event) overviews.push(JSON.parse(data.join('\n')) as Overview);
        }
      }
    } catch {
      // aborted
    } finally {
      resolveStatus(0);
    }
  })();
  return { status, overviews, events, close: () => ac.abort(), closed };
}

describe('tRPC queues.live (SSE)', () => {
  it('delivers the overview at once, shares one poll between subscribers, follows changes, and stops when all leave', async () => {
    const hub = app.services.statsHub;
    expect(hub.running).toBe(false);
    expect(hub.subscriberCount).toBe(0);

    const a = subscribeLive();
    const t0 = Date.now();
    expect(await a.status).toBe(200);
    await waitFor(() => a.overviews.length > 0, 3000);
    expect(Date.now() - t0).toBeLessThan(3000);
    const first = a.overviews[0];
    expect(first.queues.map((q) => q.name)).toEqual([...QUEUE_NAMES]);
    expect(first.totals).toEqual(ZERO);
    expect(hub.subscriberCount).toBe(1);
    expect(hub.running).toBe(true);

    const b = subscribeLive();
    expect(await b.status).toBe(200);
    await waitFor(() => b.overviews.length > 0, 3000);
    expect(hub.subscriberCount).toBe(2);

    // Over ~4.5 s at 1.5 s per poll: about 3 polls for both together (two pollers would make ~6).
    const polls0 = hub.polls;
    const aSeen0 = a.overviews.length;
    await sleep(4500);
    const polls = hub.polls - polls0;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(4);
    expect(a.overviews.length - aSeen0).toBeGreaterThanOrEqual(2);

    // Counts follow the queues.
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    const alertsWaiting = (o: Overview) => o.queues.find((q) => q.name === 'alerts')!.stats.waiting;
    await waitFor(() => a.overviews.some((o) => alertsWaiting(o) === 2) && b.overviews.some((o) => alertsWaiting(o) === 2), 4000);
    expect(a.overviews[a.overviews.length - 1].totals.waiting).toBe(2);

    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
    await waitFor(() => hub.subscriberCount === 0 && !hub.running, 4000);
    const after = hub.polls;
    await sleep(2000);
    expect(hub.polls).toBe(after);
  });

  it('one subscriber leaving keeps the poll for the other', async () => {
    const hub = app.services.statsHub;
    const a = subscribeLive();
    const b = subscribeLive();
    await waitFor(() => a.overviews.length > 0 && b.overviews.length > 0, 3000);
    expect(hub.subscriberCount).toBe(2);
    a.close();
    await waitFor(() => hub.subscriberCount === 1, 4000);
    expect(hub.running).toBe(true);
    const n = b.overviews.length;
    await waitFor(() => b.overviews.length > n, 4000);
    b.close();
    await waitFor(() => hub.subscriberCount === 0 && !hub.running, 4000);
  });
});
