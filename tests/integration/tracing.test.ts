/**
 * Tracing on (an in-memory exporter in place of OTLP), over the real app, real Redis and a real worker: a
 * request that enqueues a job, BullMQ's enqueue span and the worker's processing span are one trace, the
 * request's context travelling inside the job; an incoming `traceparent` is honoured; server spans are
 * named by route template.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, send, trpcMutation, withHeaders } from '../helpers/api-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const exporter = new InMemorySpanExporter();
let app: ApiApp;

beforeAll(async () => {
  app = await startApiApp({
    processors: { [QueueName.ALERTS]: async () => ({ delivered: true }) },
    tracing: { spanProcessor: new SimpleSpanProcessor(exporter) },
  });
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const traceOf = (s: ReadableSpan) => s.spanContext().traceId;
const find = (what: string, match: (s: ReadableSpan) => boolean) =>
  waitFor(() => spans().find(match), { message: () => `${what} among ${JSON.stringify(spans().map((s) => s.name))}` });

/** jobs.add over HTTP, as the console does; resolves with the response and the three spans of its job. */
async function addAlert(headers: Record<string, string> = {}) {
  const res = await send(app.base, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: alertData(1) }), { ...bearer(API_TOKEN), ...headers }));
  expect(res.status, res.text).toBe(200);
  const jobId = String(res.body.result.data.id);
  const http = await find('the server span', (s) => s.kind === SpanKind.SERVER && s.name === 'POST /trpc/jobs.add');
  const add = await find('the enqueue span', (s) => s.kind === SpanKind.PRODUCER && s.attributes['bullmq.job.id'] === jobId);
  // The producer's context is in the job itself, for whichever worker takes it.
  const job = await app.runtime.queueService.queue('alerts').getJob(jobId);
  expect(job?.opts.telemetry?.metadata).toContain(traceOf(add));
  const processed = await find(
    'the processing span',
    (s) => s.kind === SpanKind.CONSUMER && s.name === 'process alerts' && s.attributes['bullmq.job.id'] === jobId,
  );
  return { res, jobId, http, add, processed };
}

describe('tracing', () => {
  it('the HTTP request, its enqueue and the worker processing the job share one trace, each span the parent of the next', async () => {
    const { res, http, add, processed } = await addAlert();
    expect(traceOf(add)).toBe(traceOf(http));
    expect(traceOf(processed)).toBe(traceOf(http));
    expect(add.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(processed.parentSpanContext?.spanId).toBe(add.spanContext().spanId);
    expect(add.name).toMatch(/^add alerts\./);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/trpc/jobs.add',
      'http.response.status_code': 200,
      'http.request.id': res.headers.get('x-request-id'),
    });
  });

  it("a caller's traceparent makes the request, the enqueue and the processing part of the caller's trace", async () => {
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const callerSpan = '1122334455667788';
    const { http, add, processed } = await addAlert({ traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(http.parentSpanContext?.spanId).toBe(callerSpan);
    expect([traceOf(http), traceOf(add), traceOf(processed)]).toEqual([traceId, traceId, traceId]);
  });

  it('server spans are named by route template, never by raw path', async () => {
    const res = await send(app.base, { method: 'GET', path: '/api/jobs/alerts?start=0&end=5', headers: bearer(API_TOKEN) });
    expect(res.status).toBe(200);
    const http = await find('the server span', (s) => s.kind === SpanKind.SERVER);
    expect(http.name).toBe('GET /api/jobs/:queue');
    expect(http.attributes).toMatchObject({ 'http.route': '/api/jobs/:queue', 'url.path': '/api/jobs/alerts', 'http.response.status_code': 200 });
  });
});
