/**
 * A Redis outage as the console and the log see it: a composed `npm start` (HTTP, the console's files and workers
 * on all six queues) on a private redis-server that is stopped, or frozen (SIGSTOP: connections stay open, nothing
 * answers), and then comes back.
 * - Every call the console makes when it starts or reloads answers within 2 s: the page and its assets (no Redis
 *   needed, even with a session cookie), /healthz, /api/auth/me, the first page's tRPC batch and its live stream.
 * - The log says "Redis unavailable" once when it goes and "Redis connection restored" once when it returns, per
 *   process: not a "Worker error" line per queue and message (each worker's connections do fail meanwhile).
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import { compose } from '../../server/app/compose.ts';
import { loadConfig } from '../../server/config.ts';
import { freePort } from '../../server/embedded-redis.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import { testPrefix } from '../helpers/redis.ts';
import { scratch } from '../helpers/scratch.ts';
import { timedFetch } from '../helpers/timed-fetch.ts';
import { settlesWithin, waitFor } from '../helpers/wait-for.ts';

const ADMIN_PASSWORD = 'outage-console-password';
/** The bound the console relies on: an answer (a 503 during an outage) within this, never a hang. */
const FAST_MS = 2_000;

const scratchpad = scratch('outage-console');
const { tempDir, privateRedis } = scratchpad;
afterEach(() => scratchpad.cleanup((stop) => settlesWithin(stop, 15_000, 'system.stop()')));

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

interface Answer {
  status: number;
  ms: number;
  contentType: string;
  text: string;
}

/** One request, timed; given up after 5 s (status 0), so a hang fails the assertion instead of the test's timeout. */
async function call(base: string, p: string, init: RequestInit = {}): Promise<Answer> {
  const a = await timedFetch(`${base}${p}`, init);
  return { status: a.status, ms: a.ms, contentType: a.headers.get('content-type') ?? '', text: a.text };
}

/** A built console, as `npm run build` leaves it: the page and one hashed asset. */
function fakeConsole(): { dir: string; asset: string } {
  const dir = tempDir('client');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/index-abc123.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("console");');
  return { dir, asset: '/assets/index-abc123.js' };
}

/** `npm start` as composed by the tests, with the real processors on every queue and a logger we read. */
async function startSystem(url: string, lines: LogLine[], clientDir: string) {
  const config = loadConfig({
    REDIS_URL: url,
    QUEUE_PREFIX: testPrefix('outage-console'),
    DATA_DIR: tempDir('data'),
    ADMIN_PASSWORD,
    WORKER_STATS_INTERVAL_MS: '0',
    LOG_LEVEL: 'info',
  });
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const system = await compose({
    config,
    log,
    clientDir,
    http: true,
    runWorkers: true,
    runScheduler: false,
    demo: false,
    overrides: { scheduleSource: emptyScheduleSource, sampleDepth: false },
  });
  scratchpad.onStop(() => system.stop());
  const { port } = await system.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return { system, base, cookie: await signIn(base) };
}

/** Signs in as the console does; the session cookie. */
async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/** What the console asks for when it (re)loads, with the session cookie it carries. */
async function consoleStart(base: string, cookie: string, asset: string): Promise<Record<string, Answer>> {
  const headers = { cookie };
  const batch = 'queues.overview,workers.list,metrics.rates,metrics.latency,metrics.throughput,metrics.depth';
  const inputs = { 0: null, 1: null, 2: null, 3: { range: '1h' }, 4: { range: '1h' }, 5: { range: '1h' } };
  const [page, script, healthz, me, trpcBatch, live, pause] = await Promise.all([
    call(base, '/', { headers }),
    call(base, asset, { headers }),
    call(base, '/healthz', { headers }),
    call(base, '/api/auth/me', { headers }),
    call(base, `/trpc/${batch}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`, { headers }),
    call(base, '/trpc/queues.live', { headers: { ...headers, accept: 'text/event-stream' } }),
    call(base, '/trpc/queues.pause', {
      method: 'POST',
      headers: { ...headers, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ queue: 'alerts' }),
    }),
  ]);
  return { page, script, healthz, me, trpcBatch, live, pause };
}

type BatchError = { error: { data: { appCode: string } } };

function expectOutageAnswers(r: Record<string, Answer>, how: string): void {
  for (const [name, a] of Object.entries(r))
    expect(a.ms, `${how}: ${name} took ${Math.round(a.ms)} ms (${a.status} ${a.text.slice(0, 200)})`).toBeLessThan(FAST_MS);
  // The page and its script need no Redis, so a reload still shows the console (and its outage banner).
  expect(r.page.status, `${how}: page`).toBe(200);
  expect(r.page.text).toContain('<title>console</title>');
  expect(r.script.status, `${how}: asset`).toBe(200);
  expect(JSON.parse(r.healthz.text), `${how}: healthz`).toMatchObject({ redis: 'down' });
  // "Unavailable", not "signed out": the console keeps its session and says why.
  expect(r.me.status, `${how}: me`).toBe(503);
  expect(JSON.parse(r.me.text), `${how}: me`).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } });
  expect(r.trpcBatch.status, `${how}: batch`).toBe(503);
  // Refused at the session lookup, the batch gets one error for all its calls (tRPC's client reads it so).
  const body = JSON.parse(r.trpcBatch.text) as BatchError | BatchError[];
  const codes = new Set((Array.isArray(body) ? body : [body]).map((i) => i.error.data.appCode));
  expect([...codes], `${how}: batch`).toEqual(['REDIS_UNAVAILABLE']);
  expect(r.live.status, `${how}: live`).toBe(503);
  expect(r.pause.status, `${how}: pause`).toBe(503);
  expect(JSON.parse(r.pause.text).error.data.appCode, `${how}: pause`).toBe('REDIS_UNAVAILABLE');
}

