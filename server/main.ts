import type { AddressInfo } from 'node:net';
import { bootSystem } from './boot.ts';
import { loadConfig } from './config.ts';
import { startDemoStandins } from './domain/demo/demo-standins.ts';
import { StandinDirectory } from './domain/sync/base-urls.ts';
import { webhookSecret } from './domain/sync/webhook-processing.ts';
import { buildHttp } from './http/build.ts';
import { secretsFromConfig } from './http/webhooks-route.ts';
import { createLogger } from './logger.ts';
import { handleShutdownSignals } from './runtime.ts';
import { runMain } from './run-main.ts';

/**
 * `npm start`: the HTTP server (API, webhooks, Bull Board, console) plus, unless `--no-workers` or
 * RUN_WORKERS=false, the workers and the scheduler in the same process (the product card's flag).
 * With the demo seeded it also runs the platforms' stand-in servers.
 */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const runWorkers = config.RUN_WORKERS && !process.argv.includes('--no-workers');
  const system = await bootSystem({ config, log, runWorkers, runScheduler: runWorkers && config.RUN_SCHEDULER });
  const { runtime, domain } = system;
  const standins = await startDemoStandins(domain.store, new StandinDirectory(runtime.connection, `${config.QUEUE_PREFIX}:standins`), log);

  const fallbackSecret = secretsFromConfig(config);
  const { app, services, admin } = buildHttp(runtime, config, log, {
    store: domain.store,
    workersExpected: runWorkers,
    webhookSecret: (platform, integrationId) => webhookSecret({ store: domain.store, fallbackSecret }, platform, integrationId),
  });
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
    void system.stop().finally(() => process.exit(1));
  });
  handleShutdownSignals(async () => {
    services.depth.stop();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await standins?.withdraw().catch(() => undefined);
    const result = await system.stop();
    await standins?.close();
    return result;
  }, log);
});
