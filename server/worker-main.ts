import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { emptyScheduleSource } from './queue/job-scheduler.ts';
import { defaultProcessors } from './queue/processors/index.ts';
import { handleShutdownSignals, startRuntime } from './runtime.ts';
import { runMain } from './run-main.ts';

/** `npm run worker`: workers + scheduler alone, for scaling out across processes and machines. */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const runtime = await startRuntime({
    config,
    log,
    processors: defaultProcessors(),
    scheduleSource: emptyScheduleSource,
    runWorkers: true,
    runScheduler: config.RUN_SCHEDULER,
  });
  handleShutdownSignals(() => runtime.stop(), log);
});
