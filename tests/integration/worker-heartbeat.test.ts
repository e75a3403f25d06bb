/**
 * Worker heartbeats on real Redis: what a worker process writes (from a real worker runtime running a real
 * job), that a graceful stop removes it, live → gone → dropped by the reader's clock (injected, no sleeping),
 * the index kept bounded by the writers, one hash slot on a real Redis Cluster, and the composed health
 * monitor's no-worker check reading heartbeats rather than CLIENT LIST.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { WORKER_DROPPED_AFTER_MS, WORKER_GONE_AFTER_MS } from '../../shared/workers.ts';
import { compose } from '../../server/app/compose.ts';
import { loadConfig } from '../../server/config.ts';
import { SYSTEM_ORG } from '../../server/monitoring/health-monitor.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { createWorkerRuntime } from '../../server/queue/worker.ts';
import { createRedisConnection, isCluster, type Redis } from '../../server/redis.ts';
import { startHeartbeat, type Heartbeat, type WorkerLoad } from '../../server/workers/heartbeat.ts';
import { workerKeys } from '../../server/workers/worker-keys.ts';
import { WorkerRegistry } from '../../server/workers/worker-registry.ts';
import { alertData, deferred } from '../fixtures/worker-runtime-fixtures.ts';
import { startLocalCluster } from '../helpers/redis-cluster.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { scratch } from '../helpers/scratch.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
/** The interval of heartbeats started by hand in tests: they beat when told (beat()), not on their own. */
const BY_HAND = 3_600_000;

const s = scratch('heartbeat');
afterEach(() => s.cleanup());

/** A connection on the shared Redis under a fresh prefix; the prefix's keys and the connection go at cleanup. */
function redisUnderPrefix(label: string): { connection: Redis; prefix: string } {
  const connection = connect();
  const prefix = testPrefix(label);
  s.onCleanup(async () => {
    await removeKeys(connection, prefix);
    await connection.quit();
  });
  return { connection, prefix };
}

function heartbeat(opts: Parameters<typeof startHeartbeat>[0]): Heartbeat {
  const hb = startHeartbeat(opts);
  s.onStop(() => hb.stop());
  return hb;
}

/** A load that serves the given queues with nothing running (a worker process elsewhere, as far as Redis can tell). */
const serving = (concurrency: Partial<Record<QueueName, number>>): WorkerLoad => ({
  concurrencyByQueue: () => concurrency,
  activeByQueue: () => ({}),
});

