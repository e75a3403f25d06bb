/**
 * The server the browser tests drive: the real app (npm start's code path) on E2E_PORT, over a real
 * Redis (TEST_REDIS_URL / REDIS_URL, else 127.0.0.1:6379 when it answers, else a private
 * redis-server) under a fresh prefix, with known passwords and test processors on two queues:
 * `alerts` fails when the message contains "fail" and completes otherwise; `email-sending` completes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../server/config.ts';
import { pingRedis, startRedisServer } from '../server/embedded-redis.ts';
import { buildHttp } from '../server/http/build.ts';
import { openDomain } from '../server/domain/domain.ts';
import { createLogger } from '../server/logger.ts';
import { emptyScheduleSource } from '../server/queue/job-scheduler.ts';
import { handleShutdownSignals, startRuntime } from '../server/runtime.ts';
import { createRedisConnection } from '../server/redis.ts';
import { E2E } from './credentials.ts';

const port = Number(process.env.E2E_PORT ?? 3999);
let redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
let stopRedis = async () => {};
if (!redisUrl && (await pingRedis('127.0.0.1', 6379))) redisUrl = 'redis://127.0.0.1:6379';
if (!redisUrl) {
  const server = await startRedisServer({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'bj-e2e-redis-')), args: ['--appendonly', 'no'] });
  redisUrl = server.url;
  stopRedis = server.stop;
}
const prefix = `bje2e-${randomUUID().slice(0, 8)}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bj-e2e-data-'));
const config = loadConfig({
  ...process.env,
  PORT: String(port),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  DATA_DIR: dataDir,
  ADMIN_PASSWORD: E2E.adminPassword,
  VIEWER_PASSWORD: E2E.viewerPassword,
  API_TOKEN: E2E.apiToken,
  WORKER_STATS_INTERVAL_MS: '0',
  LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
});
const log = createLogger(config.LOG_LEVEL, false);
const runtime = await startRuntime({
  config,
  log,
  processors: {
    alerts: async (data, ctx) => {
      await ctx.addLog(`checking alert ${data.alertType}`);
      if (data.message.includes('fail')) throw new Error(`Alert delivery failed: ${data.message}`);
      await ctx.progress(100);
      return { delivered: true };
    },
    'email-sending': async (data) => ({ accepted: Array.isArray(data.to) ? data.to : [data.to] }),
  },
  scheduleSource: emptyScheduleSource,
  runWorkers: true,
  runScheduler: false,
});
const domain = await openDomain(config, log);
const { app, services } = buildHttp(runtime, config, log, { store: domain.store, workersExpected: true });
const server = app.listen(port, '127.0.0.1', () => console.log(`e2e server on http://127.0.0.1:${port} (redis ${redisUrl}, prefix ${prefix})`));

handleShutdownSignals(async () => {
  services.depth.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await runtime.stop();
  await domain.close();
  // Leave nothing behind on a shared Redis.
  const c = createRedisConnection(redisUrl!);
  let cursor = '0';
  do {
    const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await c.unlink(...keys);
  } while (cursor !== '0');
  await c.quit();
  await stopRedis();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, log);
