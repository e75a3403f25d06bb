import { compose } from './app/compose.ts';
import { loadConfig, loadEnvFile } from './config.ts';
import { createLogger } from './logger.ts';
import { handleShutdownSignals } from './runtime.ts';
import { runMain } from './run-main.ts';

/** `npm run worker`: workers + scheduler alone, for scaling out across processes and machines. */
runMain(async () => {
  loadEnvFile();
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  // demo: resolves the seeded demo integrations' stand-ins, which `npm start` runs and publishes in Redis.
  const system = await compose({ config, log, http: false, runWorkers: true, runScheduler: config.RUN_SCHEDULER, demo: config.NODE_ENV !== 'production' });
  handleShutdownSignals(() => system.stop(), log);
});
