import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_JOB_DATA_DEPTH } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { JobValidationError } from '../../server/queue/errors.ts';
import { API_TOKEN, VIEWER_API_TOKEN, WEBHOOK_SECRETS, startApiApp, type ApiApp } from '../helpers/api-app.ts';

/**
 * Inputs that used to answer 500 with an internal message: each now gets a 4xx naming the problem
 * (or, for a correctly signed webhook, a 200 that records it as unreadable), and no reply carries
 * an internal error message or a stack.
 */

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(async () => {
  await app?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Reply {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: replies of either envelope are read loosely
  body: any;
}

async function call(path: string, init: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(app.base + path, { method: init.method ?? 'GET', headers, body: init.body });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body };
}

/** What must never reach a caller: stack frames, V8 and Redis error texts, error class names. */
const INTERNAL =
  /Maximum call stack|not an integer or out of range|ERR |RangeError|TypeError|ReferenceError|\bat [\w.<>]+ \(|node:internal|\.ts:\d+|\.js:\d+|"stack"/;
function expectNoInternals(r: Reply) {
  expect(r.text).not.toMatch(INTERNAL);
}

/** `[` × n then `]` × n: n levels of nesting in 2n bytes. */
const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

const webhookJobs = async () => {
  const queue = app.runtime.queueService.queue(QueueName.WEBHOOK_PROCESSING);
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  return Object.values(counts).reduce((a, b) => a + b, 0);
};
const alertJobs = async () => (await app.runtime.queueService.getQueueStats(QueueName.ALERTS)).waiting;

describe('REST pagination: GET /api/jobs/:queue?start=&end=', () => {
  it('start=1e20 (a viewer is enough) is 400 naming start, not a Redis error', async () => {
    const r = await call('/api/jobs/alerts?start=1e20', { token: VIEWER_API_TOKEN });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ success: false, error: { code: 'BAD_REQUEST' } });
    expect(r.body.error.message).toMatch(/start/);
    expect(Object.keys(r.body.error.fieldErrors)).toEqual(['start']);
    expectNoInternals(r);
  });

  it.each([
    ['start=-1', 'start'],
    ['start=1.5', 'start'],
    ['start=abc', 'start'],
    ['start=0x10', 'start'],
    ['start=100000001', 'start'],
    ['end=1e20', 'end'],
    ['end=99999999999999999999', 'end'],
    ['start=1&start=2', 'start'],
  ])('%s is 400 naming %s', async (query, field) => {
    const r = await call(`/api/jobs/alerts?${query}`, { token: VIEWER_API_TOKEN });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.fieldErrors)).toContain(field);
    expectNoInternals(r);
  });

  it('whole numbers within bounds still page as before', async () => {
    for (const query of ['', 'start=0&end=49', 'start=100000000', 'start=5&end=2', 'end=']) {
      const r = await call(`/api/jobs/alerts?${query}`, { token: VIEWER_API_TOKEN });
      expect(r.status, query).toBe(200);
      expect(r.body).toMatchObject({ success: true, data: { queueName: 'alerts', failedJobs: [] } });
    }
  });
});

