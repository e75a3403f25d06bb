import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDomain, type Domain } from '../../server/domain/domain.ts';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { buildHttp } from '../../server/http/build.ts';
import { QueueName, jobScheduler, queueService } from '../../server/queue/index.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import { startRuntime, type Runtime } from '../../server/runtime.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { silentLogger } from '../helpers/silent-logger.ts';

const prefix = testPrefix('rt');
let runtime: Runtime;
let domain: Domain;
let server: Server;
let base: string;
const processed: unknown[] = [];

beforeAll(async () => {
  const config = loadConfig({
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix,
    WORKER_STATS_INTERVAL_MS: '0',
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'bj-rt-')),
    ADMIN_PASSWORD: 'test-admin-password',
  });
  runtime = await startRuntime({
    config,
    log: silentLogger,
    processors: {
      alerts: async (data, ctx) => {
        processed.push(data);
        await ctx.progress(100);
        return { stored: data.alertType };
      },
    },
    scheduleSource: emptyScheduleSource,
    runWorkers: true,
    runScheduler: true,
  });
  domain = await openDomain(config);
  server = buildHttp(runtime, config, silentLogger, { store: domain.store, workersExpected: true, sampleDepth: false }).app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await runtime.stop();
  await domain.close();
  const c = connect();
  await removeKeys(c, prefix);
  await c.quit();
});

describe('the running system', () => {
  it('serves the guide examples through the queueService singleton: waiting → active → completed', async () => {
    const job = await queueService.addJob(QueueName.ALERTS, {
      organizationId: '456',
      alertType: 'DATA_ANOMALY',
      severity: 'HIGH',
      message: 'Revenue dropped 50% from yesterday',
      metadata: { metric: 'revenue', change: -50 },
    });
    const id = String(job.id);
    const done = await waitFor(async () => {
      const j = await queueService.getJob(QueueName.ALERTS, id);
      return (await j?.getState()) === 'completed' ? j : undefined;
    });
    expect(done.returnvalue).toEqual({ stored: 'DATA_ANOMALY' });
    expect(done.progress).toBe(100);
    expect(processed).toHaveLength(1);
    expect((await queueService.getQueueStats(QueueName.ALERTS)).completed).toBe(1);
  });

  it('queues jobs for a queue that has no processor yet, without touching them', async () => {
    await queueService.addJob(QueueName.INSIGHTS_GENERATION, { organizationId: '456', period: '30d', forceRegenerate: true });
    // The workers are live: an alert added after it is taken and completed meanwhile.
    const later = await queueService.addJob(QueueName.ALERTS, {
      organizationId: '456',
      alertType: 'SYNC_FAILED',
      severity: 'LOW',
      message: 'later',
      metadata: {},
    });
    await waitFor(async () => (await (await queueService.getJob(QueueName.ALERTS, String(later.id)))?.getState()) === 'completed');
    expect(await queueService.getQueueStats(QueueName.INSIGHTS_GENERATION)).toMatchObject({ waiting: 1, active: 0 });
    expect([...runtime.workers!.workers.keys()]).toEqual(['alerts']);
  });

  it('schedules immediate insights through the jobScheduler singleton', async () => {
    const job = await jobScheduler.scheduleImmediateInsights('org-9', '7d');
    expect(job.data).toEqual({ organizationId: 'org-9', period: '7d', forceRegenerate: true });
    await expect(jobScheduler.scheduleImmediateSync('no-such-integration')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers /healthz with Redis and worker state', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', redis: 'up', workers: { alerts: true } });
  });
});
