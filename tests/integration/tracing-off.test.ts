/**
 * Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT, the default): a request that enqueues a job and a worker
 * that runs it load no OpenTelemetry SDK module, register no global tracer, and give BullMQ no telemetry.
 * A file of its own: vitest runs each file in a fresh module graph, so nothing else here loads the SDK first.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { startTracing } from '../../server/tracing/tracing.ts';
import { API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, send, trpcMutation, withHeaders } from '../helpers/api-requests.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** The SDK, the exporter and bullmq-otel: CommonJS packages, so each module loaded shows in require's cache. */
const SDK =
  /[\\/]node_modules[\\/](@opentelemetry[\\/](sdk-trace-node|sdk-trace-base|sdk-trace|exporter-trace-otlp-http|otlp-exporter-base|resources|context-async-hooks)|bullmq-otel)[\\/]/;
const loadedSdkModules = () => Object.keys(createRequire(import.meta.url).cache).filter((file) => SDK.test(file));
/** Where @opentelemetry/api keeps a registered tracer provider, context manager and propagator. */
const otelGlobals = () => (globalThis as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for('opentelemetry.js.api.1')];

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp({ processors: { [QueueName.ALERTS]: async () => ({ delivered: true }) } });
});
afterAll(async () => {
  await app?.close();
});

describe('tracing off', () => {
  it('a request that enqueues and a worker that processes load no OpenTelemetry SDK; BullMQ gets no telemetry', async () => {
    expect(app.config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    const res = await send(app.base, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: alertData(1) }), bearer(API_TOKEN)));
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('traceparent')).toBeNull();
    const jobId = String(res.body.result.data.id);
    await waitFor(async () => (await app.runtime.queueService.queue('alerts').getJobState(jobId)) === 'completed');

    expect(loadedSdkModules()).toEqual([]);
    expect(otelGlobals()?.trace).toBeUndefined();
    const job = await app.runtime.queueService.queue('alerts').getJob(jobId);
    expect(job?.opts.telemetry).toBeUndefined();
    // Both queue sets (the workers' and the request path's) and every worker.
    for (const name of QUEUE_NAMES) {
      expect(app.runtime.queueService.queue(name).opts.telemetry, name).toBeUndefined();
      expect(app.services.queueService.queue(name).opts.telemetry, name).toBeUndefined();
    }
    const workers = [...(app.runtime.workers?.workers.values() ?? [])];
    expect(workers).toHaveLength(1);
    for (const w of workers) expect(w.opts.telemetry).toBeUndefined();
    expect(await startTracing(app.config, silentLogger)).toBeUndefined();
  });

  it('the check above can see the SDK: with an endpoint set, startTracing loads it (and releases its globals on shutdown)', async () => {
    const tracing = await startTracing({ ...app.config, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, silentLogger);
    try {
      expect(tracing).toBeDefined();
      expect(loadedSdkModules().some((file) => /sdk-trace-node/.test(file))).toBe(true);
      expect(otelGlobals()?.trace).toBeDefined();
    } finally {
      // No span was started, so nothing is sent to the endpoint.
      await tracing?.shutdown();
    }
    expect(otelGlobals()?.trace).toBeUndefined();
  });
});
