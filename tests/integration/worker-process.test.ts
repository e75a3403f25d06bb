/**
 * The worker as a real OS process (tests/fixtures/worker-process-entry.ts, built like
 * server/worker-main.ts): readiness and stats lines, graceful shutdown, the shutdown deadline, the
 * second signal, takeover after SIGKILL, and riding out a Redis that goes away or is not there yet.
 * Everything runs against a real Redis: the shared test one, or private redis-servers for the faults.
 */
import { recentStalled } from '../../server/monitoring/stalled-counter.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertJobData } from '../../shared/jobs.ts';
import { loadConfig } from '../../server/config.ts';
import { freePort, startRedisServer, type RedisServerHandle } from '../../server/embedded-redis.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { createRedisConnection, type Redis } from '../../server/redis.ts';
import { redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const DEFAULTS = loadConfig({});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = path.join(ROOT, 'tests/fixtures/worker-process-entry.ts');

/** The fixture's list of pids that started a job (see the fixture's header). */
const startsKey = (prefix: string, jobId: string) => `${prefix}:fixture:starts:${jobId}`;

interface LogLine {
  level: number;
  time: number;
  pid: number;
  msg: string;
  [key: string]: unknown;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process exited. */
  at: number;
}

/** One child worker process, its parsed JSON log lines and its exit. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly rawStdout: string[] = [];
  stderr = '';
  exit: Exit | undefined;
  private readonly closed: Promise<Exit>;
  private partial = '';

  constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: ROOT,
      // A small, explicit environment: nothing from the outer shell (REDIS_URL, DATABASE_URL…) leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.child.once('exit', (code, signal) => (this.exit = { code, signal, at: Date.now() }));
    this.closed = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit ??= { code, signal, at: Date.now() };
        if (this.partial) this.onStdout('\n');
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  private onStdout(chunk: string) {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      if (!raw.trim()) continue;
      this.rawStdout.push(raw);
      try {
        this.lines.push(JSON.parse(raw) as LogLine);
      } catch {
        // Not a JSON log line (should not happen); kept in rawStdout for the failure message.
      }
    }
  }

  /** Log lines whose message contains `text`. */
  logs(text: string): LogLine[] {
    return this.lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(text));
  }

  indexOf(text: string): number {
    return this.lines.findIndex((l) => typeof l.msg === 'string' && l.msg.includes(text));
  }

  /** What the process said, for failure messages. */
  output(): string {
    return `--- ${this.name} (pid ${this.child.pid}) stdout ---\n${this.rawStdout.slice(-40).join('\n')}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }

  /** Waits for `count` log lines containing `text`; fails early (with the output) if the process exits. */
  async waitForLog(text: string, timeoutMs: number, count = 1): Promise<LogLine> {
    const logged = () => this.logs(text).length >= count;
    await waitFor(() => logged() || !this.running, { timeoutMs, intervalMs: 25, message: () => `${this.name} to log "${text}" x${count}\n${this.output()}` });
    if (!logged()) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before logging "${text}" x${count}\n${this.output()}`);
    return this.logs(text)[count - 1];
  }

  ready(timeoutMs = 20_000): Promise<LogLine> {
    return this.waitForLog('Queue Worker is now running', timeoutMs);
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** The exit, or a failure naming how long we waited (the process is left to the cleanup). */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} still running after ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL unless already gone; resolves once the process and its pipes are closed. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.closed;
  }
}

// ---------------------------------------------------------------------------------------------
// Per-test resources, all released in afterEach whatever happened: processes first, then the
// queue clients (and the test's keys), then private redis-servers and their directories.

const children: WorkerProcess[] = [];
const clients: Array<{ qs: QueueService; connection: Redis; prefix: string; removeKeys: boolean }> = [];
const servers: RedisServerHandle[] = [];
const listeners: net.Server[] = [];
const dirs: string[] = [];

