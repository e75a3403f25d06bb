import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../shared/jobs.ts';
import { CLEANABLE_STATES, JOB_STATES, QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { createWebhookProcessor } from '../../server/domain/sync/webhook-processing.ts';
import { secretsFromConfig } from '../../server/webhooks/secrets.ts';
import { appRouter } from '../../server/http/trpc/router.ts';
import { API_TOKEN, VIEWER_API_TOKEN, WEBHOOK_SECRETS, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { addPerson } from '../helpers/people.ts';

/**
 * Property test over the HTTP surface: REST under /api/jobs, the tRPC procedures, and the webhook
 * intake get random queue names, query strings, JSON (deep, huge numbers, wrong types) and bytes,
 * signed and unsigned. Whatever comes in: never a 5xx, never an internal message in a reply, and the
 * process stays healthy. A failure prints fast-check's seed and path; FUZZ_SEED replays a run.
 */

const RUNS = { rest: 1000, trpc: 1300, webhooks: 700 };
const MIN_REQUESTS = 1_000;
/** The default BODY_LIMIT (1mb): a larger body is 413 before its signature is read. */
const BODY_LIMIT = 1024 * 1024;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let app: ApiApp;
let requests = 0;
/** A stored operator's personal token: the role between viewer and admin, checked per action. */
let operatorToken = '';

beforeAll(async () => {
  let hooks: ReturnType<typeof createWebhookProcessor> | undefined;
  // A real webhook worker too: what the intake queues gets processed while the fuzzing goes on.
  app = await startApiApp({ processors: { [QueueName.WEBHOOK_PROCESSING]: (data, ctx) => hooks!(data, ctx) } });
  hooks = createWebhookProcessor({ store: app.domain.store, fallbackSecret: secretsFromConfig(app.config) });
  operatorToken = (await addPerson(app, { name: 'Fuzz Operator', email: 'fuzz-operator@example.com', role: 'operator' })).token;
});
afterAll(async () => {
  await app?.close();
});

// — sending, and what no reply may be —

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** The status this request must get, when the API promises one. */
  expected?: number;
}

/** Texts of internals: V8 and Redis errors, stack frames with file positions. */
const INTERNAL = /Maximum call stack|not an integer or out of range|WRONGTYPE|ERR syntax|node:internal|\(\/[^)\s]*:\d+:\d+\)|\.ts:\d+:\d+/;

async function send(req: Sent): Promise<number> {
  requests++;
  const res = await fetch(app.base + req.path, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual' });
  const text = await res.text();
  if (res.status >= 500 || (res.status >= 400 && INTERNAL.test(text))) {
    throw new Error(`${req.method} ${req.path.slice(0, 300)} → ${res.status} ${text.slice(0, 500)}`);
  }
  return res.status;
}

// — the pieces requests are made of —

/** A literal of JSON text that JSON.stringify cannot write: huge or odd numbers, deep nesting. */
class Raw {
  constructor(readonly text: string) {}
}
const nestArrays = (n: number) => new Raw(`${'['.repeat(n)}${']'.repeat(n)}`);
const nestObjects = (n: number) => new Raw(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
const depth = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 2 },
  { arbitrary: fc.constantFrom(31, 32, 33), weight: 2 },
  { arbitrary: fc.constant(1_000), weight: 1 },
  // Deep enough to overflow a recursive JSON.stringify.
  { arbitrary: fc.constant(100_000), weight: 2 },
);
const rawToken: fc.Arbitrary<Raw> = fc.oneof(
  { arbitrary: depth.map(nestArrays), weight: 2 },
  { arbitrary: depth.map(nestObjects), weight: 2 },
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => new Raw(String(n))),
  fc.constantFrom('1e20', '1e400', '-1e400', '-0', '1E+308', '0.000000000000000000001', '1234567890123456789012345').map((t) => new Raw(t)),
);

/** JSON text of a value, with Raw literals spliced in as they are. */
function toText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toText).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toText(x)}`)}}`;
  return JSON.stringify(v) ?? 'null';
}

