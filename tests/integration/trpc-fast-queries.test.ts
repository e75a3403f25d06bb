import type { AddressInfo } from 'node:net';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express from 'express';
import { NotFoundError } from '../../server/errors.ts';
import type { ApiServices } from '../../server/http/services.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastQueries } from '../../server/http/trpc/fast-queries.ts';
import { createCallerFactory } from '../../server/http/trpc/init.ts';
import { contextFromRequest } from '../../server/http/trpc/context.ts';
import { appRouter } from '../../server/http/trpc/router.ts';
import { API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, send, type Req, type Res } from '../helpers/api-requests.ts';

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
  for (let i = 0; i < 3; i++) await app.services.queueService.addJob('alerts', alertData(i) as never);
});
afterAll(() => app.close());

const q = (input: unknown) => encodeURIComponent(JSON.stringify(input));
const get = (path: string, headers: Record<string, string> = bearer(API_TOKEN)): Req => ({ method: 'GET', path, headers });

/** A body with its read times (`at`, which differ between two reads) left out. */
const timeless = (body: unknown): unknown => JSON.parse(JSON.stringify(body), (key, value) => (key === 'at' && typeof value === 'number' ? undefined : value));

/** The same request, once as sent and once with `trpc-accept`, which sends it through tRPC's own adapter. */
async function both(req: Req): Promise<[Res, Res]> {
  const fast = await send(app.base, req);
  const adapter = await send(app.base, { ...req, headers: { ...req.headers, 'trpc-accept': 'application/json' } });
  return [fast, adapter];
}

describe('tRPC reads answered without the fetch adapter', () => {
  const cases: Array<[string, Req]> = [
    ['a query without input', get('/trpc/queues.overview')],
    ['a query with input', get(`/trpc/jobs.list?input=${q({ queue: 'alerts', state: 'waiting', page: 1, pageSize: 2 })}`)],
    ['a batch of queries', get(`/trpc/queues.get,jobs.list?batch=1&input=${q({ 0: { queue: 'alerts' }, 1: { queue: 'alerts', state: 'waiting' } })}`)],
    ['a batch with no input', get(`/trpc/queues.overview,auth.ping?batch=1&input=${q({})}`)],
    ['a not-found job (an error)', get(`/trpc/jobs.get?input=${q({ queue: 'alerts', id: 'no-such-job' })}`)],
    ['an unknown queue (a validation error)', get(`/trpc/jobs.list?input=${q({ queue: 'nope', state: 'waiting' })}`)],
    ['a batch where one call fails', get(`/trpc/queues.overview,jobs.get?batch=1&input=${q({ 1: { queue: 'alerts', id: 'no-such-job' } })}`)],
    ['no credentials', get('/trpc/queues.overview', {})],
    ['a mutation sent as GET', get(`/trpc/queues.pause?input=${q({ queue: 'alerts' })}`)],
    ['an unknown procedure', get('/trpc/nope.nothing')],
    ['input that is not JSON', get('/trpc/jobs.list?input=%7Bnot-json')],
  ];
  it.each(cases)('%s: the same status, body and headers as the adapter', async (_name, req) => {
    const [fast, adapter] = await both(req);
    expect(fast.status).toBe(adapter.status);
    expect(fast.body).toBeDefined();
    expect(timeless(fast.body)).toEqual(timeless(adapter.body));
    expect(fast.headers.get('content-type')).toBe(adapter.headers.get('content-type'));
    expect(fast.headers.get('vary')).toBe(adapter.headers.get('vary'));
  });

  it('the queue paused by no GET: a mutation is never run by the read path', async () => {
    await send(app.base, get(`/trpc/queues.pause?input=${q({ queue: 'alerts' })}`));
    expect((await send(app.base, get(`/trpc/queues.get?input=${q({ queue: 'alerts' })}`))).body.result.data.isPaused).toBe(false);
  });
});

describe('which requests the read path takes', () => {
  let base: string;
  let close: () => void;
  beforeAll(async () => {
    const ctx = contextFromRequest(app.services);
    const bare = express();
    bare.use(
      '/trpc',
      fastQueries({
        router: appRouter,
        createCaller: createCallerFactory(appRouter),
        createContext: (req) => ({ ...ctx({ req }), user: { name: 'api-token', role: 'admin', via: 'token' } }),
      }),
    );
    // What falls through answers 599, so each case shows whether the read path answered it.
    bare.use((_req, res) => void res.status(599).end());
    const server = bare.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it.each([
    ['/trpc/queues.overview', 200],
    [`/trpc/queues.overview,workers.list?batch=1&input=${q({})}`, 200],
    ['/trpc/queues.overview,workers.list', 599],
    [`/trpc/jobs.get?input=${q({ queue: 'alerts', id: 'no-such-job' })}`, 599],
    [`/trpc/queues.pause?input=${q({ queue: 'alerts' })}`, 599],
    ['/trpc/queues.live', 599],
    ['/trpc/nope.nothing', 599],
    ['/trpc/jobs.list?input=%7Bnot-json', 599],
  ])('GET %s → %i', async (path, status) => {
    expect((await fetch(base + path)).status).toBe(status);
  });

  it('leaves POST and streaming requests to the adapter', async () => {
    expect((await fetch(`${base}/trpc/queues.overview`, { method: 'POST' })).status).toBe(599);
    expect((await fetch(`${base}/trpc/queues.overview`, { headers: { 'trpc-accept': 'application/jsonl' } })).status).toBe(599);
    expect((await fetch(`${base}/trpc/queues.overview`, { headers: { accept: 'application/jsonl' } })).status).toBe(599);
  });
});

describe('a read that fails on the fast path', () => {
  it('is answered by the adapter with that error, without running again', async () => {
    let calls = 0;
    const services = {
      queueService: {
        getOverview: async () => {
          calls++;
          throw new NotFoundError('No overview today');
        },
      },
    } as unknown as ApiServices;
    const user = { name: 'api-token', role: 'admin', via: 'token' } as const;
    const context = (req: express.Request) => ({ ...contextFromRequest(services)({ req }), user });
    const bare = express();
    bare.use('/trpc', fastQueries({ router: appRouter, createCaller: createCallerFactory(appRouter), createContext: context }));
    bare.use(
      '/trpc',
      createExpressMiddleware({ router: appRouter, createContext: ({ req, res }) => ({ ...context(req), failedReads: res.locals.trpcFailedReads }) }),
    );
    const server = bare.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/trpc/queues.overview`);
      expect(res.status).toBe(404);
      expect((await res.json()).error.message).toBe('No overview today');
      expect(calls).toBe(1);
      // In a batch, the call that failed is replayed and the one that succeeded runs again.
      const batch = await fetch(`${base}/trpc/queues.overview,auth.ping?batch=1&input=${q({})}`);
      expect(batch.status).toBe(207);
      const [overview, ping] = await batch.json();
      expect(overview.error.data.code).toBe('NOT_FOUND');
      expect(typeof ping.result.data.at).toBe('number');
      expect(calls).toBe(2);
    } finally {
      server.close();
    }
  });
});
