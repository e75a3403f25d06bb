// A child process of `npm run bench`: one worker drain, one webhook server, or a Redis stall probe.
// Drains and servers run in a fresh process each, so one side's heap and JIT state never leak into
// the other's figures. Both sides import the same modules, so their memory baselines match.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import { requestLog } from '../../server/http/middleware/request-log.ts';
import { securityHeaders } from '../../server/http/middleware/security-headers.ts';
import { webhookRoutes } from '../../server/http/webhooks-route.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { createWorkerRuntime, type WorkerRuntime } from '../../server/queue/worker.ts';
import { createRedisConnection, waitForReady, type Redis } from '../../server/redis.ts';
import { ALERTS, SHOPIFY_SECRET, WEBHOOKS, forceGc, nullLogger, policyJobOptions, type ChildMessage, type ChildRole, type DrainResult } from './shared.ts';

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

async function connect(url: string, name: string): Promise<Redis> {
  const connection = createRedisConnection(url, { name });
  await waitForReady(connection, 10_000);
  return connection;
}

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
    runtime = createWorkerRuntime({
      connection,
      prefix: args.prefix,
      processors: { alerts: async () => {} },
      log: nullLogger(),
      concurrency: { alerts: concurrency },
    });
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
  await connection.quit().catch(() => connection.disconnect());
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
        { platform, eventType, payload: JSON.parse(raw.toString('utf8')), signature: String(req.headers['x-shopify-hmac-sha256']), eventId, rawBody: raw.toString('utf8') },
        { jobId: `${platform}-${eventId}` },
      );
      res.json({ received: true, jobId: job.id });
    });
    close = () => queue.close();
  } else {
    const queueService = new QueueService({ connection, prefix: args.prefix, log });
    await queueService.queue(WEBHOOKS).waitUntilReady();
    if (args.role === 'hook-ours-app') {
      // What createApp (server/http/app.ts) puts in front of the webhook router.
      app.disable('x-powered-by');
      app.use(securityHeaders());
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
  await connection.quit().catch(() => connection.disconnect());
}

/** PINGs Redis every ~1 ms on its own connection and reports the slowest answer (a Redis stall). */
async function probe(args: ChildArgs): Promise<void> {
  const connection = await connect(args.url, 'bench-probe');
  let stopping = false;
  void stopRequested().then(() => (stopping = true));
  await send({ kind: 'listening', port: 0 });
  let maxMs = 0;
  let samples = 0;
  while (!stopping) {
    const t0 = performance.now();
    await connection.ping();
    maxMs = Math.max(maxMs, performance.now() - t0);
    samples++;
    await new Promise((r) => setTimeout(r, 1));
  }
  await send({ kind: 'probe', maxMs, samples });
  await connection.quit().catch(() => connection.disconnect());
}

async function main() {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  if (args.role === 'drain-plain' || args.role === 'drain-ours') await send(await drain(args));
  else if (args.role === 'probe') await probe(args);
  else await webhookServer(args);
}

main().then(
  () => process.exit(0),
  async (err: Error) => {
    await send({ kind: 'error', message: err.stack ?? err.message }).catch(() => {});
    process.exit(1);
  },
);