const oddString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '0', '-1', '1e20', 'NaN', 'Infinity', '9'.repeat(25), '0x10', '__proto__', 'constructor', '%', '../..', 'a:b', '\u0000'),
  fc.constantFrom('x'.repeat(300), '*'),
);
const oddNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, 1e20, -1e20, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, 1e308, 86_400_000, 10_000_001),
);

/** Any JSON value: scalars of every kind, Raw literals, small arrays and objects of them. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null), rawToken, rawToken),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(oddString, fc.constantFrom('queue', 'id', 'data', 'metadata', 'payload')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const queueName = fc.oneof({ arbitrary: fc.constantFrom(...QUEUE_NAMES), weight: 3 }, { arbitrary: oddString, weight: 1 });
const JOB_EXAMPLES: Record<string, Record<string, unknown>> = {
  'data-sync': { integrationId: '123', organizationId: '456', platform: 'shopify', syncType: 'incremental' },
  'insights-generation': { organizationId: '456', period: '30d' },
  'webhook-processing': { platform: 'shopify', eventType: 'orders/create', payload: { id: 1 }, signature: 's' },
  'report-generation': { reportId: 'r-1', organizationId: '456', reportType: 'weekly', period: '7d' },
  'email-sending': { to: 'user@example.com', subject: 'Hi', template: 'welcome', data: { name: 'Jo' } },
  alerts: { organizationId: '456', alertType: 'DATA_ANOMALY', severity: 'HIGH', message: 'm', metadata: {} },
};
/** Mostly the valid thing, sometimes anything: most requests then get past the first check to the next. */
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: anyJson, weight: 1 });
/** The field of each queue's data that takes any JSON: where deep and huge values get past the schema's field checks. */
const FREE_FORM: Record<string, string> = { alerts: 'metadata', 'email-sending': 'data', 'webhook-processing': 'payload' };
const dataField = fc.oneof(fc.constantFrom('metadata', 'data', 'payload', 'organizationId', 'to', 'platform', 'recipientEmails'), oddString);
/** A queue's job data: its valid example with anything in its free-form field or in any field, or anything at all. */
const jobDataFor = (queue: string) => {
  const example = JOB_EXAMPLES[queue] ?? {};
  const freeForm = FREE_FORM[queue] ?? 'extra';
  const inFreeForm = fc.oneof({ arbitrary: rawToken, weight: 2 }, { arbitrary: anyJson, weight: 1 }).map((v) => ({ ...example, [freeForm]: { v } }));
  const inAnyField = fc.tuple(dataField, fc.oneof(rawToken, anyJson)).map(([k, v]) => ({ ...example, [k]: v }));
  return fc.oneof(fc.constant(example), { arbitrary: inFreeForm, weight: 3 }, inAnyField, anyJson);
};
const jobOptions = fc.record(
  {
    priority: maybe(fc.nat(10)),
    attempts: maybe(fc.integer({ min: 1, max: 5 })),
    delay: maybe(fc.nat(10 ** 9)),
    jobId: maybe(fc.constantFrom('job-a', 'job-b')),
    timeout: maybe(fc.integer({ min: 1, max: 10 ** 6 })),
  },
  { requiredKeys: [] },
);
/** Mostly the valid thing, sometimes an odd scalar (never a deep or huge one). */
const small = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null)), weight: 1 });
/** Inputs shaped like the procedures' own (fields of one queue), each field valid or anything. */
const shapedInput = fc.constantFrom(...QUEUE_NAMES).chain((queue) =>
  fc.record(
    {
      queue: fc.oneof({ arbitrary: fc.constant<unknown>(queue), weight: 4 }, { arbitrary: anyJson, weight: 1 }),
      state: maybe(fc.constantFrom(...JOB_STATES, ...CLEANABLE_STATES)),
      page: maybe(fc.integer({ min: 1, max: 5 })),
      pageSize: maybe(fc.integer({ min: 1, max: 200 })),
      text: maybe(fc.string({ minLength: 1, maxLength: 20 })),
      limit: maybe(fc.integer({ min: 1, max: 200 })),
      maxScan: maybe(fc.integer({ min: 1, max: 10_000 })),
      graceMs: maybe(fc.integer({ min: 0, max: 10 ** 12 })),
      id: maybe(fc.oneof(fc.constantFrom('1', '2', 'x'), oddString)),
      ids: maybe(fc.array(fc.oneof(fc.constantFrom('1', '2', 'x'), oddString), { minLength: 1, maxLength: 3 })),
      data: jobDataFor(queue),
      opts: maybe(jobOptions),
      name: maybe(oddString),
      cron: maybe(fc.constantFrom('* * * * *', '0 8 * * 1', '61 * * * *', '*/0 * * * *', '@yearly', '', '* * * * * * *')),
      tz: maybe(fc.constantFrom('Europe/Berlin', 'Mars/Olympus', '', 'UTC')),
      range: maybe(fc.constantFrom('1h', '24h', '7d')),
      organizationId: maybe(oddString),
      period: maybe(fc.constantFrom('7d', '30d', '90d', '1y')),
      // bulk.*, users.*, tokens.*, failures.group, schedules.setInterval, jobs.editRetry, reports.generate, audit.list:
      // scalars or small odd values only, so the inputs stay the size they were (the deep ones come from the fields above).
      filter: small(
        fc.record(
          { queue: fc.constant<unknown>(queue), state: small(fc.constantFrom(...JOB_STATES)), search: small(fc.string()) },
          { requiredKeys: ['queue'] },
        ),
      ),
      action: small(fc.constantFrom('retry', 'promote', 'remove')),
      email: small(fc.constantFrom('new-person@example.com', 'ADMIN@localhost', 'a@b')),
      role: small(fc.constantFrom('viewer', 'operator', 'admin')),
      status: small(fc.constantFrom('active', 'disabled')),
      expiresInDays: small(fc.oneof(fc.integer({ min: 1, max: 365 }), fc.constant(null))),
      userId: small(fc.constantFrom('u1', 'no-such-user')),
      user: small(fc.constantFrom('api-token', 'no-such-user')),
      fingerprint: small(fc.constantFrom('0123456789abcdef')),
      everyMinutes: small(fc.oneof(fc.nat(1_500), fc.constant(null))),
      removeOriginal: small(fc.boolean()),
      reportType: small(fc.constantFrom('weekly', 'monthly', 'quarterly')),
    },
    // The fields procedures require are mostly there, so requests get past the first check.
    { requiredKeys: ['queue', 'state', 'text', 'id', 'ids', 'data', 'name', 'cron', 'organizationId'] },
  ),
);
const procedureInput = fc.oneof({ arbitrary: shapedInput, weight: 3 }, { arbitrary: anyJson, weight: 1 });

