import path from 'node:path';
import { compose } from './app/compose.ts';
import { loadConfig, loadEnvFile } from './config.ts';
import { createLogger } from './logger.ts';
import { handleShutdownSignals } from './runtime.ts';
import { runMain } from './run-main.ts';

/**
 * `npm start`: the HTTP server (API, webhooks, Bull Board, console) plus, unless `--no-workers` or
 * RUN_WORKERS=false, the workers and the scheduler in the same process (the product card's flag).
 * With the demo seeded it also runs the platforms' stand-in servers.
 */
runMain(async () => {
  loadEnvFile();
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const runWorkers = config.RUN_WORKERS && !process.argv.includes('--no-workers');
  // Compiled (dist/server/main.js) the console is beside it in dist/client; from source (tsx), in dist/client.
  const clientDir = path.resolve(import.meta.dirname, import.meta.filename.endsWith('.js') ? '../client' : '../dist/client');
  const composing = compose({
    config,
    log,
    clientDir,
    http: true,
    runWorkers,
    runScheduler: runWorkers && config.RUN_SCHEDULER,
    demo: config.NODE_ENV !== 'production',
  });
  // Handled before compose() returns, so a signal during start-up still stops what was started.
  handleShutdownSignals(async () => (await composing.catch(() => undefined))?.stop(), log);
  const system = await composing;
  try {
    const { port } = await system.listen(config.PORT, config.HOST);
    const url = `http://localhost:${port}`;
    log.info({ port }, `Console and API on ${url} (Bull Board at ${url}/admin/queues)`);
    const generated = system.http?.admin.generated;
    // Printed once: only its hash is kept (DATA_DIR/secrets); set ADMIN_PASSWORD to choose your own.
    if (generated) log.warn(`Sign in at ${url} as "admin" (or ${config.ADMIN_EMAIL}) with the generated password: ${generated}`);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, `Cannot listen on port ${config.PORT}`);
    await system.stop().catch(() => undefined);
    process.exit(1);
  }
});
