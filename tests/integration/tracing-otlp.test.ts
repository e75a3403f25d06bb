/**
 * Tracing as configured in production: OTEL_EXPORTER_OTLP_ENDPOINT names a collector (here a real HTTP
 * receiver on a free port), spans are batched, and stopping the app flushes them to `<endpoint>/v1/traces`
 * as OTLP/HTTP JSON, under OTEL_SERVICE_NAME.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { type Receiver, startReceiver } from '../fixtures/http-receiver.ts';
import { API_TOKEN, startApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, send, trpcMutation, withHeaders } from '../helpers/api-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

let collector: Receiver | undefined;
afterAll(async () => {
  await collector?.close();
});

/** Span names and service names in OTLP JSON export requests. */
function exported(bodies: unknown[]) {
  // biome-ignore lint/suspicious/noExplicitAny: OTLP JSON, read by path.
  const resourceSpans = bodies.flatMap((b: any) => b?.resourceSpans ?? []);
  return {
    services: new Set(
      resourceSpans.flatMap((r) =>
        r.resource.attributes.filter((a: { key: string }) => a.key === 'service.name').map((a: { value: { stringValue: string } }) => a.value.stringValue),
      ),
    ),
    spans: resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s: { spans: Array<{ name: string; traceId: string }> }) => s.spans)),
  };
}

it("the request's and the enqueue's spans reach the OTLP endpoint, flushed when the app stops", async () => {
  collector = await startReceiver();
  const app = await startApiApp({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: new URL(collector.url).origin, OTEL_SERVICE_NAME: 'bizinsights-test' },
    processors: { [QueueName.ALERTS]: async () => ({ delivered: true }) },
  });
  let jobId = '';
  try {
    const res = await send(app.base, withHeaders(trpcMutation('jobs.add', { queue: 'alerts', data: alertData(1) }), bearer(API_TOKEN)));
    expect(res.status, res.text).toBe(200);
    jobId = String(res.body.result.data.id);
    await waitFor(async () => (await app.runtime.queueService.queue('alerts').getJobState(jobId)) === 'completed');
  } finally {
    await app.close();
  }
  const posts = collector.requests.filter((r) => r.method === 'POST' && r.path === '/v1/traces');
  expect(posts.length).toBeGreaterThan(0);
  expect(posts.every((p) => String(p.headers['content-type']).startsWith('application/json'))).toBe(true);
  const { services, spans } = exported(posts.map((p) => p.json));
  expect([...services]).toEqual(['bizinsights-test']);
  const http = spans.find((s) => s.name === 'POST /trpc/jobs.add');
  const add = spans.find((s) => s.name === 'add alerts.alert-DATA_ANOMALY');
  expect(http).toBeDefined();
  expect(add?.traceId).toBe(http?.traceId);
});

it('a collector that is down costs a warning in the log, and the app still stops cleanly', async () => {
  const down = await startReceiver();
  const endpoint = new URL(down.url).origin;
  await down.close();
  const lines: Array<{ msg: string; err?: string; detail?: string }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const log = pino({ level: 'warn' }, sink);
  const app = await startApiApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, log });
  try {
    expect((await send(app.base, { method: 'GET', path: '/api/jobs/monitoring', headers: bearer(API_TOKEN) })).status).toBe(200);
  } finally {
    await app.close();
  }
  const warnings = lines.filter((l) => l.msg.startsWith('Tracing:'));
  expect(warnings.length).toBeGreaterThan(0);
  expect(warnings.some((w) => /ECONNREFUSED/.test(`${w.msg} ${w.err} ${w.detail}`))).toBe(true);
});