type Role = 'admin' | 'operator' | 'viewer' | 'none';
const role = fc.oneof(
  { arbitrary: fc.constant<Role>('admin'), weight: 6 },
  { arbitrary: fc.constant<Role>('operator'), weight: 2 },
  { arbitrary: fc.constantFrom<Role>('viewer', 'none'), weight: 2 },
);
const TOKENS: Record<Exclude<Role, 'none'>, () => string> = { admin: () => API_TOKEN, operator: () => operatorToken, viewer: () => VIEWER_API_TOKEN };
const auth = (r: Role): Record<string, string> => (r === 'none' ? {} : { authorization: `Bearer ${TOKENS[r]()}` });
/** URL-encoded; a lone surrogate (which encodeURIComponent refuses) reads as U+FFFD first. */
const segment = (s: string) => encodeURIComponent(Buffer.from(s).toString());
/** Numbers as a query carries them: plain, and the spellings Number() accepts but Redis does not. */
const numberText = fc.oneof(
  fc.nat(1_000).map(String),
  oddNumber.map(String),
  fc.constantFrom('1e20', '1e400', '-1', '1.5', '0x10', '0b1', ' 7 ', '99999999999999999999', '100000001', 'Infinity', 'NaN', ''),
);
const QUERY_KEYS = ['start', 'end', 'action', 'state', 'grace', 'graceMs', 'limit'];
const queryKey = fc.oneof({ arbitrary: fc.constantFrom(...QUERY_KEYS), weight: 4 }, { arbitrary: oddString, weight: 1 });
const queryValue = fc.oneof(numberText, numberText, fc.constantFrom('pause', 'resume', 'empty', 'clean', 'failed', 'completed'), oddString);
/** A query string from pairs, sometimes with malformed escapes and brackets tacked on. */
const queryString = fc
  .tuple(
    fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }),
    fc.constantFrom('', '', '&%zz=1', '&a[b]=c', '&start=1&start=2', '&action=clean&grace=1e400'),
  )
  .map(([pairs, tail]) => pairs.map(([k, v]) => `${segment(k)}=${segment(v)}`).join('&') + tail);
