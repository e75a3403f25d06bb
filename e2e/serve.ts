/**
 * The server the browser tests drive: `npm start`'s composition (server/app/compose.ts) on E2E_PORT,
 * over a real Redis (TEST_REDIS_URL / REDIS_URL, else 127.0.0.1:6379 when it answers, else a private
 * redis-server) under a fresh prefix and a SQLite store of its own, with known passwords, the demo
 * organization seeded on the stand-in servers, and one test hook: an `alerts` job whose message
 * contains "fail" fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { compose } from '../server/app/compose.ts';
import { loadConfig } from '../server/config.ts';
import { seedDemo } from '../server/demo/seed-demo.ts';
import { pingRedis, startRedisServer } from '../server/embedded-redis.ts';
import { createLogger } from '../server/logger.ts';
import { createRedisConnection } from '../server/redis.ts';
import { handleShutdownSignals } from '../server/runtime.ts';
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
  HOST: '127.0.0.1',
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
const system = await compose({
  config,
  log,
  http: true,
  // E2E_WORKERS=off: a second server with no worker at all (e2e/triage.spec.ts starts one for "No workers").
  runWorkers: process.env.E2E_WORKERS !== 'off',
  runScheduler: true,
  demo: true,
  overrides: {
    // The real processors; alerts whose message says "fail" fail on purpose (the failed-job specs).
    processors: (registry) => ({
      ...registry,
      alerts: async (data, ctx) => {
        await ctx.addLog(`checking alert ${data.alertType}`);
        if (data.message.includes('fail')) throw new Error(`Alert delivery failed: ${data.message}`);
        await ctx.progress(100);
        return registry.alerts!(data, ctx);
      },
    }),
    // The demo organization, so insights, reports and emails have data to show.
    beforeWorkers: async ({ domain }) => {
      await seedDemo(domain.store);
    },
  },
});
await system.listen(config.PORT, config.HOST);
console.log(`e2e server on http://127.0.0.1:${port} (redis ${redisUrl}, prefix ${prefix})`);

handleShutdownSignals(async () => {
  await system.stop();
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
