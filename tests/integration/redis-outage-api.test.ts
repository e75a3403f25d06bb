/**
 * A Redis outage as the API sees it: a composed `npm start` (HTTP and workers) on a private redis-server that
 * is stopped and started again on the same port. During the outage REST, tRPC and sign-in answer 503 within
 * a second or so instead of hanging; afterwards the API answers again and the workers process new jobs, by
 * themselves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertJobData } from '../../shared/jobs.ts';
import { compose, type System } from '../../server/app/compose.ts';
import { loadConfig } from '../../server/config.ts';
import { freePort } from '../../server/embedded-redis.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import { testPrefix } from '../helpers/redis.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { scratch } from '../helpers/scratch.ts';
import { timedFetch } from '../helpers/timed-fetch.ts';
import { settlesWithin, waitFor } from '../helpers/wait-for.ts';

const ADMIN_PASSWORD = 'outage-admin-password';
const API_TOKEN = 'outage-api-token';
/** What "fast" means here: the request path's bound is about a second; a hang lasts the whole outage. */
const FAST_MS = 2_000;

// Released in afterEach whatever happened: the system first (bounded: one stopped while its Redis is still
// down, in a failed test, must not hold the other cleanups), then Redis, then directories.
const scratchpad = scratch('outage');
const { tempDir, privateRedis } = scratchpad;
afterEach(() => scratchpad.cleanup((stop) => settlesWithin(stop, 15_000, 'system.stop()')));

interface Answer {
  status: number;
  ms: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body, read by the assertions
  body: any;
}

/** One request, timed; a request still pending after 5 s is given up (and shows as status 0). */
async function call(base: string, p: string, init: RequestInit = {}): Promise<Answer> {
  const a = await timedFetch(`${base}${p}`, init);
  return { status: a.status, ms: a.ms, headers: a.headers, body: a.status && a.text ? JSON.parse(a.text) : a.status ? undefined : a.text };
}

const bearer = { authorization: `Bearer ${API_TOKEN}` };
const monitoring = (base: string, headers: Record<string, string> = bearer) => call(base, '/api/jobs/monitoring', { headers });
const overview = (base: string, headers: Record<string, string> = bearer) => call(base, '/trpc/queues.overview', { headers });
const signIn = (base: string) =>
  call(base, '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });

const alert = (n: number): AlertJobData => ({ organizationId: `org-${n}`, alertType: 'DATA_ANOMALY', severity: 'HIGH', message: `drop ${n}`, metadata: { n } });

/** `npm start` as the tests compose it, on `url`: HTTP, and a worker for the alerts queue that records what it ran. */
async function startSystem(url: string, processed: Set<number>): Promise<{ system: System; base: string }> {
  const config = loadConfig({
    REDIS_URL: url,
    QUEUE_PREFIX: testPrefix('outage'),
    DATA_DIR: tempDir('data'),
    ADMIN_PASSWORD,
    API_TOKEN,
    WORKER_STATS_INTERVAL_MS: '0',
    LOG_LEVEL: 'silent',
  });
  const system = await compose({
    config,
    log: silentLogger,
    http: true,
    runWorkers: true,
    runScheduler: false,
    demo: false,
    overrides: {
      processors: () => ({
        alerts: async (data) => {
          processed.add((data.metadata as { n: number }).n);
        },
      }),
      scheduleSource: emptyScheduleSource,
      sampleDepth: false,
    },
  });
  scratchpad.onStop(() => system.stop());
  const { port } = await system.listen(0, '127.0.0.1');
  return { system, base: `http://127.0.0.1:${port}` };
}

function expectRest503(r: Answer, what: string): void {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(503);
  expect(r.ms, `${what} took ${Math.round(r.ms)} ms`).toBeLessThan(FAST_MS);
  expect(r.headers.get('retry-after'), what).toBe('1');
  expect(r.body, what).toMatchObject({ success: false, error: { code: 'REDIS_UNAVAILABLE' } });
}

function expectTrpc503(r: Answer, what: string): void {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(503);
  expect(r.ms, `${what} took ${Math.round(r.ms)} ms`).toBeLessThan(FAST_MS);
  expect(r.headers.get('retry-after'), what).toBe('1');
  // What the console's tRPC client reads (TRPCClientError.data), whether the procedure or the session lookup failed.
  expect(r.body.error.data, what).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503, appCode: 'REDIS_UNAVAILABLE' });
  expect(r.body.error.message, what).toMatch(/Redis is unavailable/);
}

