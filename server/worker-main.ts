import { bootSystem } from './boot.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { handleShutdownSignals } from './runtime.ts';
import { runMain } from './run-main.ts';

/** `npm run worker`: workers + scheduler alone, for scaling out across processes and machines. */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const system = await bootSystem({ config, log, runWorkers: true, runScheduler: config.RUN_SCHEDULER });
  handleShutdownSignals(() => system.stop(), log);
});
