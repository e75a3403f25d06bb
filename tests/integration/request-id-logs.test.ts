/**
 * Log correlation, read from the app's real pino output: every line logged for an HTTP request carries the
 * request id that the response echoes as X-Request-Id (the request line, a route's own warning, an error in
 * REST's handler and in a tRPC procedure); a caller's id is kept only when it is a sane token; processor
 * lines carry their queue and job id (a real data sync of the demo's Stripe stand-in).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { compose, type System } from '../../server/app/compose.ts';
import { loadConfig } from '../../server/config.ts';
import { demoIntegrationId, seedDemo } from '../../server/demo/seed-demo.ts';
import { requestIdOf } from '../../server/http/middleware/request-id.ts';
import { API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { bearer, send, trpcQuery, withHeaders, type Req } from '../helpers/api-requests.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { eventually } from '../helpers/wait-for.ts';

type Line = Record<string, unknown> & { msg?: string; reqId?: string };

/** A real pino logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  const { log, lines } = capturingLogger();
  let app: ApiApp;
  beforeAll(async () => {
    app = await startApiApp({ log });
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}): Req => ({ method: 'GET', path, headers: { ...bearer(API_TOKEN), ...headers } });
  /** The lines logged for one request id, once its request line (written as the response finishes) and `also` are there. */
  const linesOf = (reqId: string, ...also: string[]) =>
    eventually(() => {
      const mine = lines.filter((l) => l.reqId === reqId);
      expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['request', ...also]));
      return mine;
    });

  it('a request without one gets a new UUID, echoed as X-Request-Id and on its log line', async () => {
    const res = await send(app.base, get('/api/jobs/monitoring'));
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    const [line] = await linesOf(id);
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/api/jobs/monitoring', status: 200 });
  });

  it("a caller's sane id is kept; anything else is replaced", async () => {
    const sane = `Trace_42.abc-${'x'.repeat(100)}`;
    const kept = await send(app.base, get('/api/jobs/monitoring', { 'x-request-id': sane }));
    expect(kept.headers.get('x-request-id')).toBe(sane);
    await linesOf(sane);
    for (const bad of ['has space', 'semi;colon', 'new\\nline', 'é', 'y'.repeat(129)]) {
      const res = await send(app.base, get('/api/jobs/monitoring', { 'x-request-id': bad }));
      expect(res.headers.get('x-request-id'), bad).toMatch(UUID);
    }
    expect(requestIdOf(['a', 'b'])).toMatch(UUID);
    expect(requestIdOf('y'.repeat(128))).toBe('y'.repeat(128));
  });

  it("a route's own log line (a failed sign-in) carries the id", async () => {
    const res = await send(app.base, { method: 'POST', path: '/api/auth/login', body: { username: 'admin', password: 'wrong' } });
    expect(res.status).toBe(401);
    const mine = await linesOf(res.headers.get('x-request-id') ?? '', 'Failed sign-in');
    expect(mine.map((l) => l.msg)).toEqual(['Failed sign-in', 'request']);
  });

  it("errors logged by REST's error handler and by a failing tRPC procedure carry the id", async () => {
    // A job hash whose data is not JSON: reading it fails inside BullMQ, an unexpected error (500).
    const alerts = app.runtime.queueService.queue(QueueName.ALERTS);
    await app.runtime.connection.hset(alerts.toKey('corrupt-1'), { name: 'alert', data: '{not json', opts: '{}', timestamp: String(Date.now()) });
    await app.runtime.connection.zadd(alerts.toKey('failed'), Date.now(), 'corrupt-1');

    const rest = await send(app.base, get('/api/jobs/alerts'));
    expect(rest.status).toBe(500);
    const restLines = await linesOf(rest.headers.get('x-request-id') ?? '', 'Request failed');
    expect(restLines.find((l) => l.msg === 'request')).toMatchObject({ status: 500 });

    const trpc = await send(app.base, withHeaders(trpcQuery('jobs.get', { queue: 'alerts', id: 'corrupt-1' }), bearer(API_TOKEN)));
    expect(trpc.status).toBe(500);
    await linesOf(trpc.headers.get('x-request-id') ?? '', 'tRPC procedure failed');
  });
});

describe('processor log lines', () => {
  const { log, lines } = capturingLogger();
  const prefix = testPrefix('reqlog');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-reqlog-'));
  let system: System;
  beforeAll(async () => {
    const config = loadConfig({
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      WORKER_STATS_INTERVAL_MS: '0',
      ADMIN_PASSWORD: 'admin-pass-for-tests',
    });
    // The demo's composition (its Stripe stand-in), with the real data-sync processor alone.
    system = await compose({
      config,
      log,
      http: true,
      runWorkers: true,
      runScheduler: false,
      demo: true,
      overrides: {
        processors: (real) => ({ [QueueName.DATA_SYNC]: real[QueueName.DATA_SYNC] }),
        sampleDepth: false,
        beforeWorkers: async ({ domain }) => {
          await seedDemo(domain.store);
        },
      },
    });
  });
  afterAll(async () => {
    await system?.stop();
    const c = connect();
    await removeKeys(c, prefix);
    await c.quit();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("a real sync's log line carries its queue and job id", async () => {
    const job = await system.runtime.jobScheduler.scheduleImmediateSync(demoIntegrationId('stripe'), 'full');
    const line = await eventually(
      () => {
        const found = lines.find((l) => l.msg === 'Sync finished');
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 20_000 },
    );
    expect(line).toMatchObject({ queue: QueueName.DATA_SYNC, jobId: job.id, integrationId: demoIntegrationId('stripe') });
  });
});
