/**
 * Heartbeats of real worker processes (tests/fixtures/worker-process-entry.ts, built like `npm run worker`),
 * read as the Workers page reads them: a killed worker is listed as gone within 12 s of its death (so within
 * 15 s on the page, which refreshes every 2 s); a worker stopped with SIGTERM leaves the list at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_GONE_AFTER_MS, WORKER_HEARTBEAT_MS, type WorkerInfo } from '../../shared/workers.ts';
import { WorkerRegistry } from '../../server/workers/worker-registry.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { scratch } from '../helpers/scratch.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = path.join(ROOT, 'tests/fixtures/worker-process-entry.ts');

const s = scratch('wp-heartbeat');
afterEach(() => s.cleanup());

interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** One worker process named `name` under `prefix`; killed at cleanup if still running. */
function startWorker(name: string, prefix: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    // A small, explicit environment: nothing from the outer shell leaks in.
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
      DATA_DIR: path.join(os.tmpdir(), 'bizinsights-worker-process-test'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  s.onStop(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { process: child, output: () => `--- ${name} (pid ${child.pid}) ---\n${out.slice(-4000)}`, exited };
}

function registryUnder(prefix: string, now?: () => number): WorkerRegistry {
  const connection = connect();
  s.onCleanup(async () => {
    await removeKeys(connection, prefix);
    await connection.quit();
  });
  return new WorkerRegistry({ connection, prefix, now });
}

const find = async (registry: WorkerRegistry, name: string): Promise<WorkerInfo | undefined> => (await registry.list()).find((w) => w.name === name);

describe('a worker process on the workers list', () => {
  it('is live while it runs, and gone within 12 s after it is killed (SIGKILL: no chance to clean up)', { timeout: 60_000 }, async () => {
    const prefix = testPrefix('wph-kill');
    const name = `killed-${prefix}`;
    const registry = registryUnder(prefix);
    const w = startWorker(name, prefix);

    const live = await waitFor(async () => (await find(registry, name))?.status === 'live' && find(registry, name), {
      timeoutMs: 20_000,
      message: () => `${name} to be listed live\n${w.output()}`,
    });
    expect(live).toMatchObject({ name, pid: w.process.pid, host: os.hostname(), queues: [{ queue: 'alerts', concurrency: 5, active: 0 }] });

    const killAt = Date.now();
    w.process.kill('SIGKILL');
    expect((await w.exited).signal).toBe('SIGKILL');

    // Its entry stays, with the last heartbeat it wrote before dying: at most one interval before the kill.
    const last = (await find(registry, name))!;
    expect(last.lastSeen).toBeLessThanOrEqual(killAt);
    expect(killAt - last.lastSeen, 'it was beating every 5 s until killed').toBeLessThanOrEqual(WORKER_HEARTBEAT_MS + 2_000);
    // So by the reader's clock 12 s after the kill, it is gone (the bound, without waiting it out)…
    const at = (t: number) =>
      find(
        registryUnder(prefix, () => t),
        name,
      );
    expect((await at(killAt + WORKER_GONE_AFTER_MS))?.status).toBe('gone');
    // … and on the real clock it turns gone once 12 s have passed since that last heartbeat.
    const gone = await waitFor(async () => ((await find(registry, name))?.status === 'gone' ? Date.now() : undefined), {
      timeoutMs: WORKER_GONE_AFTER_MS + 5_000,
      intervalMs: 250,
      message: `${name} to be shown as gone`,
    });
    expect(gone - last.lastSeen).toBeGreaterThanOrEqual(WORKER_GONE_AFTER_MS);
    // No heartbeat came after the kill.
    expect((await find(registry, name))?.lastSeen).toBe(last.lastSeen);
  });

  it('leaves the list at once when stopped gracefully (SIGTERM)', { timeout: 60_000 }, async () => {
    const prefix = testPrefix('wph-term');
    const name = `stopped-${prefix}`;
    const registry = registryUnder(prefix);
    const w = startWorker(name, prefix);
    await waitFor(async () => (await find(registry, name))?.status === 'live', {
      timeoutMs: 20_000,
      message: () => `${name} to be listed live\n${w.output()}`,
    });

    w.process.kill('SIGTERM');
    expect((await w.exited).code, w.output()).toBe(0);
    expect(await registry.list()).toEqual([]);
  });
});