/** A composed worker process (no HTTP) with an alerts processor, over the shared Redis under a prefix of its own. */
async function composeWorkers(label: string, env: Record<string, string>, runScheduler: boolean) {
  const prefix = testPrefix(label);
  const config = loadConfig({
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix,
    DATA_DIR: s.tempDir('data'),
    WORKER_STATS_INTERVAL_MS: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const system = await compose({
    config,
    log: silentLogger,
    http: false,
    runWorkers: true,
    runScheduler,
    demo: false,
    overrides: { processors: () => ({ alerts: async () => ({}) }), scheduleSource: emptyScheduleSource },
  });
  return { system, prefix };
}

describe('the heartbeat writer', () => {
  it('writes name, host, pid, version, start, RSS and each queue with its concurrency and jobs in progress; stop() removes it', async () => {
    const { connection, prefix } = redisUnderPrefix('hb-fields');
    const gate = deferred();
    const started = deferred();
    const workers = createWorkerRuntime({
      connection,
      prefix,
      log: silentLogger,
      lockDurationMs: 6_000,
      stalledIntervalMs: 3_000,
      processors: {
        alerts: async () => {
          started.resolve();
          await gate.promise;
          return {};
        },
      },
    });
    s.onStop(async () => {
      gate.resolve();
      await workers.close(2_000);
    });
    await workers.ready();
    const qs = new QueueService({ connection, prefix, log: silentLogger });
    s.onStop(() => qs.close());
    const job = await qs.addJob(QueueName.ALERTS, alertData());
    await started.promise;

    const before = Date.now();
    const hb = heartbeat({ connection, prefix, name: 'worker-under-test', version: '9.9.9-test', workers, intervalMs: BY_HAND });
    await hb.beat();
    const keys = workerKeys(prefix, false);
    const stored = JSON.parse((await connection.get(keys.entry('worker-under-test')))!);
    expect(stored).toEqual({
      name: 'worker-under-test',
      host: os.hostname(),
      pid: process.pid,
      version: '9.9.9-test',
      startedAt: Math.round(performance.timeOrigin),
      lastSeen: expect.any(Number),
      rssBytes: expect.any(Number),
      queues: [{ queue: 'alerts', concurrency: 5, active: 1 }],
    });
    expect(stored.lastSeen).toBeGreaterThanOrEqual(before);
    expect(stored.startedAt).toBeLessThanOrEqual(stored.lastSeen);
    expect(stored.rssBytes).toBeGreaterThan(1024 * 1024);
    // The entry expires after an hour; the index holds name → the same timestamp.
    const ttl = await connection.pttl(keys.entry('worker-under-test'));
    expect(ttl).toBeGreaterThan(WORKER_DROPPED_AFTER_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(WORKER_DROPPED_AFTER_MS);
    expect(Number(await connection.zscore(keys.index, 'worker-under-test'))).toBe(stored.lastSeen);

    const registry = new WorkerRegistry({ connection, prefix });
    const [listed, ...others] = await registry.list();
    expect(others).toEqual([]);
    expect(listed).toMatchObject({ ...stored, status: 'live' });

    // The job ends: the next beat says nothing is running.
    gate.resolve();
    await waitFor(async () => (await qs.getJob(QueueName.ALERTS, job.id!))?.finishedOn);
    await hb.beat();
    expect((await registry.list())[0].queues).toEqual([{ queue: 'alerts', concurrency: 5, active: 0 }]);

    await hb.stop();
    expect(await connection.exists(keys.entry('worker-under-test'))).toBe(0);
    expect(await connection.zscore(keys.index, 'worker-under-test')).toBeNull();
    expect(await registry.list()).toEqual([]);
  });

  it('beats again every interval on its own', async () => {
    const { connection, prefix } = redisUnderPrefix('hb-interval');
    heartbeat({ connection, prefix, name: 'ticking', version: 't', workers: serving({ alerts: 1 }), intervalMs: 50 });
    const registry = new WorkerRegistry({ connection, prefix });
    const first = await waitFor(async () => (await registry.list())[0]?.lastSeen);
    await waitFor(async () => ((await registry.list())[0]?.lastSeen ?? 0) > first, { message: 'a later heartbeat' });
  });

  it('the server’s version is package.json’s when started by the runtime', async () => {
    const { system, prefix } = await composeWorkers('hb-runtime', { WORKER_NAME: 'runtime-worker' }, false);
    let stopped = false;
    s.onStop(async () => {
      if (!stopped) await system.stop();
    });
    const c = connect();
    s.onCleanup(async () => {
      await removeKeys(c, prefix);
      await c.quit();
    });
    const registry = new WorkerRegistry({ connection: c, prefix });
    const [w] = await waitFor(async () => {
      const list = await registry.list();
      return list.length ? list : undefined;
    });
    expect(w).toMatchObject({
      name: 'runtime-worker',
      version: PACKAGE_VERSION,
      pid: process.pid,
      status: 'live',
      queues: [{ queue: 'alerts', concurrency: 5, active: 0 }],
    });

    // A graceful stop takes it off the list at once.
    stopped = true;
    await system.stop();
    expect(await registry.list()).toEqual([]);
  });
});

describe('the worker registry', () => {
  it('shows a worker as live until its last heartbeat is 12 s old, then gone, and drops it after an hour', async () => {
    const { connection, prefix } = redisUnderPrefix('hb-clock');
    const t0 = Date.now();
    let writerNow = t0;
    let readerNow = t0;
    const hb = heartbeat({ connection, prefix, name: 'quiet', version: 't', workers: serving({ alerts: 5 }), intervalMs: BY_HAND, now: () => writerNow });
    await hb.beat();
    const registry = new WorkerRegistry({ connection, prefix, now: () => readerNow });
    const seen = async () => (await registry.list()).map((w) => ({ name: w.name, status: w.status, lastSeenAgoMs: w.lastSeenAgoMs }));

    readerNow = t0 + WORKER_GONE_AFTER_MS - 1;
    expect(await seen()).toEqual([{ name: 'quiet', status: 'live', lastSeenAgoMs: WORKER_GONE_AFTER_MS - 1 }]);
    expect(await registry.workerCount(QueueName.ALERTS)).toBe(1);

    readerNow = t0 + WORKER_GONE_AFTER_MS;
    expect(await seen()).toEqual([{ name: 'quiet', status: 'gone', lastSeenAgoMs: WORKER_GONE_AFTER_MS }]);
    expect(await registry.workerCount(QueueName.ALERTS)).toBe(0);

    // Still listed (gone) for an hour after its last heartbeat …
    readerNow = t0 + WORKER_DROPPED_AFTER_MS;
    expect(await seen()).toEqual([{ name: 'quiet', status: 'gone', lastSeenAgoMs: WORKER_DROPPED_AFTER_MS }]);
    // … then dropped, from the list and from the index.
    readerNow = t0 + WORKER_DROPPED_AFTER_MS + 1;
    expect(await seen()).toEqual([]);
    expect(await connection.zscore(workerKeys(prefix, false).index, 'quiet')).toBeNull();

    // A worker that beats again is back, live.
    writerNow = readerNow;
    await hb.beat();
    expect(await seen()).toEqual([{ name: 'quiet', status: 'live', lastSeenAgoMs: 0 }]);
  });

  it('lists live workers first, then by name, and leaves out an entry it cannot read', async () => {
    const { connection, prefix } = redisUnderPrefix('hb-order');
    const t0 = Date.now();
    const keys = workerKeys(prefix, false);
    heartbeat({ connection, prefix, name: 'b-live', version: 't', workers: serving({ alerts: 1 }), intervalMs: BY_HAND });
    heartbeat({ connection, prefix, name: 'a-gone', version: 't', workers: serving({ alerts: 1 }), intervalMs: BY_HAND, now: () => t0 - 60_000 });
    heartbeat({ connection, prefix, name: 'c-live', version: 't', workers: serving({}), intervalMs: BY_HAND });
    await connection.pipeline().zadd(keys.index, t0, 'garbled').set(keys.entry('garbled'), '{not json').exec();
    const registry = new WorkerRegistry({ connection, prefix });
    const list = await waitFor(async () => {
      const l = await registry.list();
      return l.length === 3 ? l : undefined;
    });
    expect(list.map((w) => [w.name, w.status])).toEqual([
      ['b-live', 'live'],
      ['c-live', 'live'],
      ['a-gone', 'gone'],
    ]);
    expect(await registry.liveCountByQueue()).toMatchObject({ alerts: 1, 'data-sync': 0 });
  });

  it('is empty, not an error, when no worker ever beat', async () => {
    const { connection, prefix } = redisUnderPrefix('hb-empty');
    expect(await new WorkerRegistry({ connection, prefix }).list()).toEqual([]);
  });

  it('a heartbeat prunes names over an hour old from the index, so it stays bounded with nobody reading', async () => {
    const { connection, prefix } = redisUnderPrefix('hb-prune');
    const t0 = Date.now();
    const index = workerKeys(prefix, false).index;
    heartbeat({ connection, prefix, name: 'old', version: 't', workers: serving({}), intervalMs: BY_HAND, now: () => t0 - WORKER_DROPPED_AFTER_MS - 1 });
    await waitFor(async () => (await connection.zscore(index, 'old')) !== null);
    const young = heartbeat({ connection, prefix, name: 'young', version: 't', workers: serving({}), intervalMs: BY_HAND });
    await young.beat();
    expect(await connection.zrange(index, '0', '-1')).toEqual(['young']);
    const pttl = await connection.pttl(index);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(WORKER_DROPPED_AFTER_MS);
  });

  it('works on a real Redis Cluster: every key under one hash tag, read in one MGET', { timeout: 60_000 }, async () => {
    const cluster = await startLocalCluster();
    s.onCleanup(() => cluster.stop());
    const connection = createRedisConnection({ cluster: cluster.nodes }, { name: 'heartbeat-cluster-test' });
    s.onCleanup(async () => {
      await connection.quit();
    });
    expect(isCluster(connection)).toBe(true);
    const prefix = testPrefix('hb-cluster');
    // Names that hash to different slots on their own.
    for (const name of ['alpha', 'bravo', 'charlie', 'delta']) {
      await heartbeat({ connection, prefix, name, version: 't', workers: serving({ alerts: 1 }), intervalMs: BY_HAND }).beat();
    }
    const registry = new WorkerRegistry({ connection, prefix });
    expect((await registry.list()).map((w) => [w.name, w.status])).toEqual([
      ['alpha', 'live'],
      ['bravo', 'live'],
      ['charlie', 'live'],
      ['delta', 'live'],
    ]);
    expect(await connection.exists(`{${prefix}}:workers:alpha`)).toBe(1);
    expect(await registry.workerCount(QueueName.ALERTS)).toBe(4);
  });
});

describe('the composed health monitor', () => {
  it('counts workers from heartbeats, not CLIENT LIST: a queue served only by a heartbeat raises no QUEUE_NO_WORKER until it stops', async () => {
    // Workers here only for alerts; no BullMQ worker anywhere for reports or insights.
    const { system, prefix } = await composeWorkers('hb-health', { HEALTH_CHECK_INTERVAL_MS: '1000' }, true);
    s.onStop(() => system.stop());
    const c = connect();
    s.onCleanup(async () => {
      await removeKeys(c, prefix);
      await c.quit();
    });

    // Another process's heartbeat says it serves report-generation (CLIENT LIST would count no worker there).
    const elsewhere = heartbeat({ connection: c, prefix, name: 'elsewhere', version: 't', workers: serving({ 'report-generation': 1 }) });
    await elsewhere.beat();
    const { queueService } = system.runtime;
    expect(await queueService.getWorkerCount(QueueName.REPORT_GENERATION)).toBe(0);
    await queueService.addJob(QueueName.REPORT_GENERATION, { reportId: 'r1', organizationId: 'o1', reportType: 'weekly', period: '2026-W01' });
    await queueService.addJob(QueueName.INSIGHTS_GENERATION, { organizationId: 'o1', period: '7d' });

    const noWorkerQueues = async () =>
      (await system.domain.store.alerts.list({ organizationId: SYSTEM_ORG })).alerts
        .filter((a) => a.alertType === 'QUEUE_NO_WORKER' && a.status === 'open')
        .map((a) => (a.metadata as { queue: string }).queue)
        .sort();
    // The check that raises it for insights (no heartbeat) saw reports' heartbeat: no alert for reports.
    expect(await waitFor(async () => ((await noWorkerQueues()).length ? noWorkerQueues() : undefined), { message: 'a no-worker alert' })).toEqual([
      QueueName.INSIGHTS_GENERATION,
    ]);

    // That process stops: its entry goes, and the next check raises the alert for reports too.
    await elsewhere.stop();
    await waitFor(async () => (await noWorkerQueues()).includes(QueueName.REPORT_GENERATION), { message: 'QUEUE_NO_WORKER for report-generation' });
  });
});
