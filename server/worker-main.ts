import { compose, type System } from './app/compose.ts';
import { loadConfig, loadEnvFile } from './config.ts';
import { createWorkerHttp, type WorkerHttp } from './http/worker-http.ts';
import { createLogger } from './logger.ts';
import { metricsHandler } from './observability/metrics-route.ts';
import { handleShutdownSignals } from './runtime.ts';
import { runMain } from './run-main.ts';

/** `npm run worker`: workers + scheduler alone, for scaling out across processes and machines. */
runMain(async () => {
  loadEnvFile();
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);

  // Probes on WORKER_HTTP_PORT are served from the start: while compose() waits for Redis or migrates the
  // store, /livez says the process lives and /readyz says it is starting. Ready needs compose() to have returned.
  let system: System | undefined;
  let probes: WorkerHttp | undefined;
  if (config.WORKER_HTTP_PORT !== undefined) {
    probes = createWorkerHttp({
      health: () => system && { connection: system.runtime.connection, workers: system.runtime.workers, workersExpected: true },
    });
    try {
      const port = await probes.listen(config.WORKER_HTTP_PORT, config.HOST);
      log.info({ port }, `Worker probes on port ${port}: /livez, /readyz, /healthz`);
    } catch (err) {
      log.fatal({ err: (err as Error).message }, `Cannot listen on WORKER_HTTP_PORT ${config.WORKER_HTTP_PORT}`);
      log.flush?.();
      process.exit(1);
    }
  }

  // demo: resolves the seeded demo integrations' stand-ins, which `npm start` runs and publishes in Redis.
  const composing = compose({ config, log, http: false, runWorkers: true, runScheduler: config.RUN_SCHEDULER, demo: config.NODE_ENV !== 'production' });
  // Signals are handled before compose() returns: its heartbeat already lists this worker as live, so a
  // SIGTERM then must still wait for it and stop gracefully (probes first, so routing stops before the drain).
  handleShutdownSignals(async () => {
    await probes?.close();
    const started = await composing.catch(() => undefined);
    await started?.stop();
  }, log);
  const composed = await composing;
  system = composed;
  if (probes) {
    probes.routes.get('/metrics', metricsHandler(composed.metrics, { token: config.METRICS_TOKEN, apiAuth: false }));
    if (!config.METRICS_TOKEN) log.warn('WORKER_HTTP_PORT is set without METRICS_TOKEN: /metrics on this worker answers 403 until it is set');
  }
});
