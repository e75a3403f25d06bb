import { workerNameOf, type Config } from './config.ts';
import { resolveRedis, type RedisEndpoint } from './embedded-redis.ts';
import type { Logger } from './logger.ts';
import { bindQueues, unbindQueues } from './queue/index.ts';
import { JobScheduler, type ScheduleSource } from './queue/job-scheduler.ts';
import type { ProcessorRegistry } from './jobs/contract.ts';
import { QueueService } from './queue/queue-service.ts';
import { recordStalled } from './monitoring/stalled-counter.ts';
import { FailureRecorder } from './failures/failure-recorder.ts';
import { AttemptLog } from './job-history/attempt-log.ts';
import { JobTelemetry } from './observability/job-telemetry.ts';
import { formatStatsLine } from './queue/stats-line.ts';
import { createWorkerRuntime, type WorkerRuntime } from './queue/worker.ts';
import { createRedisConnection, describeTarget, evictionPolicy, isCluster, waitForReady, type Redis, type RedisTarget } from './redis.ts';
import { appVersion } from './lib/app-version.ts';
import { startHeartbeat, type Heartbeat } from './workers/heartbeat.ts';
import { telemetryFor, type Tracing } from './tracing/tracing.ts';

/** What processors may use of the runtime (queues to enqueue follow-ups, the shared Redis). */
export interface ProcessorServices {
  queueService: QueueService;
  connection: Redis;
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** The processors, or a factory for processors that enqueue follow-up jobs or use Redis. */
  processors: ProcessorRegistry | ((services: ProcessorServices) => ProcessorRegistry);
  scheduleSource: ScheduleSource;
  runWorkers: boolean;
  runScheduler: boolean;
  /** Runs once queues exist and before the workers start. */
  beforeWorkers?: (services: ProcessorServices) => Promise<void>;
  /** OpenTelemetry (server/tracing): spans for enqueue and processing; undefined when tracing is off. */
  tracing?: Tracing;
}

/** The Redis this process uses: a cluster from REDIS_CLUSTER_NODES, or one server (configured, local or embedded). */
export interface RuntimeRedis {
  target: RedisTarget;
  source: RedisEndpoint['source'];
  /** Stops an embedded server this process started; a no-op otherwise. */
  stop(): Promise<void>;
}

const endpointOf = (e: RedisEndpoint): RuntimeRedis => ({ target: { url: e.url }, source: e.source, stop: () => e.stop() });

export interface Runtime {
  redis: RuntimeRedis;
  /** The workers' and the queue service's connection: commands wait through a Redis outage and run once it is back. */
  connection: Redis;
  /**
   * The HTTP side's connection (createRequestConnection): a command fails at once while Redis is down and after
   * REQUEST_COMMAND_TIMEOUT_MS when it does not answer, so a request gets a 503 instead of waiting out the outage.
   */
  requestConnection: Redis;
  queueService: QueueService;
  jobScheduler: JobScheduler;
  workers?: WorkerRuntime;
  /** What this process's workers did (counters, latency histograms), when it runs workers. */
  telemetry?: JobTelemetry;
  /** Stops workers (within the shutdown deadline), queues, connections and an embedded Redis. */
  stop(): Promise<{ timedOut: boolean }>;
}

