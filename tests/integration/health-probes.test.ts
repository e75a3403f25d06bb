/**
 * /livez and /readyz against real Redis: in a composed `npm start` process through a Redis that dies and
 * comes back on the same port, with a stopped worker, and in `npm run worker` processes serving them on
 * WORKER_HTTP_PORT (also while they still wait for Redis at start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compose, type System } from '../../server/app/compose.ts';
import { loadConfig } from '../../server/config.ts';
import { freePort } from '../../server/embedded-redis.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { scratch } from '../helpers/scratch.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER_MAIN = path.join(ROOT, 'server/worker-main.ts');
// By absolute URL: the process runs in a temp directory (so no .env of the checkout is read).
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** What a probe answered and how long it took. */
interface Probe {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

async function probe(base: string, p: string): Promise<Probe> {
  const t0 = performance.now();
  const res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, ms: performance.now() - t0 };
}

const scratchpad = scratch('probes');
const { tempDir, privateRedis } = scratchpad;
afterEach(() => scratchpad.cleanup());

/** The test's keys on the shared Redis go once its systems and processes have stopped. */
function removeKeysLater(prefix: string): void {
  scratchpad.onCleanup(async () => {
    const c = connect();
    try {
      await removeKeys(c, prefix);
    } finally {
      await c.quit();
    }
  });
}

/** `npm start` as the tests compose it: HTTP and the real workers, no scheduler, on `url` under a fresh prefix. */
async function startSystem(url: string): Promise<{ system: System; base: string }> {
  const prefix = testPrefix('probes');
  const config = loadConfig({
    REDIS_URL: url,
    QUEUE_PREFIX: prefix,
    DATA_DIR: tempDir('data'),
    ADMIN_PASSWORD: 'probe-admin-password',
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
    overrides: { scheduleSource: emptyScheduleSource, sampleDepth: false },
  });
  scratchpad.onStop(() => system.stop());
  if (url === redisUrl()) removeKeysLater(prefix);
  const { port } = await system.listen(0, '127.0.0.1');
  return { system, base: `http://127.0.0.1:${port}` };
}

describe('/livez and /readyz in the server process', () => {
  it('stay alive through a Redis outage, are not ready during it, and ready again once Redis is back', async () => {
    const redisDir = tempDir('redis');
    const port = await freePort();
    const first = await privateRedis(redisDir, port);
    const { base } = await startSystem(first.url);

    const live = await probe(base, '/livez');
    expect(live.status).toBe(200);
    const ready = await probe(base, '/readyz');
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', started: true, redis: 'up', reasons: [] });
    // Every queue's worker runs here, and the probe says so.
    expect(Object.values(ready.body.workers as Record<string, boolean>).length).toBeGreaterThan(0);
    expect(Object.values(ready.body.workers as Record<string, boolean>).every(Boolean)).toBe(true);
    expect((await probe(base, '/healthz')).status).toBe(200);

    // A crash, not a shutdown: nothing is flushed, clients see the socket drop.
    const exited = new Promise((resolve) => first.process.once('exit', resolve));
    first.process.kill('SIGKILL');
    await exited;

    const notReady = await waitFor(
      async () => {
        const r = await probe(base, '/readyz');
        // Never hangs: each answer comes within the PING bound (1 s) plus slack, down or not.
        expect(r.ms).toBeLessThan(2_000);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 100, message: '/readyz to answer 503 after Redis died' },
    );
    expect(notReady.body).toMatchObject({ status: 'not ready', redis: 'down' });
    expect((notReady.body.reasons as string[]).join('; ')).toMatch(/redis/i);

    // Liveness never depends on Redis, however many times it is asked during the outage.
    for (let i = 0; i < 3; i++) {
      const r = await probe(base, '/livez');
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(1_000);
    }
    const again = await probe(base, '/readyz');
    expect(again.status).toBe(503);
    expect(again.ms).toBeLessThan(2_000);
    // /healthz keeps its own shape and says the same.
    const health = await probe(base, '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', redis: 'down' });

    // Redis comes back on the same port: ready again by itself (the client reconnects every ≤ 2 s).
    await first.stop();
    await privateRedis(redisDir, port);
    const back = await waitFor(
      async () => {
        const r = await probe(base, '/readyz');
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, message: '/readyz to answer 200 once Redis is back' },
    );
    expect(back.body).toMatchObject({ status: 'ready', redis: 'up', reasons: [] });
    expect((await probe(base, '/livez')).status).toBe(200);
  });

  it('is not ready when a worker it should run has stopped, naming the queue', async () => {
    const { system, base } = await startSystem(redisUrl());
    expect((await probe(base, '/readyz')).status).toBe(200);

    await system.runtime.workers!.workers.get('alerts')!.close();
    const r = await probe(base, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ status: 'not ready', redis: 'up' });
    expect((r.body.workers as Record<string, boolean>).alerts).toBe(false);
    expect(r.body.reasons).toEqual(['workers: not running for alerts']);
    // The process itself is fine: an orchestrator should stop routing to it, not restart it.
    expect((await probe(base, '/livez')).status).toBe(200);
  });

  it('are public: no session or token needed', async () => {
    const { base } = await startSystem(redisUrl());
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // Everything else still wants a session.
    expect((await fetch(`${base}/api/jobs/monitoring`)).status).toBe(401);
  });
});