describe('the console through a Redis outage', () => {
  it('gets an answer to every start-up call within 2 s from a stopped Redis; the log says once that Redis went and once that it came back', async () => {
    const redisDir = tempDir('redis');
    const port = await freePort();
    let redis = await privateRedis(redisDir, port);
    const lines: LogLine[] = [];
    const { asset, dir } = fakeConsole();
    const { system, base, cookie } = await startSystem(redis.url, lines, dir);
    const healthy = await consoleStart(base, cookie, asset);
    expect(healthy.me.status).toBe(200);
    expect(healthy.trpcBatch.status, healthy.trpcBatch.text).toBe(200);

    // Each worker's own connections see the outage too: counted here, to show they failed and were not logged.
    const workerErrors = new Map<string, number>();
    for (const [queue, worker] of system.runtime.workers!.workers) worker.on('error', () => workerErrors.set(queue, (workerErrors.get(queue) ?? 0) + 1));
    const before = lines.length;

    // Stopped: nothing listens on the port.
    await redis.stop();
    await waitFor(() => lines.some((l) => l.msg.startsWith('Redis unavailable')), { message: 'the outage to be logged' });
    for (let round = 1; round <= 2; round++) expectOutageAnswers(await consoleStart(base, cookie, asset), `stopped, round ${round}`);
    await waitFor(() => QUEUE_NAMES.every((q) => (workerErrors.get(q) ?? 0) >= 2), {
      timeoutMs: 15_000,
      message: () => `every worker to see its connection fail twice (${JSON.stringify(Object.fromEntries(workerErrors))})`,
    });

    // Back on the same port: the API answers again and the log says so, once.
    redis = await privateRedis(redisDir, port);
    await waitFor(async () => (await call(base, '/healthz')).status === 200, { timeoutMs: 15_000, intervalMs: 100, message: '/healthz to answer 200 again' });
    await waitFor(() => lines.some((l) => l.msg === 'Redis connection restored'), { timeoutMs: 15_000, message: 'the recovery to be logged' });
    // The session was in the stopped (empty, no persistence) Redis; signing in again works once the request path's
    // own connection is back too (it reconnects on its own schedule, moments after the workers' one).
    await waitFor(
      async () =>
        (
          await call(base, '/api/auth/login', {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: base },
            body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
          })
        ).status === 200,
      { timeoutMs: 10_000, intervalMs: 200, message: 'signing in again after Redis returned' },
    );
    // Jobs run again on the workers that lived through it.
    const job = await system.runtime.queueService.addJob('alerts', {
      organizationId: 'o',
      alertType: 'DATA_ANOMALY',
      severity: 'LOW',
      message: 'after',
      metadata: {},
    });
    await waitFor(async () => (await system.runtime.queueService.getJob('alerts', job.id!))?.finishedOn, {
      timeoutMs: 15_000,
      message: 'a job added after the outage to be processed',
    });

    const during = lines.slice(before);
    const describe = () =>
      during
        .map((l) => `${l.level} ${l.msg} ${JSON.stringify({ ...l, level: undefined, msg: undefined, time: undefined, pid: undefined, hostname: undefined })}`)
        .join('\n');
    expect(during.filter((l) => l.msg.startsWith('Redis unavailable')).length, describe()).toBe(1);
    expect(during.filter((l) => l.msg === 'Redis connection restored').length, describe()).toBe(1);
    expect(during.filter((l) => l.msg === 'Worker error').length, describe()).toBe(0);
    // Nothing else at error level: a refused request is logged as a request (warn), not as an error each time.
    expect(
      during.filter((l) => l.level >= 50 && !l.msg.startsWith('Redis unavailable')).map((l) => l.msg),
      describe(),
    ).toEqual([]);
  });

  it('answers every start-up call within 2 s from a Redis that holds the connection but does not answer', async () => {
    const redis = await privateRedis(tempDir('redis'), await freePort());
    const { asset, dir } = fakeConsole();
    const { base, cookie } = await startSystem(redis.url, [], dir);
    expect((await consoleStart(base, cookie, asset)).me.status).toBe(200);

    redis.process.kill('SIGSTOP');
    try {
      for (let round = 1; round <= 2; round++) expectOutageAnswers(await consoleStart(base, cookie, asset), `frozen, round ${round}`);
    } finally {
      redis.process.kill('SIGCONT');
    }
    await waitFor(async () => (await call(base, '/api/auth/me', { headers: { cookie } })).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: '/api/auth/me to answer 200 once Redis does',
    });
  });
});
