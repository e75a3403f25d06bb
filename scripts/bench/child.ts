// A child process of `npm run bench`, one role each (ChildRole): a worker drain, a webhook server, the Redis
// stall probe, a latency run, the bulk scenario's busy worker or a scale-out worker. Drains and servers run
// in a fresh process each, so one side's heap and JIT state never leak into the other's figures. Both sides
// import the same modules, so their memory baselines match.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import { compressResponses } from '../../server/http/console-files.ts';
import { requestId } from '../../server/http/middleware/request-id.ts';
import { requestLog } from '../../server/http/middleware/request-log.ts';
import { httpMetrics } from '../../server/observability/http-metrics.ts';
import { createMetrics } from '../../server/observability/prometheus.ts';
import { securityHeaders } from '../../server/http/middleware/security-headers.ts';
import { webhookRoutes } from '../../server/http/webhooks-route.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { createWorkerRuntime, type WorkerRuntime } from '../../server/queue/worker.ts';
import type { Redis } from '../../server/redis.ts';
import {
  ALERTS,
  ALERT_JOB_NAME,
  SHOPIFY_SECRET,
  WEBHOOKS,
  alertPayload,
  connect,
  disconnect,
  forceGc,
  nullLogger,
  policyJobOptions,
  sleep,
  type ChildMessage,
  type ChildRole,
  type DrainResult,
  type ParentMessage,
} from './shared.ts';

export interface ChildArgs {
  role: ChildRole;
  url: string;
  prefix: string;
  /** Jobs to drain (drain roles). */
  n?: number;
  concurrency?: number;
}

const send = (msg: ChildMessage) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));
const stopRequested = () => new Promise<void>((resolve) => process.on('message', (m) => m === 'stop' && resolve()));

// The parent's commands in order, for the roles that take more than 'stop'.
const inbox: ParentMessage[] = [];
let wake: (() => void) | undefined;
process.on('message', (m: ParentMessage) => {
  inbox.push(m);
  wake?.();
});
async function nextCommand(): Promise<ParentMessage> {
  while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  return inbox.shift()!;
}
const epochNow = () => performance.timeOrigin + performance.now();

/** Our worker runtime with a no-op alerts processor (the other five queues get no Worker). */
const noopRuntime = (connection: Redis, prefix: string, concurrency: number): WorkerRuntime =>
  createWorkerRuntime({ connection, prefix, processors: { alerts: async () => {} }, log: nullLogger(), concurrency: { alerts: concurrency } });

async function drain(args: ChildArgs): Promise<DrainResult> {
  const n = args.n ?? 0;
  const concurrency = args.concurrency ?? 10;
  const connection = await connect(args.url, `bench-${args.role}`);
  forceGc();
  const mem0 = process.memoryUsage();
  const baseline = { rss: mem0.rss, heapUsed: mem0.heapUsed };
  const peak = { ...baseline };
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak.rss = m.rss;
    if (m.heapUsed > peak.heapUsed) peak.heapUsed = m.heapUsed;
  };
  const sampler = setInterval(sample, 20);
  const cpu0 = process.cpuUsage();

  let worker: Worker;
  let runtime: WorkerRuntime | undefined;
  if (args.role === 'drain-plain') {
    worker = new Worker(ALERTS, async () => {}, { connection, prefix: args.prefix, concurrency });
  } else {
    runtime = noopRuntime(connection, args.prefix, concurrency);
    worker = runtime.workers.get(ALERTS)!;
  }

  let completed = 0;
  let failed = 0;
  let first = 0;
  let last = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (first === 0) first = now;
      last = now;
      if (completed + failed >= n) resolve();
    };
    worker.on('completed', () => {
      completed++;
      tick();
    });
    worker.on('failed', () => {
      failed++;
      tick();
    });
  });
  sample();
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);

  if (runtime) await runtime.close(5_000);
  else await worker.close();
  await disconnect(connection);
  return { kind: 'drain', completed, failed, ms: last - first, baseline, peak, cpuMicros: cpu.user + cpu.system };
}