/** A real `npm run worker` process (from source, as `npm run worker:dev` runs it). */
class WorkerProcess {
  readonly child: ChildProcess;
  output = '';
  private readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string>, cwd: string) {
    this.child = spawn(process.execPath, ['--import', TSX, WORKER_MAIN], {
      cwd,
      // A small, explicit environment: nothing from the outer shell (REDIS_URL, DATABASE_URL…) leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.output += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.output += s));
    this.closed = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    scratchpad.onStop(() => this.kill());
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls a probe until it gives `status`; fails early, with the output, if the process exits. */
  async waitForProbe(base: string, p: string, status: number, timeoutMs = 20_000): Promise<Probe> {
    const r = await waitFor(
      async () => {
        if (!this.running) return 'exited' as const;
        const answer = await probe(base, p).catch(() => undefined);
        return answer?.status === status ? answer : undefined;
      },
      { timeoutMs, intervalMs: 100, message: () => `worker ${p} to answer ${status}\n${this.output.slice(-4000)}` },
    );
    if (r === 'exited') throw new Error(`worker exited (${this.child.exitCode ?? this.child.signalCode}) before ${p} answered ${status}\n${this.output}`);
    return r;
  }

  async waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker still running after ${timeoutMs} ms\n${this.output.slice(-4000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.closed;
  }
}

async function startWorker(url: string): Promise<{ worker: WorkerProcess; base: string }> {
  const prefix = testPrefix('probes-wp');
  if (url === redisUrl()) removeKeysLater(prefix);
  const dataDir = tempDir('worker');
  const httpPort = await freePort();
  const worker = new WorkerProcess(
    {
      REDIS_URL: url,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      WORKER_HTTP_PORT: String(httpPort),
      HOST: '127.0.0.1',
      WORKER_STATS_INTERVAL_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
    },
    dataDir,
  );
  return { worker, base: `http://127.0.0.1:${httpPort}` };
}

describe('npm run worker with WORKER_HTTP_PORT', () => {
  it('serves /livez and /readyz (and /healthz), then exits 0 on SIGTERM', async () => {
    const { worker, base } = await startWorker(redisUrl());

    expect((await worker.waitForProbe(base, '/livez', 200)).body).toEqual({ status: 'alive' });
    const ready = await worker.waitForProbe(base, '/readyz', 200);
    expect(ready.body).toMatchObject({ status: 'ready', started: true, redis: 'up', reasons: [] });
    expect(Object.values(ready.body.workers as Record<string, boolean>).every(Boolean)).toBe(true);
    expect((await probe(base, '/healthz')).status).toBe(200);
    // Nothing else is served here (no console, no API).
    expect((await fetch(`${base}/api/jobs/monitoring`)).status).toBe(404);

    worker.child.kill('SIGTERM');
    const exit = await worker.waitForExit(15_000);
    expect(exit, worker.output).toEqual({ code: 0, signal: null });
    // The probes went with it.
    await expect(fetch(`${base}/livez`)).rejects.toThrow();
  });

  it('is alive but "starting" while it waits for Redis, and ready once Redis answers', async () => {
    const redisPort = await freePort();
    const { worker, base } = await startWorker(`redis://127.0.0.1:${redisPort}`);

    expect((await worker.waitForProbe(base, '/livez', 200)).status).toBe(200);
    const starting = await probe(base, '/readyz');
    expect(starting.status).toBe(503);
    expect(starting.body).toMatchObject({ status: 'not ready', started: false });
    expect((starting.body.reasons as string[]).join('; ')).toMatch(/starting/);
    expect(worker.running).toBe(true);

    // A Redis of its own: thrown away whole afterwards, so no keys to remove.
    await privateRedis(tempDir('late-redis'), redisPort);
    const ready = await worker.waitForProbe(base, '/readyz', 200);
    expect(ready.body).toMatchObject({ status: 'ready', started: true, redis: 'up' });

    worker.child.kill('SIGTERM');
    expect(await worker.waitForExit(15_000), worker.output).toEqual({ code: 0, signal: null });
  });
});