describe('the API through a Redis outage', () => {
  it('answers 503 fast while Redis is down, and 200 again once it is back; the workers resume by themselves', async () => {
    const redisDir = tempDir('redis');
    const port = await freePort();
    const first = await privateRedis(redisDir, port);
    const processed = new Set<number>();
    const { system, base } = await startSystem(first.url, processed);

    expect((await monitoring(base)).status).toBe(200);
    const login = await signIn(base);
    expect(login.status).toBe(200);
    const cookie = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] };
    expect((await monitoring(base, cookie)).status).toBe(200);
    await system.runtime.queueService.addJob('alerts', alert(1));
    await waitFor(() => processed.has(1), { message: 'the job added before the outage to run' });

    await first.stop();

    // Every answer during the outage is fast, the first as the later ones: asked three times over.
    for (let round = 1; round <= 3; round++) {
      expectRest503(await monitoring(base), `GET /api/jobs/monitoring (token), round ${round}`);
      expectRest503(await monitoring(base, cookie), `GET /api/jobs/monitoring (session), round ${round}`);
      expectTrpc503(await overview(base), `tRPC queues.overview (token), round ${round}`);
      expectTrpc503(await overview(base, cookie), `tRPC queues.overview (session), round ${round}`);
      expectRest503(await signIn(base), `POST /api/auth/login, round ${round}`);
    }
    // The probes keep their own behaviour: alive, not ready, both at once.
    const live = await call(base, '/livez');
    expect(live.status).toBe(200);
    const ready = await call(base, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(FAST_MS);

    // Redis comes back on the same port (empty: no persistence in this test). Nothing is restarted here.
    await privateRedis(redisDir, port);
    const back = { timeoutMs: 15_000, intervalMs: 100 };
    await waitFor(async () => (await monitoring(base)).status === 200, { ...back, message: 'GET /api/jobs/monitoring to answer 200 again' });
    await waitFor(async () => (await overview(base)).status === 200, { ...back, message: 'tRPC queues.overview to answer 200 again' });
    expect((await signIn(base)).status).toBe(200);

    // Jobs added after the restart, through the workers' queues and through the API's, are processed.
    await system.runtime.queueService.addJob('alerts', alert(2));
    await system.http!.services.queueService.addJob('alerts', alert(3));
    await waitFor(() => processed.has(2) && processed.has(3), {
      timeoutMs: 15_000,
      message: () => `jobs 2 and 3 to run after the restart (ran: ${[...processed].join(',')})`,
    });
    await waitFor(async () => (await system.runtime.queueService.getQueueStats('alerts')).completed === 2, { message: 'both to be completed' });
  });

  it('answers 503 within about a second from a Redis that holds the connection but does not answer', async () => {
    const server = await privateRedis(tempDir('redis'), await freePort());
    const { base } = await startSystem(server.url, new Set());
    expect((await monitoring(base)).status).toBe(200);

    // Frozen, not gone: the sockets stay open and commands are written, but no reply comes (the command timeout's case).
    server.process.kill('SIGSTOP');
    try {
      expectRest503(await monitoring(base), 'GET /api/jobs/monitoring');
      expectTrpc503(await overview(base), 'tRPC queues.overview');
      expectRest503(await signIn(base), 'POST /api/auth/login');
    } finally {
      server.process.kill('SIGCONT');
    }
    const answering = async () => (await monitoring(base)).status === 200;
    await waitFor(answering, { timeoutMs: 10_000, intervalMs: 100, message: 'the API to answer 200 once Redis does' });
    expect((await signIn(base)).status).toBe(200);
  });
});