describe('job data depth and size (every way in: tRPC, REST-adjacent programmatic API)', () => {
  const alert = (metadata: unknown) => ({ organizationId: 'org-1', alertType: 'DATA_ANOMALY', severity: 'HIGH', message: 'Revenue dropped', metadata });
  const addJob = (data: string) => call('/trpc/jobs.add', { method: 'POST', token: API_TOKEN, body: `{"queue":"alerts","data":${data}}` });

  it('jobs.add with metadata nested 100,000 levels is 400 naming metadata and the limit; nothing is queued', async () => {
    const before = await alertJobs();
    const data = `{"organizationId":"org-1","alertType":"DATA_ANOMALY","severity":"HIGH","message":"m","metadata":{"a":${nested(100_000)}}}`;
    const r = await addJob(data);
    expect(r.status).toBe(400);
    expect(r.body.error.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_JOB_DATA' });
    expect(Object.keys(r.body.error.data.fieldErrors)).toEqual(['metadata']);
    expect(r.body.error.message).toMatch(new RegExp(`metadata: .*deeper than ${MAX_JOB_DATA_DEPTH} levels`));
    expectNoInternals(r);
    expect(await alertJobs()).toBe(before);
  });

  it(`job data up to ${MAX_JOB_DATA_DEPTH} levels deep is accepted; one more is refused`, async () => {
    // The data object is level 1 and metadata level 2, so metadata may hold 30 more levels.
    const ok = await addJob(JSON.stringify(alert({ a: JSON.parse(nested(MAX_JOB_DATA_DEPTH - 2)) })));
    expect(ok.status, ok.text).toBe(200);
    const deep = await addJob(JSON.stringify(alert({ a: JSON.parse(nested(MAX_JOB_DATA_DEPTH - 1)) })));
    expect(deep.status).toBe(400);
    expect(deep.body.error.data.fieldErrors).toHaveProperty('metadata');
  });

  it('job data over 512 kB serialized is 400 saying how large it may be', async () => {
    const before = await alertJobs();
    const r = await addJob(JSON.stringify(alert({ blob: 'x'.repeat(600_000) })));
    expect(r.status).toBe(400);
    expect(r.body.error.data.appCode).toBe('INVALID_JOB_DATA');
    expect(r.body.error.message).toMatch(/larger than 512 kB/);
    expectNoInternals(r);
    expect(await alertJobs()).toBe(before);
  });

  it('the programmatic API refuses the same (JobValidationError), also for a cycle, without overflowing the stack', async () => {
    const qs = app.runtime.queueService;
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    await expect(qs.addJob(QueueName.ALERTS, alert({ deep }) as never)).rejects.toBeInstanceOf(JobValidationError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(qs.addJob(QueueName.ALERTS, alert(cyclic) as never)).rejects.toThrow(/metadata: .*deeper than/);
    await expect(qs.addJobs(QueueName.ALERTS, [{ data: alert({}) as never }, { data: alert({ deep }) as never }])).rejects.toThrow(/1\.data\.metadata/);
    // Schedules go through the same schema.
    await expect(qs.addRecurringJob(QueueName.ALERTS, 'deep-one', alert({ deep }) as never, '0 * * * *')).rejects.toBeInstanceOf(JobValidationError);
  });
});

describe('a signed webhook whose body is [ × 100,000 then ] × 100,000', () => {
  it('is answered 200 (it is correctly signed: a 4xx would be retried for days) and queued as unreadable, naming the problem', async () => {
    const body = nested(100_000);
    const r = await call('/api/webhooks/shopify', {
      method: 'POST',
      body,
      headers: {
        'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRETS.shopify).update(body).digest('base64'),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': randomUUID(),
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ received: true, unreadable: expect.stringMatching(/nested deeper than \d+ levels/) });
    expectNoInternals(r);
    const job = await app.runtime.queueService.getJob(QueueName.WEBHOOK_PROCESSING, r.body.jobId);
    expect(job?.data).toMatchObject({ payload: null, eventType: 'orders/create' });
    expect(Buffer.from(job!.data.rawBodyBase64, 'base64').equals(Buffer.from(body))).toBe(true);
  });

  it('unsigned, it is still 401 and nothing is queued', async () => {
    const before = await webhookJobs();
    const r = await call('/api/webhooks/shopify', { method: 'POST', body: nested(100_000), headers: { 'x-shopify-hmac-sha256': 'bm9wZQ==' } });
    expect(r.status).toBe(401);
    expect(await webhookJobs()).toBe(before);
  });
});

describe('no reply carries an internal error message', () => {
  // Not a Redis outage (that is a 503 of its own): an unexpected failure whose text must stay in the log.
  const secret = new Error('SQLITE_CORRUPT: database disk image is malformed at /srv/app/data/bizinsights.sqlite:12:7');

  it('tRPC: an unexpected failure answers 500 "Internal server error" and nothing else', async () => {
    vi.spyOn(app.services.queueService, 'getOverview').mockRejectedValue(secret);
    const r = await call('/trpc/queues.overview', { token: VIEWER_API_TOKEN });
    expect(r.status).toBe(500);
    expect(r.body.error.message).toBe('Internal server error');
    expect(r.body.error.data.code).toBe('INTERNAL_SERVER_ERROR');
    expect(r.body.error.data.stack).toBeUndefined();
    expect(r.text).not.toContain('SQLITE_CORRUPT');
    expectNoInternals(r);
  });

  it('tRPC batch: each failed call says only "Internal server error"', async () => {
    vi.spyOn(app.services.queueService, 'getOverview').mockRejectedValue(secret);
    const r = await call(`/trpc/queues.overview,queues.overview?batch=1&input=${encodeURIComponent('{}')}`, { token: VIEWER_API_TOKEN });
    expect(r.status).toBe(500);
    expect(r.body.map((e: { error: { message: string } }) => e.error.message)).toEqual(['Internal server error', 'Internal server error']);
    expect(r.text).not.toContain('SQLITE_CORRUPT');
  });

  it('REST: an unexpected failure answers 500 with the envelope and no details', async () => {
    vi.spyOn(app.services.queueService, 'getAllQueueStats').mockRejectedValue(secret);
    const r = await call('/api/jobs/monitoring', { token: VIEWER_API_TOKEN });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ success: false, error: { code: 'INTERNAL', message: 'Internal server error' } });
  });

  it('validation errors still name the field (they are not internal)', async () => {
    const r = await call('/trpc/jobs.add', { method: 'POST', token: API_TOKEN, body: JSON.stringify({ queue: 'alerts', data: { organizationId: 'o' } }) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/alertType/);
  });
});