afterEach(async () => {
  const failures: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      failures.push(err);
    }
  };
  await Promise.all(children.splice(0).map((c) => attempt(() => c.kill())));
  for (const c of clients.splice(0)) {
    await attempt(() => c.qs.close());
    if (c.removeKeys) await attempt(() => removeKeys(c.connection, c.prefix));
    await attempt(() => c.connection.quit().catch(() => c.connection.disconnect()));
  }
  for (const l of listeners.splice(0)) await attempt(() => new Promise<void>((resolve) => l.close(() => resolve())));
  for (const s of servers.splice(0)) await attempt(() => s.stop());
  for (const d of dirs.splice(0)) await attempt(async () => fs.rmSync(d, { recursive: true, force: true }));
  if (failures.length) throw new AggregateError(failures, 'cleanup failed');
});

interface WorkerEnv {
  url?: string;
  prefix: string;
  shutdownTimeoutMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  statsIntervalMs?: number;
}

function startWorker(name: string, opts: WorkerEnv): WorkerProcess {
  const w = new WorkerProcess(name, {
    REDIS_URL: opts.url ?? redisUrl(),
    QUEUE_PREFIX: opts.prefix,
    SHUTDOWN_TIMEOUT_MS: String(opts.shutdownTimeoutMs ?? 10_000),
    LOCK_DURATION_MS: String(opts.lockDurationMs ?? DEFAULTS.LOCK_DURATION_MS),
    STALLED_INTERVAL_MS: String(opts.stalledIntervalMs ?? DEFAULTS.STALLED_INTERVAL_MS),
    // 0 turns the stats line off; only the first test wants it.
    WORKER_STATS_INTERVAL_MS: String(opts.statsIntervalMs ?? 0),
    LOG_LEVEL: 'info',
    RUN_SCHEDULER: 'false',
    DATA_DIR: path.join(os.tmpdir(), 'bizinsights-worker-process-test'),
  });
  children.push(w);
  return w;
}

/** A QueueService (and a plain client) on `url` under `prefix`; its keys are removed afterwards. */
function queueClient(prefix: string, url = redisUrl(), ownsServer = false) {
  const connection = createRedisConnection(url, { name: 'worker-process-test' });
  const qs = new QueueService({ connection, prefix });
  // A private redis-server is thrown away whole; the shared one is cleaned key by key.
  clients.push({ qs, connection, prefix, removeKeys: !ownsServer });
  return { qs, connection };
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-wp-redis-'));
  dirs.push(dir);
  return dir;
}

async function privateRedis(dir: string, port?: number): Promise<RedisServerHandle> {
  const handle = await startRedisServer({ dir, port, args: ['--appendonly', 'no'] });
  servers.push(handle);
  return handle;
}

function alert(metadata: { sleepMs?: number; ignoreSignal?: boolean; [k: string]: unknown }): AlertJobData {
  return { organizationId: 'org-1', alertType: 'TEST', severity: 'LOW', message: 'worker-process test', metadata };
}

/** Waits until the fixture's processor has started the job `times` times; returns the pids in order. */
async function started(connection: Redis, prefix: string, jobId: string, timeoutMs: number, times = 1): Promise<number[]> {
  const pids = await waitFor(
    async () => {
      const list = await connection.lrange(startsKey(prefix, jobId), 0, -1);
      return list.length >= times ? list : undefined;
    },
    { timeoutMs, message: `job ${jobId} to be started ${times} time(s)` },
  );
  return pids.map(Number);
}

/**
 * Listens on Redis's port while no Redis is there and drops every connection, counting them: each is
 * one attempt of the worker's to reach Redis. Closed (freeing the port) before a redis-server takes it.
 */