const jsonBody = fc.oneof(anyJson.map(toText), procedureInput.map(toText), fc.string({ maxLength: 40 }), fc.constant(''));
const CONTENT_TYPES = ['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''];
const contentType = fc.constantFrom(...CONTENT_TYPES);
const retryBody = fc.record({ queueName: maybe(queueName), jobId: maybe(oddString) }, { requiredKeys: [] }).map(toText);

// — REST —

const restRequest: fc.Arbitrary<Sent> = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom('GET /api/jobs/:q', 'POST /api/jobs/:q'), weight: 3 },
      { arbitrary: fc.constantFrom('GET /api/jobs/monitoring', 'POST /api/jobs/monitoring/retry', 'PUT /api/jobs/:q', 'DELETE /api/jobs/:q'), weight: 1 },
    ),
    queueName,
    queryString,
    fc.oneof(jsonBody, retryBody),
    contentType,
    role,
  )
  .map(([route, q, query, body, type, r]) => {
    const [method, path] = route.split(' ');
    const headers: Record<string, string> = { ...auth(r), ...(type ? { 'content-type': type } : {}) };
    return { method, path: `${path.replace(':q', segment(q))}?${query}`, headers, ...(method === 'GET' ? {} : { body }) };
  });

// — tRPC —

/**
 * [procedure, kind, weight]: every procedure of the app router (a test below checks), the ones that take job data,
 * pages and search terms most often. A subscription is sent as a POST only (405): a GET would open its endless stream.
 */
const PROCEDURES: Array<[string, 'query' | 'mutation' | 'subscription', number]> = [
  ['jobs.add', 'mutation', 12],
  ['jobs.list', 'query', 4],
  ['jobs.search', 'query', 4],
  ['queues.clean', 'mutation', 4],
  ['schedules.upsert', 'mutation', 3],
  ['jobs.get', 'query', 2],
  ['jobs.retry', 'mutation', 2],
  ['jobs.remove', 'mutation', 2],
  ['jobs.promote', 'mutation', 2],
  ['queues.overview', 'query', 1],
  ['queues.get', 'query', 1],
  ['queues.pause', 'mutation', 1],
  ['queues.resume', 'mutation', 1],
  ['queues.empty', 'mutation', 1],
  ['queues.retryAll', 'mutation', 1],
  ['queues.promoteAll', 'mutation', 1],
  ['metrics.throughput', 'query', 1],
  ['metrics.depth', 'query', 1],
  ['schedules.list', 'query', 1],
  ['schedules.remove', 'mutation', 1],
  ['schedules.runNow', 'mutation', 1],
  ['audit.list', 'query', 1],
  ['alerts.list', 'query', 1],
  ['insights.get', 'query', 1],
  ['outbox.list', 'query', 1],
  ['reports.list', 'query', 1],
  ['auth.me', 'query', 1],
  ['auth.ping', 'query', 1],
  ['queues.live', 'subscription', 1],
  ['queues.oldestWaits', 'query', 1],
  ['queues.cleanCount', 'query', 2],
  ['jobs.editRetry', 'mutation', 3],
  ['metrics.rates', 'query', 1],
  ['metrics.latency', 'query', 1],
  ['metrics.latencySeries', 'query', 1],
  ['schedules.setInterval', 'mutation', 1],
  ['audit.people', 'query', 1],
  ['orgs.list', 'query', 1],
  ['alerts.acknowledge', 'mutation', 1],
  ['alerts.notificationChannels', 'query', 1],
  ['alerts.sendTestNotification', 'mutation', 1],
  ['insights.generate', 'mutation', 1],
  ['reports.generate', 'mutation', 1],
  ['outbox.get', 'query', 1],
  ['workers.list', 'query', 1],
  ['failures.groups', 'query', 1],
  ['failures.group', 'query', 1],
  ['bulk.preview', 'query', 2],
  ['bulk.start', 'mutation', 2],
  ['bulk.status', 'query', 1],
  ['bulk.recent', 'query', 1],
  ['bulk.cancel', 'mutation', 1],
  ['users.list', 'query', 1],
  ['users.invites', 'query', 1],
  ['users.invite', 'mutation', 2],
  ['users.revokeInvite', 'mutation', 1],
  ['users.setRole', 'mutation', 1],
  ['users.setStatus', 'mutation', 1],
  ['tokens.list', 'query', 1],
  ['tokens.create', 'mutation', 2],
  ['tokens.revoke', 'mutation', 1],
  ['tokens.environment', 'query', 1],
  ['nope.nothing', 'query', 1],
];
const procedure = fc.oneof(...PROCEDURES.map(([path, kind, weight]) => ({ arbitrary: fc.constant([path, kind] as const), weight })));