/**
 * Everything both entry points share: Redis (embedded when needed), the queue service, and, behind
 * their switches, the workers, the scheduler and the periodic stats line.
 */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, log } = opts;
  const redis: RuntimeRedis = config.REDIS_CLUSTER_NODES
    ? { target: { cluster: config.REDIS_CLUSTER_NODES, password: config.REDIS_PASSWORD, tls: config.REDIS_TLS }, source: 'configured', stop: async () => {} }
    : endpointOf(
        await resolveRedis({
          redisUrl: config.REDIS_URL,
          dataDir: config.dataDir,
          log,
          probeLocal: config.NODE_ENV !== 'production',
          allowEmbedded: config.EMBEDDED_REDIS ?? config.NODE_ENV !== 'production',
        }),
      );
  const connection = createRedisConnection(redis.target, { log, name: 'bizinsights' });
  await waitForRedis(connection, describeTarget(redis.target), log);

  const requestConnection = createRequestConnection(redis.target);
  await waitForRedis(requestConnection, describeTarget(redis.target), log);

  const policy = await evictionPolicy(connection).catch(() => undefined);
  if (policy && policy !== 'noeviction') {
    log.warn({ policy }, `Redis maxmemory-policy is "${policy}": under memory pressure it may evict queue keys and lose jobs; set it to noeviction`);
  }

  const queueService = new QueueService({ connection, prefix: config.QUEUE_PREFIX, log, tracing: telemetryFor(opts.tracing) });
  const jobScheduler = new JobScheduler({ queueService, source: opts.scheduleSource, log });
  bindQueues({ queueService, jobScheduler });

  await opts.beforeWorkers?.({ queueService, connection });
  let workers: WorkerRuntime | undefined;
  let telemetry: JobTelemetry | undefined;
  let heartbeat: Heartbeat | undefined;
  let statsTimer: NodeJS.Timeout | undefined;
  if (opts.runWorkers) {
    telemetry = new JobTelemetry({ connection, prefix: config.QUEUE_PREFIX, log });
    telemetry.start();
    // Error groups (server/failures): each job that failed for good, by cause, across processes; and the job's
    // attempt timeline (server/job-history): every failed attempt. Neither throws.
    const recordGroup = new FailureRecorder({ connection, prefix: config.QUEUE_PREFIX, log }).listener();
    const recordAttempt = new AttemptLog({ connection, prefix: config.QUEUE_PREFIX }).listener((e) =>
      log.debug({ err: e.message }, 'Could not record a failed attempt'),
    );
    workers = createWorkerRuntime({
      connection,
      prefix: config.QUEUE_PREFIX,
      processors: typeof opts.processors === 'function' ? opts.processors({ queueService, connection }) : opts.processors,
      log,
      lockDurationMs: config.LOCK_DURATION_MS,
      stalledIntervalMs: config.STALLED_INTERVAL_MS,
      name: workerNameOf(config),
      telemetry,
      tracing: telemetryFor(opts.tracing),
      // Counted in Redis per queue and minute: the health monitor's stalled-jobs condition, across processes.
      onStalled: (queue) => void recordStalled(connection, config.QUEUE_PREFIX, queue).catch(() => {}),
      onFailed: (queue, job, err, final) => {
        recordGroup(queue, job, err, final);
        recordAttempt(queue, job, err);
      },
    });
    await workers.ready();
    // Lists this process on the Workers page and counts it for the health monitor's no-worker check.
    heartbeat = startHeartbeat({ connection, prefix: config.QUEUE_PREFIX, name: workerNameOf(config), version: appVersion(), workers, log });
    const serving = [...workers.workers.keys()];
    log.info({ queues: serving, redis: describeTarget(redis.target), prefix: config.QUEUE_PREFIX }, 'Queue Worker is now running');
    if (serving.length === 0) log.warn('No processors are registered yet: jobs are queued and wait for a worker that has them');

    if (config.WORKER_STATS_INTERVAL_MS > 0) {
      const printStats = async () => {
        try {
          log.info(formatStatsLine(await queueService.getAllQueueStats()));
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'Could not read queue stats');
        }
      };
      void printStats();
      statsTimer = setInterval(printStats, config.WORKER_STATS_INTERVAL_MS);
      statsTimer.unref();
    }
  }
  if (opts.runScheduler) {
    await jobScheduler.syncSchedules();
    // A newcomer sees data at once: integrations that never synced get one full sync now.
    if (opts.runWorkers) await jobScheduler.scheduleFirstSyncs();
  }

  return {
    redis,
    connection,
    requestConnection,
    queueService,
    jobScheduler,
    workers,
    telemetry,
    async stop() {
      clearInterval(statsTimer);
      let timedOut = false;
      if (workers) {
        const active = workers.activeCount();
        if (active > 0) log.info({ active, deadlineMs: config.SHUTDOWN_TIMEOUT_MS }, 'Waiting for active jobs to finish');
        ({ timedOut } = await workers.close(config.SHUTDOWN_TIMEOUT_MS));
        if (timedOut) log.warn('Shutdown deadline passed: unfinished jobs were aborted and will be retried by another worker');
      }
      await telemetry?.stop();
      // After the drain (it beats on meanwhile), so a stopped worker leaves the Workers page at once.
      await heartbeat?.stop();
      unbindQueues();
      await queueService.close();
      await connection.quit().catch(() => connection.disconnect());
      await requestConnection.quit().catch(() => requestConnection.disconnect());
      await redis.stop();
      return { timedOut };
    },
  };
}

/** How long a request waits for one Redis command before it fails (and the API answers 503). */
export const REQUEST_COMMAND_TIMEOUT_MS = 1_000;

/**
 * A connection for request handlers. The runtime's connection has `maxRetriesPerRequest: null` (BullMQ's workers
 * need it), so its commands queue for as long as Redis is down; a request must not. This one has no offline queue
 * (a command while disconnected fails at once), a per-command timeout (a Redis that accepts but does not answer),
 * and does not replay a command cut off by a disconnect (its request already got its 503). It reconnects like the
 * others. No log: the runtime's connection already reports each outage and recovery once.
 */
function createRequestConnection(target: RedisTarget): Redis {
  const client = createRedisConnection(target, {
    name: 'bizinsights:requests',
    redis: { enableOfflineQueue: false, commandTimeout: REQUEST_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false },
  });
  // On a cluster those options reach each node; the cluster client keeps an offline queue of its own while it
  // (re)connects, read at each command, so it is switched off here.
  if (isCluster(client)) client.options.enableOfflineQueue = false;
  return client;
}

async function waitForRedis(connection: Redis, where: string, log: Logger): Promise<void> {
  try {
    await waitForReady(connection, 3_000);
  } catch {
    log.warn({ redis: where }, 'Waiting for Redis to answer…');
    await waitForReady(connection, 24 * 3600_000);
  }
}

/**
 * SIGTERM/SIGINT: stop taking jobs, let active ones finish within the deadline, exit 0.
 * A second signal exits at once.
 */
export function handleShutdownSignals(stop: () => Promise<unknown>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'Second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'Shutting down gracefully');
    stop().then(
      () => {
        log.info('Shutdown complete');
        log.flush?.();
        process.exit(0);
      },
      (err: Error) => {
        log.error({ err: err.message }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