async function countConnectAttempts(port: number): Promise<{ readonly count: number; close(): Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  listeners.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    get count() {
      return count;
    },
    close: async () => {
      listeners.splice(listeners.indexOf(server), 1);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const jobCompleted = (qs: QueueService, jobId: string) => async () => (await jobState(qs, jobId)) === 'completed';

async function jobState(qs: QueueService, jobId: string): Promise<string> {
  const job = await qs.getJob('alerts', jobId);
  return job ? job.getState() : 'missing';
}

// ---------------------------------------------------------------------------------------------

describe('worker process', () => {
  it('logs "Queue Worker is now running" once ready, then a "Queue stats:" line every interval', async () => {
    const prefix = testPrefix('wp-ready');
    queueClient(prefix);
    const w = startWorker('worker', { prefix, statsIntervalMs: 500 });

    const ready = await w.ready();
    expect(ready.level).toBe(30);
    expect(ready.pid).toBe(w.pid);
    expect(ready.queues).toEqual(['alerts']);
    expect(ready.prefix).toBe(prefix);

    await w.waitForLog('Queue stats:', 5_000, 3);
    const stats = w.logs('Queue stats:');
    // JSON lines whose message starts with the summary, for this prefix's (empty) queues.
    for (const line of stats) {
      expect(line.msg.startsWith('Queue stats: totals w0 a0 c0 f0 d0 | ')).toBe(true);
      expect(line.msg).toContain('alerts w0 a0 c0 f0 d0');
    }
    // The stats come after the ready line (the first at once), then one per interval, not faster.
    expect(w.indexOf('Queue stats:')).toBeGreaterThan(w.indexOf('Queue Worker is now running'));
    expect(stats[2].time - stats[1].time).toBeGreaterThanOrEqual(300);

    w.signal('SIGTERM');
    const exit = await w.waitForExit(10_000);
    expect(exit.code).toBe(0);
  });

  it('SIGTERM lets the active job finish, then exits 0', async () => {
    const prefix = testPrefix('wp-graceful');
    const { qs, connection } = queueClient(prefix);
    const w = startWorker('worker', { prefix, shutdownTimeoutMs: 15_000 });
    await w.ready();

    const job = await qs.addJob('alerts', alert({ sleepMs: 1_500 }));
    const jobId = job.id!;
    expect(await started(connection, prefix, jobId, 10_000)).toEqual([w.pid]);
    expect(await jobState(qs, jobId)).toBe('active');

    const signalAt = Date.now();
    w.signal('SIGTERM');
    const exit = await w.waitForExit(15_000);
    expect(exit.code, w.output()).toBe(0);
    expect(exit.signal).toBeNull();

    const done = (await qs.getJob('alerts', jobId))!;
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toEqual({ pid: w.pid, jobId });
    // It ran to its end (not aborted, not restarted) and the process exited only afterwards.
    expect(done.finishedOn! - done.processedOn!).toBeGreaterThanOrEqual(1_400);
    expect(done.finishedOn!).toBeLessThanOrEqual(exit.at);
    expect(done.finishedOn!).toBeGreaterThan(signalAt);
    expect(await connection.llen(startsKey(prefix, jobId))).toBe(1);

    const order = ['Shutting down gracefully', 'Waiting for active jobs to finish', 'fixture job finished', 'Shutdown complete'].map((m) => w.indexOf(m));
    expect(
      order.every((i) => i >= 0),
      w.output(),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(w.logs('Shutdown deadline passed')).toHaveLength(0);
  });

  it('past SHUTDOWN_TIMEOUT_MS it stops waiting for a job that ignores the signal and exits 0', async () => {
    const prefix = testPrefix('wp-deadline');
    const { qs, connection } = queueClient(prefix);
    const w = startWorker('worker', { prefix, shutdownTimeoutMs: 500 });
    await w.ready();

    const job = await qs.addJob('alerts', alert({ sleepMs: 10_000, ignoreSignal: true }));
    await started(connection, prefix, job.id!, 10_000);

    const signalAt = Date.now();
    w.signal('SIGTERM');
    // Waits longer than the bound so a slow exit fails with its real duration.
    const exit = await w.waitForExit(14_000);
    const tookMs = exit.at - signalAt;
    expect(exit.code, w.output()).toBe(0);
    expect(tookMs, `exit took ${tookMs} ms after SIGTERM\n${w.output()}`).toBeLessThan(2_000);
    expect(w.logs('Shutdown deadline passed')).toHaveLength(1);
    expect(w.logs('fixture job finished')).toHaveLength(0);
    expect(await jobState(qs, job.id!)).not.toBe('completed');
  });

  it('a second SIGTERM or SIGINT during shutdown exits at once with a non-zero code', async () => {
    const cases = (['SIGTERM', 'SIGINT'] as const).map((second) => {
      const prefix = testPrefix('wp-second');
      const client = queueClient(prefix);
      // A long deadline and a job that ignores the signal: without the second signal, shutdown would hang.
      const w = startWorker(`worker-${second}`, { prefix, shutdownTimeoutMs: 60_000 });
      return { second, prefix, ...client, w };
    });

    await Promise.all(
      cases.map(async ({ second, prefix, qs, connection, w }) => {
        await w.ready();
        const job = await qs.addJob('alerts', alert({ sleepMs: 20_000, ignoreSignal: true }));
        await started(connection, prefix, job.id!, 10_000);

        w.signal('SIGTERM');
        await w.waitForLog('Waiting for active jobs to finish', 5_000);
        expect(w.running).toBe(true);

        const secondAt = Date.now();
        w.signal(second);
        const exit = await w.waitForExit(5_000);
        expect(exit.code, `${second}: ${w.output()}`).not.toBe(0);
        expect(exit.code).not.toBeNull();
        expect(exit.at - secondAt).toBeLessThan(1_500);
        const last = await w.waitForLog('Second signal: exiting now', 1_000);
        expect(last.signal).toBe(second);
        expect(w.logs('Shutdown complete')).toHaveLength(0);
        expect(await jobState(qs, job.id!)).not.toBe('completed');
      }),
    );
  });

  it('after SIGKILL of the worker running a job, another worker process takes it over and completes it', { timeout: 40_000 }, async () => {
    const prefix = testPrefix('wp-takeover');
    const { qs, connection } = queueClient(prefix);
    // The defaults of config.ts: takeover within lockDuration + stalledInterval (+ timer drift).
    const opts = { prefix, lockDurationMs: DEFAULTS.LOCK_DURATION_MS, stalledIntervalMs: DEFAULTS.STALLED_INTERVAL_MS };
    const a = startWorker('worker-a', opts);
    const b = startWorker('worker-b', opts);
    await Promise.all([a.ready(), b.ready()]);

    const job = await qs.addJob('alerts', alert({ sleepMs: 3_000 }));
    const jobId = job.id!;
    const [firstPid] = await started(connection, prefix, jobId, 10_000);
    const victim = firstPid === a.pid ? a : b;
    const survivor = victim === a ? b : a;
    expect(victim.pid, `the job started in pid ${firstPid}, which is neither worker`).toBe(firstPid);

    // It holds the job (and its lock); kill it without a chance to clean up.
    expect(await jobState(qs, jobId)).toBe('active');
    const killAt = Date.now();
    await victim.kill();
    expect(victim.exit?.signal).toBe('SIGKILL');

    await waitFor(jobCompleted(qs, jobId), { timeoutMs: 15_000, intervalMs: 100, message: 'the survivor to complete the job' });
    const tookMs = Date.now() - killAt;

    const done = (await qs.getJob('alerts', jobId))!;
    expect(done.returnvalue).toEqual({ pid: survivor.pid, jobId });
    expect(done.returnvalue.pid).not.toBe(victim.pid);
    expect(await connection.lrange(startsKey(prefix, jobId), 0, -1)).toEqual([String(victim.pid), String(survivor.pid)]);
    expect(survivor.logs('Job stalled').length, survivor.output()).toBeGreaterThanOrEqual(1);
    // …and counted where the health monitor's stalled-jobs condition reads it.
    expect((await recentStalled(connection, prefix, ['alerts'])).alerts).toBeGreaterThanOrEqual(1);
    expect(survivor.running).toBe(true);
    expect(tookMs).toBeLessThan(15_000);
    // config.ts and the README promise takeover within 10 s (lockDuration + stalledInterval = 7.5 s, plus drift).
    const restartedAfterMs = survivor.logs('fixture job started')[0].time - killAt;
    // The lock lapses 2.5–5 s after the kill and a check runs every 2.5 s (BullMQ's defaults would take 30 s or more).
    expect(restartedAfterMs, survivor.output()).toBeLessThan(10_000);
  });

  it('rides out a Redis restart: after it comes back on the same port, jobs are processed without restarting the worker', async () => {
    const dir = tempDir();
    const port = await freePort();
    const first = await privateRedis(dir, port);
    const prefix = testPrefix('wp-outage');
    const { qs, connection } = queueClient(prefix, first.url, true);
    const w = startWorker('worker', { url: first.url, prefix });
    await w.ready();

    // Works before the outage.
    const before = await qs.addJob('alerts', alert({ sleepMs: 0 }));
    await waitFor(jobCompleted(qs, before.id!), { timeoutMs: 10_000 });

    // Redis dies hard; the worker keeps trying to reconnect (several attempts) and keeps running.
    first.process.kill('SIGKILL');
    await first.stop();
    await w.waitForLog('Redis unavailable', 10_000);
    const attempts = await countConnectAttempts(port);
    await waitFor(() => attempts.count >= 3 || !w.running, { timeoutMs: 10_000, message: 'reconnect attempts' });
    expect(w.running, w.output()).toBe(true);
    await attempts.close();

    // A new, empty redis-server on the same port.
    await privateRedis(dir, port);
    await w.waitForLog('Redis connection restored', 15_000);

    const after = await qs.addJob('alerts', alert({ sleepMs: 100 }));
    await waitFor(jobCompleted(qs, after.id!), { timeoutMs: 15_000, intervalMs: 100 });
    const done = (await qs.getJob('alerts', after.id!))!;
    expect(done.returnvalue).toEqual({ pid: w.pid, jobId: after.id });
    expect(await connection.lrange(startsKey(prefix, after.id!), 0, -1)).toEqual([String(w.pid)]);
    expect(w.running).toBe(true);

    // One line per outage (not one per retry), and the recovery after it.
    const unavailable = w.logs('Redis unavailable');
    expect(unavailable.length, w.output()).toBeGreaterThanOrEqual(1);
    expect(unavailable.length, w.output()).toBeLessThanOrEqual(3);
    expect(w.indexOf('Redis connection restored')).toBeGreaterThan(w.indexOf('Redis unavailable'));

    w.signal('SIGTERM');
    expect((await w.waitForExit(10_000)).code).toBe(0);
  });

  it('waits for a Redis that is not there yet, then starts once it answers', async () => {
    const dir = tempDir();
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const prefix = testPrefix('wp-late');
    const w = startWorker('worker', { url, prefix });

    // It says it waits, and keeps trying to connect (and running) after saying so.
    await w.waitForLog('Waiting for Redis', 15_000);
    const attempts = await countConnectAttempts(port);
    await waitFor(() => attempts.count >= 1 || !w.running, { timeoutMs: 10_000, message: 'a connection attempt after "Waiting for Redis"' });
    expect(w.running, w.output()).toBe(true);
    expect(w.logs('Queue Worker is now running')).toHaveLength(0);
    await attempts.close();

    await privateRedis(dir, port);
    await w.ready(15_000);
    expect(w.logs('Redis unavailable').length, w.output()).toBeLessThanOrEqual(2);

    // And it works.
    const { qs } = queueClient(prefix, url, true);
    const job = await qs.addJob('alerts', alert({ sleepMs: 0 }));
    await waitFor(jobCompleted(qs, job.id!), { timeoutMs: 10_000 });
    expect((await qs.getJob('alerts', job.id!))!.returnvalue).toEqual({ pid: w.pid, jobId: job.id });

    w.signal('SIGTERM');
    expect((await w.waitForExit(10_000)).code).toBe(0);
  });
});