async function webhookServer(args: ChildArgs): Promise<void> {
  const connection = await connect(args.url, `bench-${args.role}`);
  const log = nullLogger();
  const app = express();
  let close: () => Promise<unknown>;

  if (args.role === 'hook-plain') {
    // The bare route: read the body, enqueue the same job the real route stores, answer. No
    // signature check, no validation.
    const queue = new Queue(WEBHOOKS, { connection, prefix: args.prefix, defaultJobOptions: policyJobOptions(WEBHOOKS) });
    await queue.waitUntilReady();
    app.post('/api/webhooks/:platform', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
      const platform = String(req.params.platform);
      const raw = req.body as Buffer;
      const eventType = String(req.headers['x-shopify-topic']);
      const eventId = String(req.headers['x-shopify-webhook-id']);
      const job = await queue.add(
        `${platform}:${eventType}`,
        {
          platform,
          eventType,
          payload: JSON.parse(raw.toString('utf8')),
          signature: String(req.headers['x-shopify-hmac-sha256']),
          eventId,
          rawBody: raw.toString('utf8'),
        },
        { jobId: `${platform}-${eventId}` },
      );
      res.json({ received: true, jobId: job.id });
    });
    close = () => queue.close();
  } else {
    const queueService = new QueueService({ connection, prefix: args.prefix, log });
    await queueService.queue(WEBHOOKS).waitUntilReady();
    if (args.role === 'hook-ours-app') {
      // What createApp (server/http/app.ts) puts in front of the webhook router, in its order.
      app.disable('x-powered-by');
      app.use(requestId(log));
      app.use(securityHeaders());
      app.use(compressResponses());
      app.use(httpMetrics(createMetrics({})));
      app.use(requestLog(log));
    }
    app.use('/api/webhooks', webhookRoutes({ queueService, secretFor: () => SHOPIFY_SECRET, bodyLimit: '1mb', log }));
    close = () => queueService.close();
  }

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 60_000;
  const stop = stopRequested();
  await send({ kind: 'listening', port: (server.address() as AddressInfo).port });
  await stop;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await close();
  await disconnect(connection);
}

/**
 * PINGs Redis every ~1 ms on its own connection and reports the slowest answer (a Redis stall): at 'stop',
 * and at each 'mark', which starts a new window. A 1 ms pause rather than none: a stall of tens of ms cannot
 * hide in it, and a tight PING loop would take a whole core of this 2-core machine from what it measures.
 */
async function probe(args: ChildArgs): Promise<void> {
  const connection = await connect(args.url, 'bench-probe');
  let stopping = false;
  let maxMs = 0;
  let samples = 0;
  process.on('message', (m: ParentMessage) => {
    if (m === 'stop') stopping = true;
    else if (m === 'mark') {
      void send({ kind: 'probe', maxMs, samples });
      maxMs = 0;
      samples = 0;
    }
  });
  // A BUSY reply (a script running past lua-time-limit) is still a stall: ask again until Redis answers.
  const ping = async () => {
    for (;;) {
      try {
        return await connection.ping();
      } catch (err) {
        if (stopping) throw err;
        await sleep(1);
      }
    }
  };
  await send({ kind: 'listening', port: 0 });
  while (!stopping) {
    const t0 = performance.now();
    await ping();
    maxMs = Math.max(maxMs, performance.now() - t0);
    samples++;
    await sleep(1);
  }
  await send({ kind: 'probe', maxMs, samples });
  await disconnect(connection);
}

/**
 * One job at a time: add, wait for the worker's 'completed' event in this same process, think, repeat.
 * Each {cmd: 'run'} answers with the add → completed times of its jobs.
 */
async function latency(args: ChildArgs): Promise<void> {
  const connection = await connect(args.url, `bench-${args.role}`);
  const concurrency = args.concurrency ?? 5;
  let add: (i: number) => Promise<unknown>;
  let worker: Worker;
  let close: () => Promise<unknown>;
  if (args.role === 'latency-plain') {
    const queue = new Queue(ALERTS, { connection, prefix: args.prefix, defaultJobOptions: policyJobOptions(ALERTS) });
    await queue.waitUntilReady();
    worker = new Worker(ALERTS, async () => {}, { connection, prefix: args.prefix, concurrency });
    add = (i) => queue.add(ALERT_JOB_NAME, alertPayload(i));
    close = async () => {
      await worker.close();
      await queue.close();
    };
  } else {
    const service = new QueueService({ connection, prefix: args.prefix });
    await service.queue(ALERTS).waitUntilReady();
    const runtime = noopRuntime(connection, args.prefix, concurrency);
    worker = runtime.workers.get(ALERTS)!;
    add = (i) => service.addJob(ALERTS, alertPayload(i));
    close = async () => {
      await runtime.close(5_000);
      await service.close();
    };
  }
  await worker.waitUntilReady();
  let finished: ((err?: Error) => void) | undefined;
  worker.on('completed', () => finished?.());
  worker.on('failed', (_job, err) => finished?.(err));
  await send({ kind: 'listening', port: 0 });

  let next = 0;
  for (;;) {
    const cmd = await nextCommand();
    if (cmd === 'stop') break;
    if (cmd === 'mark') continue;
    const samples: number[] = [];
    for (let k = 0; k < cmd.n; k++) {
      const done = new Promise<void>((resolve, reject) => (finished = (err) => (err ? reject(err) : resolve())));
      const t0 = performance.now();
      await add(next++);
      await done;
      samples.push(performance.now() - t0);
      await sleep(cmd.thinkMs);
    }
    await send({ kind: 'latency', samples });
  }
  await close();
  await disconnect(connection);
}

