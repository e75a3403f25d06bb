/**
 * The system on a real 3-master Redis Cluster (ioredis' Cluster client, started by the test): the queue
 * service's operations, a worker drain, the scheduler, the cache, and the whole app composed from
 * REDIS_CLUSTER_NODES answering the console's and the guide's APIs and Bull Board.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertJobData } from '../../shared/jobs.ts';
import { QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { compose, type System } from '../../server/app/compose.ts';
import { createCache } from '../../server/cache.ts';
import { loadConfig } from '../../server/config.ts';
import { JobScheduler, type ScheduleSource } from '../../server/queue/job-scheduler.ts';
import { queueKeyPrefix } from '../../server/queue/key-prefix.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { createWorkerRuntime } from '../../server/queue/worker.ts';
import { createRedisConnection, isCluster, scanKeys, type Redis } from '../../server/redis.ts';
import { startLocalCluster, type LocalCluster } from '../helpers/redis-cluster.ts';
import { testPrefix } from '../helpers/redis.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

const alert = (n: number): AlertJobData => ({ organizationId: `org-${n}`, alertType: 'DATA_ANOMALY', severity: 'HIGH', message: `drop ${n}`, metadata: { n } });

let cluster: LocalCluster;
let connection: Redis;

beforeAll(async () => {
  cluster = await startLocalCluster();
  connection = createRedisConnection({ cluster: cluster.nodes }, { name: 'cluster-test' });
}, 60_000);

afterAll(async () => {
  await connection?.quit();
  await cluster?.stop();
});

/** Which masters hold at least one key matching the pattern. */
async function mastersHolding(match: string): Promise<number> {
  if (!isCluster(connection)) throw new Error('not a cluster');
  let holding = 0;
  for (const node of connection.nodes('master')) {
    const [, keys] = await node.scan('0', 'MATCH', match, 'COUNT', 10_000);
    if (keys.length) holding++;
  }
  return holding;
}

