/**
 * Error groups end to end on a real Redis: the recorder's bounded keys; two real worker processes
 * (tests/fixtures/failing-worker-entry.ts, startRuntime's own onFailed wiring) failing jobs of two causes at once;
 * the groups read back over tRPC and REST, "N of M still failed" after retries, and REST's errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureGroupDetail, FailureGroupRow, FailureGroupSummary } from '../../shared/failures.ts';
import { FailureReader } from '../../server/failures/failure-reader.ts';
import { FailureRecorder } from '../../server/failures/failure-recorder.ts';
import { TOUCHED_CAP, failureKeys } from '../../server/failures/failure-keys.ts';
import type { Redis } from '../../server/redis.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = path.join(ROOT, 'tests/fixtures/failing-worker-entry.ts');

describe('the recorder', () => {
  let c: Redis;
  const prefix = testPrefix('fail');
  beforeAll(() => {
    c = connect();
  });
  afterAll(async () => {
    await removeKeys(c, prefix);
    await c.quit();
  });

  it('records one failure into every bounded key of its group, with TTLs', async () => {
    const rec = new FailureRecorder({ connection: c, prefix });
    const now = Date.UTC(2026, 0, 10, 12, 30);
    const err = new Error('Token expired for organization "org_1"');
    const fp = await rec.record('data-sync', { id: '7', data: { organizationId: 'org_1', platform: 'shopify' } }, err, now);
    const k = failureKeys(`${prefix}:failures`);
    expect(await c.hgetall(k.group(fp))).toMatchObject({
      queue: 'data-sync',
      name: 'Error',
      message: 'Token expired for organization <str>',
      sample: 'Token expired for organization "org_1"',
      firstSeen: String(now),
      lastSeen: String(now),
      total: '1',
    });
    expect(await c.zrevrange(k.jobs(fp), 0, -1)).toEqual(['7']);
    expect(await c.zscore(k.index('data-sync'), fp)).toBe(String(now));
    expect(await c.hget(k.hours(fp), String(Math.floor(now / 3_600_000)))).toBe('1');
    expect(await c.zrevrange(k.platforms(fp), 0, -1)).toEqual(['shopify']);
    for (const key of [k.group(fp), k.jobs(fp), k.hours(fp), k.minutes(fp), k.orgs(fp), k.index('data-sync')]) expect(await c.ttl(key)).toBeGreaterThan(0);
  });

  it('keeps only the most recent organizations', async () => {
    const rec = new FailureRecorder({ connection: c, prefix });
    let fp = '';
    for (let i = 0; i < TOUCHED_CAP + 5; i++)
      fp = await rec.record('alerts', { id: `j${i}`, data: { organizationId: `org_${i}` } }, new Error('boom'), 1_000 + i);
    const orgs = await c.zrevrange(failureKeys(`${prefix}:failures`).orgs(fp), 0, -1);
    expect(orgs).toHaveLength(TOUCHED_CAP);
    expect(orgs[0]).toBe(`org_${TOUCHED_CAP + 4}`);
  });

  it('the listener records final failures only and never throws', async () => {
    const listen = new FailureRecorder({ connection: c, prefix: `${prefix}-l` }).listener();
    listen('email-sending', { id: '1' }, new Error('retry me'), false);
    listen('email-sending', { id: '2' }, new Error('gave up'), true);
    const reader = new FailureReader({ connection: c, prefix: `${prefix}-l` });
    const groups = await waitFor(async () => {
      const g = await reader.groups({ range: '24h' });
      return g.length > 0 ? g : undefined;
    });
    expect(groups.map((g) => [g.message, g.count])).toEqual([['gave up', 1]]);
    await removeKeys(c, `${prefix}-l`);
  });
});

/** One spawned worker process; resolves `ready` when it logs that its workers run. */
function spawnWorker(prefix: string, name: string) {
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'test',
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: prefix,
      WORKER_NAME: name,
      WORKER_STATS_INTERVAL_MS: '0',
      RUN_SCHEDULER: 'false',
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(os.tmpdir(), `bj-failures-${name}`),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    exited,
    output: () => out.slice(-3000),
    ready: () => waitFor(() => out.includes('Queue Worker is now running') || child.exitCode !== null, { timeoutMs: 30_000 }),
  };
}