/**
 * Our runtime completing no-op alert jobs on a queue of its own while the parent runs bulk actions on
 * another. A producer keeps its backlog at ~BACKLOG (1,000 more per 1,000 done), so it never runs dry;
 * each 'mark' answers with the completions so far.
 */
async function busyWorker(args: ChildArgs): Promise<void> {
  const BACKLOG = 5_000;
  const BATCH = 1_000;
  const connection = await connect(args.url, 'bench-busy-worker');
  const feeder = new Queue(ALERTS, { connection, prefix: args.prefix, defaultJobOptions: policyJobOptions(ALERTS) });
  const addBatch = (from: number) => feeder.addBulk(Array.from({ length: BATCH }, (_, k) => ({ name: ALERT_JOB_NAME, data: alertPayload(from + k) })));
  for (let i = 0; i < BACKLOG; i += BATCH) await addBatch(i);
  const runtime = noopRuntime(connection, args.prefix, args.concurrency ?? 5);
  let completed = 0;
  runtime.workers.get(ALERTS)!.on('completed', () => {
    completed++;
    if (completed % BATCH === 0) void addBatch(BACKLOG + completed).catch(() => {});
  });
  await runtime.ready();
  await send({ kind: 'listening', port: 0 });
  for (;;) {
    const cmd = await nextCommand();
    if (cmd === 'stop') break;
    if (cmd === 'mark') await send({ kind: 'mark', completed, at: epochNow() });
  }
  await runtime.close(5_000);
  await feeder.close();
  await disconnect(connection);
}

/**
 * One of the scale-out processes: our runtime on the shared queue until 'stop'. A 'mark' (after the warm-up
 * jobs) zeroes its count and CPU time; 'stop' answers with them and the time of its last completion.
 */
async function scaleWorker(args: ChildArgs): Promise<void> {
  const connection = await connect(args.url, 'bench-scale-worker');
  const runtime = noopRuntime(connection, args.prefix, args.concurrency ?? 10);
  let completed = 0;
  let lastAt = 0;
  runtime.workers.get(ALERTS)!.on('completed', () => {
    completed++;
    lastAt = epochNow();
  });
  await runtime.ready();
  let cpu0 = process.cpuUsage();
  await send({ kind: 'listening', port: 0 });
  for (;;) {
    const cmd = await nextCommand();
    if (cmd === 'stop') break;
    if (cmd !== 'mark') continue;
    completed = 0;
    cpu0 = process.cpuUsage();
    await send({ kind: 'mark', completed, at: epochNow() });
  }
  const cpu = process.cpuUsage(cpu0);
  await runtime.close(5_000);
  await disconnect(connection);
  await send({ kind: 'scale', completed, lastAt, cpuMicros: cpu.user + cpu.system });
}

// An orphan (the parent died) stops at once rather than retrying its Redis forever.
process.on('disconnect', () => process.exit(1));

async function main() {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  const role: ChildRole = args.role;
  if (role === 'drain-plain' || role === 'drain-ours') await send(await drain(args));
  else if (role === 'probe') await probe(args);
  else if (role === 'latency-plain' || role === 'latency-ours') await latency(args);
  else if (role === 'busy-worker') await busyWorker(args);
  else if (role === 'scale-worker') await scaleWorker(args);
  else await webhookServer(args);
}

main().then(
  () => process.exit(0),
  async (err: Error) => {
    await send({ kind: 'error', message: err.stack ?? err.message }).catch(() => {});
    process.exit(1);
  },
);