/** One call, a batch of two, the wrong HTTP method, or JSON cut short. */
const trpcMode = fc.oneof({ arbitrary: fc.constant('plain'), weight: 8 }, { arbitrary: fc.constantFrom('batch', 'wrong-method', 'garbage'), weight: 2 });

const trpcRequest: fc.Arbitrary<Sent> = fc.tuple(procedure, procedureInput.map(toText), trpcMode, role).map(([[proc, kind], input, mode, r]) => {
  const headers = auth(r);
  const json = { ...headers, 'content-type': 'application/json' };
  if (mode === 'garbage') return { method: 'POST', path: `/trpc/${proc}`, headers: json, body: input.slice(0, -1) || '{' };
  if (kind === 'subscription') return { method: 'POST', path: `/trpc/${proc}`, headers: json, body: input };
  const asQuery = (kind === 'query') !== (mode === 'wrong-method');
  const path = mode === 'batch' ? `/trpc/${proc},${proc}?batch=1` : `/trpc/${proc}`;
  const payload = mode === 'batch' ? `{"0":${input},"1":${input}}` : input;
  // Long inputs go in a body: a URL over the header limit is refused by Node (431) before any of our code.
  const withInput = `${path}${path.includes('?') ? '&' : '?'}input=${encodeURIComponent(payload)}`;
  if (asQuery && payload.length < 6_000) return { method: 'GET', path: withInput, headers };
  return { method: 'POST', path, headers: json, body: payload };
});

// — webhooks —

const headerValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(...' !"#$%&()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'), maxLength: 40 }),
  fc.constantFrom('', '   ', 'orders/create', 'orders/updated', 'refunds/create', 'order.created', 'charge.succeeded', 'x'.repeat(400)),
);
const webhookBody = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  anyJson.map((v) => Buffer.from(toText(v))),
  fc
    .record({
      id: maybe(oddNumber),
      created_at: maybe(oddString),
      updated_at: maybe(oddString),
      total_price: maybe(oddString),
      currency: maybe(oddString),
      type: maybe(oddString),
      data: anyJson,
    })
    .map((v) => Buffer.from(toText(v))),
  depth.map((n) => Buffer.from(nestArrays(n).text)),
);

function signatureHeaders(platform: string, body: Buffer, signed: boolean, junk: string): Record<string, string> {
  const secrets: Record<string, string> = WEBHOOK_SECRETS;
  const secret = signed && Object.hasOwn(secrets, platform) ? secrets[platform] : 'wrong-secret';
  const mac = () => createHmac('sha256', secret).update(body);
  if (platform === 'shopify') return { 'x-shopify-hmac-sha256': signed ? mac().digest('base64') : junk };
  if (platform === 'woocommerce') return { 'x-wc-webhook-signature': signed ? mac().digest('base64') : junk };
  if (platform === 'stripe') {
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from(`${t}.`), body]))
      .digest('hex');
    return { 'stripe-signature': signed ? `t=${t},v1=${v1}` : junk };
  }
  return { 'x-hub-signature-256': signed ? `sha256=${mac().digest('hex')}` : junk };
}

