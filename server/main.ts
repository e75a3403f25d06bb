import type { AddressInfo } from 'node:net';
import { loadConfig } from './config.ts';
import { createApp } from './http/app.ts';
import { createLogger } from './logger.ts';
import { emptyScheduleSource } from './queue/job-scheduler.ts';
import { defaultProcessors } from './queue/processors/index.ts';
import { handleShutdownSignals, startRuntime } from './runtime.ts';
import { runMain } from './run-main.ts';

/**
 * `npm start`: HTTP server plus, unless `--no-workers` or RUN_WORKERS=false, the workers and the
 * scheduler in the same process (the product card's flag).
 */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const runWorkers = config.RUN_WORKERS && !process.argv.includes('--no-workers');
  const runtime = await startRuntime({
    config,
    log,
    processors: defaultProcessors(),
    scheduleSource: emptyScheduleSource,
    runWorkers,
    runScheduler: runWorkers && config.RUN_SCHEDULER,
  });
  const app = createApp({ runtime, workersExpected: runWorkers });
  const server = app.listen(config.PORT, config.HOST, () => {
    const { port } = server.address() as AddressInfo;
    log.info({ port }, `HTTP server listening on http://localhost:${port}`);
  });
  server.on('error', (err) => {
    log.fatal({ err: err.message }, `Cannot listen on port ${config.PORT}`);
    void runtime.stop().finally(() => process.exit(1));
  });
  handleShutdownSignals(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return runtime.stop();
  }, log);
});
