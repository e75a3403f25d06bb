/**
 * The server of the outage spec (e2e/outage.spec.ts), separate from the shared e2e server because the spec stops
 * its Redis: `npm start`'s composition on OUTAGE_PORT over the spec's private redis-server (REDIS_URL), with the
 * real processors on every queue, no demo, no scheduler. The spec starts it, kills it (server unreachable) and
 * starts it again; it writes "outage server ready" once it listens.
 */
import { compose } from '../server/app/compose.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { handleShutdownSignals } from '../server/runtime.ts';
import { E2E } from './credentials.ts';

const config = loadConfig({
  REDIS_URL: process.env.REDIS_URL,
  DATA_DIR: process.env.DATA_DIR,
  QUEUE_PREFIX: 'bje2e-outage',
  ADMIN_PASSWORD: E2E.adminPassword,
  PORT: process.env.OUTAGE_PORT,
  HOST: '127.0.0.1',
  WORKER_STATS_INTERVAL_MS: '0',
  LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
});
const log = createLogger(config.LOG_LEVEL, false);
const system = await compose({ config, log, http: true, runWorkers: true, runScheduler: false, demo: false });
await system.listen(config.PORT, config.HOST);
console.log(`outage server ready on http://127.0.0.1:${config.PORT}`);
handleShutdownSignals(() => system.stop(), log);