const ENCODINGS = ['gzip', 'deflate', 'br', 'compress', 'identity'];
const OTHER_HEADERS = ['x-webhook-event', 'x-webhook-id', 'x-shopify-event-id', 'x-forwarded-for', 'authorization'];

const webhookRequest: fc.Arbitrary<Sent> = fc
  .record({
    platform: fc.oneof({ arbitrary: fc.constantFrom(...PLATFORMS), weight: 6 }, { arbitrary: oddString, weight: 1 }),
    body: webhookBody,
    signed: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
    junkSignature: headerValue,
    topic: headerValue,
    id: headerValue,
    type: contentType,
    encoding: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: fc.constantFrom(...ENCODINGS), weight: 1 }),
    integration: fc.option(oddString),
    extra: fc.dictionary(fc.constantFrom(...OTHER_HEADERS), headerValue, { maxKeys: 2 }),
  })
  .map((w) => {
    const headers: Record<string, string> = {
      ...w.extra,
      'x-shopify-topic': w.topic,
      'x-shopify-webhook-id': w.id,
      'x-wc-webhook-topic': w.topic,
      'x-wc-webhook-delivery-id': w.id,
      ...signatureHeaders(w.platform, w.body, w.signed, w.junkSignature),
      ...(w.type ? { 'content-type': w.type } : {}),
      ...(w.encoding ? { 'content-encoding': w.encoding } : {}),
    };
    const query = w.integration === null ? '' : `?integration=${segment(w.integration)}`;
    // A correctly signed delivery to a configured platform is accepted, whatever its body and headers (within BODY_LIMIT).
    const plainBytes = w.encoding === undefined || w.encoding === 'identity';
    const accepted = w.signed && Object.hasOwn(WEBHOOK_SECRETS, w.platform) && plainBytes && w.body.length <= BODY_LIMIT;
    const path = `/api/webhooks/${segment(w.platform)}${query}`;
    return { method: 'POST', path, headers, body: new Uint8Array(w.body), ...(accepted ? { expected: 200 } : {}) };
  });

// — the properties —

const params = (numRuns: number): fc.Parameters<[Sent]> => ({ numRuns, ...(seed === undefined ? {} : { seed }), endOnFailure: false });
const neverServerError = async (req: Sent) => {
  const status = await send(req);
  expect(status).toBeLessThan(500);
  if (req.expected !== undefined) expect(status, `${req.method} ${req.path.slice(0, 200)}`).toBe(req.expected);
};

describe('fuzzing the HTTP surface: never a 5xx', () => {
  it('fuzzes every procedure of the app router', () => {
    const fuzzed = new Set(PROCEDURES.map(([p]) => p));
    expect(Object.keys(appRouter._def.procedures).filter((p) => !fuzzed.has(p))).toEqual([]);
  });

  it(`REST /api/jobs/…: ${RUNS.rest} random requests`, async () => {
    await fc.assert(fc.asyncProperty(restRequest, neverServerError), params(RUNS.rest));
  }, 60_000);

  it(`tRPC procedures: ${RUNS.trpc} random calls`, async () => {
    await fc.assert(fc.asyncProperty(trpcRequest, neverServerError), params(RUNS.trpc));
  }, 60_000);

  it(`webhook intake: ${RUNS.webhooks} random deliveries, signed and unsigned (each correctly signed one answered 200)`, async () => {
    await fc.assert(fc.asyncProperty(webhookRequest, neverServerError), params(RUNS.webhooks));
  }, 60_000);

  it(`sent at least ${MIN_REQUESTS} requests, and the process is still healthy`, async () => {
    expect(requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const health = await fetch(`${app.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', redis: 'up' });
    const livez = await fetch(`${app.base}/livez`);
    expect(livez.status).toBe(200);
  });
});
