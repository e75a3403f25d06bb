/**
 * A job's history on real Redis through the real HTTP app: the attempt timeline the workers' onFailed hook
 * records (each failed attempt, then the last one from the job itself), and "Edit data and retry" (schema
 * checked, admin only, linked both ways, the original kept or removed, audited with the changed paths).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertJobData } from '../../shared/jobs.ts';
import type { ProcessorRegistry } from '../../server/jobs/contract.ts';
import { attemptsKey, MAX_ATTEMPTS_KEPT } from '../../server/job-history/attempt-log.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import type { Json } from '../helpers/admin-api.ts';
import { connect } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const alert = (message: string, extra: Partial<AlertJobData> = {}): AlertJobData => ({
  organizationId: 'org-1',
  alertType: 'DATA_ANOMALY',
  severity: 'HIGH',
  message,
  metadata: { source: 'test' },
  ...extra,
});

// The alerts processor: messages with "fail" always fail; "flaky" fails its first two attempts; others succeed.
const processors: ProcessorRegistry = {
  alerts: async (data, ctx) => {
    if (data.message.includes('fail')) throw new Error(`Delivery failed on attempt ${ctx.attempt}`);
    if (data.message.includes('flaky') && ctx.attempt < 3) throw new Error(`Flaky attempt ${ctx.attempt}`);
    return { ok: true };
  },
};

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp({ processors });
});
afterAll(async () => {
  await app?.close();
});

async function call(kind: 'query' | 'mutation', path: string, input: unknown, token = API_TOKEN): Promise<{ status: number; body: Json }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const r =
    kind === 'query'
      ? await fetch(`${app.base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${app.base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  return { status: r.status, body: await r.json() };
}
const jobDetail = async (id: string): Promise<Json> => {
  const r = await call('query', 'jobs.get', { queue: 'alerts', id });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.result.data;
};
const add = async (data: AlertJobData, opts: Record<string, unknown>) => String((await app.runtime.queueService.addJob('alerts', data, opts as never)).id);
const settled = (id: string, state: 'failed' | 'completed') =>
  waitFor(async () => (await jobDetail(id)).state === state, { message: `job ${id} ${state}`, timeoutMs: 15_000 });

describe('job timeline across retries', () => {
  it('lists each failed attempt with start, end and error, then the attempt that completed', async () => {
    const id = await add(alert('flaky sync'), { attempts: 3, backoff: { type: 'fixed', delay: 0 } });
    await settled(id, 'completed');
    const job = await jobDetail(id);
    expect(job.attempts.map((a: Json) => [a.attempt, a.outcome, a.error ?? null])).toEqual([
      [1, 'failed', 'Flaky attempt 1'],
      [2, 'failed', 'Flaky attempt 2'],
      [3, 'completed', null],
    ]);
    for (const a of job.attempts) {
      expect(typeof a.startedAt).toBe('number');
      expect(a.endedAt).toBeGreaterThanOrEqual(a.startedAt);
    }
    // Attempts follow one another.
    expect(job.attempts[1].startedAt).toBeGreaterThanOrEqual(job.attempts[0].startedAt);
    expect(job.attempts[2].startedAt).toBeGreaterThanOrEqual(job.attempts[1].startedAt);
  });

  it('a job that failed for good shows every attempt once, and the list is bounded and expires', async () => {
    const id = await add(alert('always fail'), { attempts: 2, backoff: { type: 'fixed', delay: 0 } });
    await settled(id, 'failed');
    const job = await jobDetail(id);
    expect(job.attempts.map((a: Json) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, 'failed', 'Delivery failed on attempt 1'],
      [2, 'failed', 'Delivery failed on attempt 2'],
    ]);
    const c = connect();
    try {
      const key = attemptsKey(app.prefix, 'alerts', id);
      expect(await c.ttl(key)).toBeGreaterThan(0);
      expect(await c.llen(key)).toBeLessThanOrEqual(MAX_ATTEMPTS_KEPT);
    } finally {
      await c.quit();
    }
  });

  it('a waiting job has no attempts yet', async () => {
    const id = await add(alert('later'), { delay: 600_000 });
    expect((await jobDetail(id)).attempts).toEqual([]);
  });
});

describe('edit data and retry', () => {
  async function failedJob(message = 'please fail'): Promise<string> {
    const id = await add(alert(message), { attempts: 1, priority: 3 });
    await settled(id, 'failed');
    return id;
  }

  it('refuses data that breaks the queue schema, naming the field, and adds nothing', async () => {
    const id = await failedJob();
    const before = (await app.runtime.queueService.getQueueStats('alerts')).waiting;
    const r = await call('mutation', 'jobs.editRetry', { queue: 'alerts', id, data: { ...alert('fixed'), severity: 'BOGUS' } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.data.fieldErrors)).toContain('severity');
    expect((await app.runtime.queueService.getQueueStats('alerts')).waiting).toBe(before);
    expect((await jobDetail(id)).links).toEqual({});
  });

  it('is admin only (server-enforced)', async () => {
    const id = await failedJob();
    const r = await call('mutation', 'jobs.editRetry', { queue: 'alerts', id, data: alert('fixed') }, VIEWER_API_TOKEN);
    expect(r.status).toBe(403);
    expect((await jobDetail(id)).links).toEqual({});
  });

  it('adds a new job with the fixed data and the original options, linked both ways, the original kept; audited with the diff', async () => {
    const id = await failedJob();
    const fixed = { ...alert('all good now'), metadata: { source: 'test', note: 'edited' } };
    const r = await call('mutation', 'jobs.editRetry', { queue: 'alerts', id, data: fixed });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const result = r.body.result.data;
    expect(result).toMatchObject({ originalId: id, removedOriginal: false });
    const newId: string = result.newJobId;
    expect(newId).not.toBe(id);

    await settled(newId, 'completed');
    const created = await jobDetail(newId);
    expect(created.data).toEqual(fixed);
    expect(created.name).toBe('alert-DATA_ANOMALY');
    expect(created.opts).toMatchObject({ attempts: 1, priority: 3 });
    expect(created.links).toEqual({ editedFrom: id });
    expect(created.logs.some((l: string) => l.includes(`Edited from #${id}`) && l.includes('message, metadata.note'))).toBe(true);

    const original = await jobDetail(id);
    expect(original.state).toBe('failed');
    expect(original.links).toEqual({ retriedAs: newId });
    expect(original.logs.some((l: string) => l.includes(`retried as #${newId}`))).toBe(true);

    const audit = await call('query', 'audit.list', { page: 1, pageSize: 20 });
    const entry = audit.body.result.data.entries.find((e: Json) => e.action === 'job.editRetry' && e.ok);
    expect(entry).toMatchObject({ queue: 'alerts', jobIds: [id, newId], role: 'admin', via: 'token' });
    expect(entry.detail.changes).toEqual([
      { path: 'message', op: 'changed', from: '"please fail"', to: '"all good now"' },
      { path: 'metadata.note', op: 'added', to: '"edited"' },
    ]);
  });

  it('removes the original when asked; a job that is not failed is refused', async () => {
    const id = await failedJob();
    const r = await call('mutation', 'jobs.editRetry', { queue: 'alerts', id, data: alert('fixed again'), removeOriginal: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.result.data.removedOriginal).toBe(true);
    expect(await app.runtime.queueService.getJob('alerts', id)).toBeUndefined();
    const newId = r.body.result.data.newJobId;
    expect((await jobDetail(newId)).links).toEqual({ editedFrom: id });

    await settled(newId, 'completed');
    const refused = await call('mutation', 'jobs.editRetry', { queue: 'alerts', id: newId, data: alert('x') });
    expect(refused.status).toBe(409);
    expect(refused.body.error.data.appCode).toBe('INVALID_JOB_STATE');
    const missing = await call('mutation', 'jobs.editRetry', { queue: 'alerts', id: 'no-such-job', data: alert('x') });
    expect(missing.status).toBe(404);
  });
});