describe('the queue service on Redis Cluster', () => {
  it('gives each queue its own hash tag, and the six queues spread over more than one master', async () => {
    const prefix = testPrefix('cl');
    const svc = new QueueService({ connection, prefix });
    try {
      expect(queueKeyPrefix(prefix, 'alerts', true)).toBe(`{${prefix}:alerts}`);
      expect(queueKeyPrefix('{one}', 'alerts', true)).toBe('{one}');
      expect(queueKeyPrefix(prefix, 'alerts', false)).toBe(prefix);
      await svc.addJob(QueueName.ALERTS, alert(1));
      await svc.addJob(QueueName.EMAIL_SENDING, { to: 'a@example.com', subject: 'Hello', template: 'welcome', data: { name: 'A' } });
      await svc.addJob(QueueName.DATA_SYNC, { integrationId: 'i', organizationId: 'o', platform: 'shopify', syncType: 'full' });
      await svc.addJob(QueueName.INSIGHTS_GENERATION, { organizationId: 'o', period: '30d' });
      await svc.addJob(QueueName.REPORT_GENERATION, { reportId: 'r', organizationId: 'o', reportType: 'weekly', period: '7d' });
      await svc.addJob(QueueName.WEBHOOK_PROCESSING, { platform: 'shopify', eventType: 'orders/create', payload: {}, signature: 's' });
      expect((await svc.getOverview()).totals.waiting).toBe(6);
      expect(await mastersHolding(`{${prefix}:*`)).toBeGreaterThan(1);
    } finally {
      await svc.close();
    }
  });

  it('adds, counts, fails, retries, promotes, cleans, pauses and empties, as on one Redis', async () => {
    const prefix = testPrefix('cl');
    const svc = new QueueService({ connection, prefix });
    try {
      const added = await svc.addJobs(
        QueueName.ALERTS,
        [0, 1, 2, 3, 4].map((n) => ({ data: alert(n), opts: { attempts: 1 } })),
      );
      expect(added).toHaveLength(5);
      await svc.addJob(QueueName.ALERTS, alert(9), { delay: 60_000 });
      expect(await svc.getQueueStats(QueueName.ALERTS)).toMatchObject({ waiting: 5, delayed: 1 });

      // A worker that fails every job.
      const workers = createWorkerRuntime({
        connection,
        prefix,
        log: silentLogger,
        processors: {
          alerts: async () => {
            throw new Error('boom');
          },
        },
      });
      await workers.ready();
      await waitFor(async () => (await svc.getQueueStats(QueueName.ALERTS)).failed === 5);
      await workers.close(5_000);
      const failed = await svc.getFailedJobs(QueueName.ALERTS);
      expect(failed).toHaveLength(5);
      expect(failed[0].failedReason).toBe('boom');

      await svc.retryFailedJob(QueueName.ALERTS, failed[0].id);
      expect(await svc.getQueueStats(QueueName.ALERTS)).toMatchObject({ waiting: 1, failed: 4 });
      expect(await svc.retryAllFailedJobs(QueueName.ALERTS)).toBe(4);
      expect(await svc.getQueueStats(QueueName.ALERTS)).toMatchObject({ waiting: 5, failed: 0 });
      expect(await svc.promoteAllDelayed(QueueName.ALERTS)).toBe(1);

      await svc.pauseQueue(QueueName.ALERTS);
      expect(await svc.getQueueStats(QueueName.ALERTS)).toMatchObject({ waiting: 0, paused: 6 });
      await svc.resumeQueue(QueueName.ALERTS);
      expect(await svc.cleanQueue(QueueName.ALERTS, 0, 'waiting')).toBe(6);
      await svc.addJobs(
        QueueName.ALERTS,
        [1, 2].map((n) => ({ data: alert(n) })),
      );
      await svc.emptyQueue(QueueName.ALERTS);
      expect(await svc.getQueueStats(QueueName.ALERTS)).toMatchObject({ waiting: 0, delayed: 0, failed: 0 });

      await svc.addRecurringJob(
        QueueName.REPORT_GENERATION,
        'weekly',
        { reportId: 'recurring', organizationId: 'o', reportType: 'weekly', period: '7d' },
        '0 8 * * 1',
      );
      expect((await svc.listRecurringJobs(QueueName.REPORT_GENERATION)).map((r) => r.name)).toEqual(['weekly']);
      await svc.removeRecurringJob(QueueName.REPORT_GENERATION, 'weekly');
      expect(await svc.listRecurringJobs(QueueName.REPORT_GENERATION)).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('drains 500 jobs through the worker runtime', async () => {
    const prefix = testPrefix('cl');
    const svc = new QueueService({ connection, prefix });
    const seen = new Set<number>();
    const workers = createWorkerRuntime({
      connection,
      prefix,
      log: silentLogger,
      processors: {
        alerts: async (data) => {
          seen.add(data.metadata.n as number);
        },
      },
    });
    try {
      await workers.ready();
      // BullMQ finds workers with CLIENT LIST on every master (the health monitor's "no worker" check relies on it).
      expect(await svc.getWorkerCount(QueueName.ALERTS)).toBeGreaterThan(0);
      await svc.addJobs(
        QueueName.ALERTS,
        Array.from({ length: 500 }, (_, n) => ({ data: alert(n) })),
      );
      await waitFor(async () => (await svc.getQueueStats(QueueName.ALERTS)).completed === 500, { timeoutMs: 20_000 });
      expect(seen.size).toBe(500);
    } finally {
      await workers.close(5_000);
      await svc.close();
    }
  });

  it('keeps schedules with the scheduler: upserts, so a second run changes nothing', async () => {
    const prefix = testPrefix('cl');
    const svc = new QueueService({ connection, prefix });
    const source: ScheduleSource = {
      listIntegrations: async () => [
        { id: 'int-1', organizationId: 'org-1', platform: 'shopify', status: 'ACTIVE' },
        { id: 'int-2', organizationId: 'org-1', platform: 'stripe', status: 'ACTIVE' },
      ],
      listOrganizations: async () => [{ id: 'org-1' }],
      getIntegration: async (id) => (id === 'int-1' ? { id, organizationId: 'org-1', platform: 'shopify', status: 'ACTIVE' } : undefined),
    };
    const scheduler = new JobScheduler({ queueService: svc, source });
    try {
      expect((await scheduler.syncSchedules()).scheduled).toBe(3);
      const first = await svc.listRecurringJobs();
      await scheduler.syncSchedules();
      expect(await svc.listRecurringJobs()).toEqual(first);
      expect(first.map((s) => s.queue).sort()).toEqual(['data-sync', 'data-sync', 'insights-generation']);
      await scheduler.scheduleImmediateSync('int-1');
      expect((await svc.getQueueStats(QueueName.DATA_SYNC)).waiting).toBe(1);
    } finally {
      await svc.close();
    }
  });

  it('invalidates a cache prefix whose keys live on several masters', async () => {
    const prefix = testPrefix('cl');
    const cache = createCache(connection, `${prefix}:cache:`);
    for (let i = 0; i < 50; i++) await cache.set(`insights:org-${i}`, { i }, 60);
    expect(await mastersHolding(`${prefix}:cache:*`)).toBeGreaterThan(1);
    expect(await cache.invalidatePrefix('insights:')).toBe(50);
    let left = 0;
    for await (const keys of scanKeys(connection, `${prefix}:cache:*`)) left += keys.length;
    expect(left).toBe(0);
  });
});

describe('the whole app composed from REDIS_CLUSTER_NODES', () => {
  let system: System;
  let base: string;
  let dataDir: string;
  const token = 'cluster-admin-token';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bj-cluster-app-'));
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.spec,
      QUEUE_PREFIX: testPrefix('clapp'),
      DATA_DIR: dataDir,
      ADMIN_PASSWORD: 'cluster-admin-password',
      API_TOKEN: token,
      WORKER_STATS_INTERVAL_MS: '0',
      LOG_LEVEL: 'silent',
    });
    system = await compose({
      config,
      log: silentLogger,
      http: true,
      runWorkers: true,
      runScheduler: true,
      demo: false,
      overrides: { processors: (real) => ({ ...real, alerts: async () => ({ delivered: true }) }) },
    });
    const { port } = await system.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (p: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) => fetch(`${base}${p}`, { headers });

  it('runs on a Cluster connection and processes jobs added over REST-free paths', async () => {
    expect(isCluster(system.runtime.connection)).toBe(true);
    await system.runtime.queueService.addJob(QueueName.ALERTS, alert(1));
    await waitFor(async () => (await system.runtime.queueService.getQueueStats(QueueName.ALERTS)).completed === 1);
  });

  it('answers the guide’s REST API, the console’s tRPC overview, sign-in sessions and Bull Board', async () => {
    const monitoring = await (await get('/api/jobs/monitoring')).json();
    expect(monitoring.success).toBe(true);
    expect(Object.keys(monitoring.data.queues).sort()).toEqual([...QUEUE_NAMES].sort());

    const paused = await fetch(`${base}/api/jobs/email-sending?action=pause`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(paused.status).toBe(200);
    const overview = await (await get('/trpc/queues.overview')).json();
    expect(overview.result.data.queues.find((q: { name: string }) => q.name === 'email-sending').isPaused).toBe(true);
    await fetch(`${base}/api/jobs/email-sending?action=resume`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

    // A session lives in Redis: sign in, then use the cookie.
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'admin', password: 'cluster-admin-password' }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    expect((await (await get('/api/auth/me', { cookie })).json()).data.user).toMatchObject({ role: 'admin', via: 'session' });
    expect((await get('/api/jobs/alerts', { cookie })).status).toBe(200);

    const board = await get('/admin/queues/api/queues');
    expect(board.status).toBe(200);
    const boardBody = await board.json();
    expect(boardBody.queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
  });

  it('records the actions in the audit log kept in Redis', async () => {
    const audit = await (await get('/trpc/audit.list?input=%7B%7D')).json();
    const actions = audit.result.data.entries.map((e: { action: string; queue?: string }) => `${e.action} ${e.queue}`);
    expect(actions).toEqual(expect.arrayContaining(['queue.pause email-sending', 'queue.resume email-sending']));
  });
});
