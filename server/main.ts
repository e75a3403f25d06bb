import type { AddressInfo } from 'node:net';
import { loadConfig } from './config.ts';
import { buildHttp } from './http/build.ts';
import { createLogger } from './logger.ts';
import { emptyScheduleSource } from './queue/job-scheduler.ts';
import { defaultProcessors } from './queue/processors/index.ts';
import { handleShutdownSignals, startRuntime } from './runtime.ts';
import { runMain } from './run-main.ts';

/**
 * `npm start`: the HTTP server (API, webhooks, Bull Board, console) plus, unless `--no-workers` or
 * RUN_WORKERS=false, the workers and the scheduler in the same process (the product card's flag).
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
  const { app, services, admin } = buildHttp(runtime, config, log, { workersExpected: runWorkers });
  const server = app.listen(config.PORT, config.HOST, () => {
    const { port } = server.address() as AddressInfo;
    const url = `http://localhost:${port}`;
    log.info({ port }, `Console and API on ${url} (Bull Board at ${url}/admin/queues)`);
    if (admin.generated) {
      // Printed once: only its hash is kept (DATA_DIR/secrets); set ADMIN_PASSWORD to choose your own.
      log.warn(`Sign in at ${url} as "admin" with the generated password: ${admin.generated}`);
    }
  });
  server.on('error', (err) => {
    log.fatal({ err: err.message }, `Cannot listen on port ${config.PORT}`);
    void runtime.stop().finally(() => process.exit(1));
  });
  handleShutdownSignals(async () => {
    services.depth.stop();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return runtime.stop();
  }, log);
});