describe('error groups across two worker processes', () => {
  let app: ApiApp;
  let c: Redis;
  let workers: ReturnType<typeof spawnWorker>[] = [];
  const A = 60;
  const B = 40;

  const get = async (pathAndQuery: string, token = API_TOKEN) => {
    const res = await fetch(`${app.base}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: await res.json() };
  };
  const trpc = async <T>(proc: string, input: unknown): Promise<T> => {
    const { status, body } = await get(`/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`);
    if (status !== 200) throw new Error(`${proc}: ${status} ${JSON.stringify(body)}`);
    return body.result.data as T;
  };

  beforeAll(async () => {
    app = await startApiApp();
    c = connect();
    workers = [spawnWorker(app.prefix, 'fail-a'), spawnWorker(app.prefix, 'fail-b')];
    await Promise.all(workers.map((w) => w.ready()));
    for (const w of workers) expect(w.child.exitCode, w.output()).toBeNull();
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await c?.quit();
    await app?.close();
  }, 60_000);

  it('groups 100 failures of two causes, counted once each, with the organizations they touch', async () => {
    const alert = (i: number, message: string) => ({
      data: { organizationId: `org_${i % 3}`, alertType: 'SYNC', severity: 'HIGH' as const, message, metadata: { sleepMs: 15 } },
      opts: { attempts: 1 },
    });
    // Interleaved, so both causes fail in both processes at once.
    const items = Array.from({ length: A + B }, (_, i) =>
      i % 5 < 3 ? alert(i, `Token expired for organization org_${i % 3} (request ${1000 + i})`) : alert(i, `Quota exceeded: ${500 + i} calls in ${i + 1} s`),
    );
    await app.runtime.queueService.addJobs('alerts', items);

    const groups = await waitFor(
      async () => {
        const g = await trpc<FailureGroupSummary[]>('failures.groups', { range: '24h' });
        return g.reduce((n, x) => n + x.count, 0) === A + B ? g : undefined;
      },
      { timeoutMs: 30_000, message: () => workers.map((w) => w.output()).join('\n') },
    );
    const pids = new Set(await c.lrange(`${app.prefix}:fixture:failpids`, 0, -1));
    expect(pids.size).toBe(2);
    expect(groups).toHaveLength(2);
    const byMessage = Object.fromEntries(groups.map((g) => [g.message, g]));
    const token = byMessage['Token expired for organization <id> (request <n>)'];
    const quota = byMessage['Quota exceeded: <n> calls in <n> s'];
    expect(token).toMatchObject({ queue: 'alerts', errorName: 'Error', count: A, total: A, lastHour: A });
    expect(quota).toMatchObject({ queue: 'alerts', count: B, total: B });
    expect([...token.organizations].sort()).toEqual(['org_0', 'org_1', 'org_2']);
    expect(token.sparkline.at(-1)).toBe(A);
    expect(token.firstSeen).toBeLessThanOrEqual(token.lastSeen);

    // Newest spike first: the bigger last-hour count leads.
    expect(groups[0].fingerprint).toBe(token.fingerprint);

    const detail = await trpc<FailureGroupDetail>('failures.group', { fingerprint: token.fingerprint });
    expect(detail).toMatchObject({ recorded: A, stillFailed: A, page: 1 });
    expect(detail.jobs).toHaveLength(detail.pageSize);
    expect(detail.sampleMessage).toMatch(/^Token expired for organization org_\d \(request \d+\)$/);
    expect(detail.sampleStack).toContain('Error: Token expired');
    expect(detail.jobs[0]).toMatchObject({ name: 'alert-SYNC', attemptsMade: 1 });
    expect(detail.jobs[0].failedReason).toMatch(/^Token expired/);

    // Retried jobs leave the "still failed" count; the group's history keeps them.
    for (const j of detail.jobs.slice(0, 5)) await app.runtime.queueService.retryFailedJob('alerts', j.id);
    const after = await waitFor(async () => {
      const d = await trpc<FailureGroupDetail>('failures.group', { fingerprint: token.fingerprint });
      // The retried jobs fail again (same cause): wait until they have, so the counts are settled.
      return d.recorded === A && d.total === A + 5 ? d : undefined;
    });
    expect(after.stillFailed).toBe(A);
    expect(after.count).toBe(A + 5);

    // Page 3 of 25 holds the last 10 still-failed jobs.
    const page3 = await trpc<FailureGroupDetail>('failures.group', { fingerprint: token.fingerprint, page: 3 });
    expect(page3.jobs).toHaveLength(A - 50);

    // The bulk engine's source for "retry all in group": still-failed ids by position, fewer than asked at the end.
    const reader = new FailureReader({ connection: c, prefix: app.prefix });
    const firstIds = await reader.groupJobIds('alerts', token.fingerprint, 0, 25);
    expect(firstIds).toEqual(after.jobs.map((j) => j.id));
    expect(await reader.groupJobIds('alerts', token.fingerprint, 50, 25)).toEqual(page3.jobs.map((j) => j.id));
    const all = await reader.groupJobIds('alerts', token.fingerprint, 0, 1000);
    expect(new Set(all).size).toBe(A);
    const failedIds = new Set(
      await app.runtime.queueService
        .queue('alerts')
        .getFailed(0, -1)
        .then((js) => js.map((j) => String(j.id))),
    );
    expect(all.every((id) => failedIds.has(id))).toBe(true);

    // REST: biggest count first, the normalised message, the row's fields only.
    const rest = await get('/api/failures?range=24h');
    expect(rest.status).toBe(200);
    expect(rest.body.success).toBe(true);
    const rows = rest.body.data as FailureGroupRow[];
    expect(rows.map((r) => [r.message, r.count])).toEqual([
      ['Token expired for organization <id> (request <n>)', A + 5],
      ['Quota exceeded: <n> calls in <n> s', B],
    ]);
    expect(Object.keys(rows[0]).sort()).toEqual(['count', 'fingerprint', 'firstSeen', 'lastSeen', 'message', 'queue']);
    expect((await get('/api/failures?queue=alerts')).body.data).toHaveLength(2);
    expect((await get('/api/failures?queue=email-sending&range=7d')).body).toEqual({ success: true, data: [] });
  }, 60_000);

  it('REST: viewers may read; unknown queue 404, bad range 400, no credential 401', async () => {
    expect((await get('/api/failures', VIEWER_API_TOKEN)).status).toBe(200);
    const unknown = await get('/api/failures?queue=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_QUEUE');
    const bad = await get('/api/failures?range=2h');
    expect(bad.status).toBe(400);
    expect(bad.body.success).toBe(false);
    expect((await get('/api/failures', '')).status).toBe(401);
  });

  it('tRPC: an unknown fingerprint is NOT_FOUND', async () => {
    const { status } = await get(`/trpc/failures.group?input=${encodeURIComponent(JSON.stringify({ fingerprint: '0123456789abcdef' }))}`);
    expect(status).toBe(404);
  });
});
