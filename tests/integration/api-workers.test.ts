/**
 * GET /api/workers and tRPC workers.list through the real app on real Redis: the app's own worker process
 * (its runtime's heartbeat) and another process's heartbeat, the same list on both, viewers allowed, and
 * 401 without credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_GONE_AFTER_MS, type WorkerInfo } from '../../shared/workers.ts';
import { startHeartbeat, type Heartbeat } from '../../server/workers/heartbeat.ts';
import { VIEWER_API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { bearer, send } from '../helpers/api-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const NAME = 'api-test-worker';
let app: ApiApp;
let other: Heartbeat;

beforeAll(async () => {
  app = await startApiApp({ env: { WORKER_NAME: NAME }, processors: { alerts: async () => ({}) } });
  // A second worker process, as Redis sees it: a heartbeat of its own serving two queues.
  other = startHeartbeat({
    connection: app.runtime.connection,
    prefix: app.prefix,
    name: 'other-host:4242',
    version: '0.0.0-other',
    workers: { concurrencyByQueue: () => ({ 'data-sync': 2, 'email-sending': 5 }), activeByQueue: () => ({ 'data-sync': 1 }) },
  });
  await other.beat();
});

afterAll(async () => {
  await other?.stop();
  await app?.close();
});

const strip = (w: WorkerInfo) => ({ ...w, lastSeen: undefined, lastSeenAgoMs: undefined, rssBytes: undefined });

describe('GET /api/workers', () => {
  it('answers {success, data} with every live worker: this app’s own and the other process', async () => {
    const r = await waitFor(
      async () => {
        const res = await send(app.base, { method: 'GET', path: '/api/workers', headers: bearer(VIEWER_API_TOKEN) });
        return res.body?.data?.length === 2 ? res : undefined;
      },
      { message: 'two workers listed' },
    );
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    const [mine, theirs] = r.body.data as WorkerInfo[];
    expect(mine).toMatchObject({
      name: NAME,
      pid: process.pid,
      status: 'live',
      queues: [{ queue: 'alerts', concurrency: 5, active: 0 }],
    });
    expect(mine.lastSeenAgoMs).toBeGreaterThanOrEqual(0);
    expect(mine.lastSeenAgoMs).toBeLessThan(WORKER_GONE_AFTER_MS);
    expect(theirs).toMatchObject({
      name: 'other-host:4242',
      version: '0.0.0-other',
      status: 'live',
      queues: [
        { queue: 'data-sync', concurrency: 2, active: 1 },
        { queue: 'email-sending', concurrency: 5, active: 0 },
      ],
    });
  });

  it('401 without credentials, in the REST envelope', async () => {
    const r = await send(app.base, { method: 'GET', path: '/api/workers' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('is readable with a viewer session cookie', async () => {
    const cookie = await login(app.base, 'viewer', VIEWER_PASSWORD);
    const r = await send(app.base, { method: 'GET', path: '/api/workers', headers: { cookie } });
    expect(r.status).toBe(200);
    expect((r.body.data as WorkerInfo[]).map((w) => w.name)).toEqual([NAME, 'other-host:4242']);
  });
});

describe('tRPC workers.list', () => {
  it('returns the same list as REST', async () => {
    const [rest, trpc] = await Promise.all([
      send(app.base, { method: 'GET', path: '/api/workers', headers: bearer(VIEWER_API_TOKEN) }),
      send(app.base, { method: 'GET', path: '/trpc/workers.list', headers: bearer(VIEWER_API_TOKEN) }),
    ]);
    expect(trpc.status).toBe(200);
    expect((trpc.body.result.data as WorkerInfo[]).map(strip)).toEqual((rest.body.data as WorkerInfo[]).map(strip));
  });

  it('401 without credentials', async () => {
    const r = await send(app.base, { method: 'GET', path: '/trpc/workers.list' });
    expect(r.status).toBe(401);
    expect(r.body.error.data.code).toBe('UNAUTHORIZED');
  });
});
