import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../shared/jobs.ts';
import { CONNECTORS } from '../../server/domain/connectors/index.ts';
import type { Connector, ConnectorContext, DailyMetricRow, PlatformRecord, SyncWindow } from '../../server/domain/connectors/types.ts';
import { PlatformAuthError, PlatformRateLimitError, PlatformRequestError, PlatformTransientError } from '../../server/domain/connectors/errors.ts';
import { requestJson } from '../../server/domain/connectors/http.ts';
import { shopifyOrderSchema, shopifyOrderToRecords } from '../../server/domain/connectors/shopify-rest.ts';
import { startAllStandins, startStandin, type AllStandins, type CommerceStandin, type MetricsStandin } from '../../server/demo/standins/index.ts';

/** A fixed past "now" for the stand-ins: their history is deterministic, and anything added during the test is newer. */
const NOW = Date.parse('2025-03-15T12:00:00Z');
/** Inside the 120 days of history (2024-11-16 … 2025-03-15). */
const WINDOW: SyncWindow = { startDate: '2025-01-20', endDate: '2025-03-15' };
/** Small pages, so every window takes several. */
const PAGE_CAP = 25;

const COMMERCE = ['shopify', 'woocommerce', 'stripe'] as const;
const METRICS = ['google-analytics', 'facebook-ads'] as const;
const ALL = [...COMMERCE, ...METRICS] as const;

let standins: AllStandins;
beforeAll(async () => {
  standins = await startAllStandins({ now: NOW, pageSizeCap: PAGE_CAP });
});
afterAll(async () => {
  await standins?.close();
});

async function fetchAll(connector: Connector, ctx: ConnectorContext, window: SyncWindow) {
  const records: PlatformRecord[] = [];
  const metrics: DailyMetricRow[] = [];
  const pages = [];
  let token: string | undefined;
  do {
    const page = await connector.fetchPage(ctx, window, token);
    pages.push(page);
    records.push(...page.records);
    metrics.push(...page.metrics);
    token = page.nextPage;
    if (pages.length > 1000) throw new Error('pagination does not end');
  } while (token);
  return { records, metrics, pages };
}

const byKey = <T extends { kind: string; externalId: string }>(xs: T[]) =>
  [...xs].sort((a, b) => `${a.kind}:${a.externalId}`.localeCompare(`${b.kind}:${b.externalId}`));
const withoutPayload = (rs: PlatformRecord[]) => rs.map(({ payload: _p, ...r }) => r);
const byDay = (xs: DailyMetricRow[]) => [...xs].sort((a, b) => `${a.date}:${a.metric}`.localeCompare(`${b.date}:${b.metric}`));
const today = () => new Date().toISOString().slice(0, 10);

describe.each(COMMERCE)('%s connector against its stand-in', (platform) => {
  const s = () => standins[platform] as CommerceStandin;
  const connector = CONNECTORS[platform];

  it('a full window over several pages returns every record the stand-in holds for it, amounts and days right', async () => {
    const before = s().requests.length;
    const { records, pages } = await fetchAll(connector, s().context(), WINDOW);
    const expected = s().expectedRecords(WINDOW.startDate, WINDOW.endDate);

    expect(pages.length).toBeGreaterThan(5);
    // Shopify reads the token's scopes once first (they bound the window).
    expect(s().requests.length - before).toBe(pages.length + (platform === 'shopify' ? 1 : 0));
    expect(expected.filter((r) => r.kind === 'refund').length).toBeGreaterThan(0);
    expect(byKey(withoutPayload(records))).toEqual(byKey(expected));
    expect(new Set(records.map((r) => `${r.kind}:${r.externalId}`)).size).toBe(records.length);
    for (const r of records) expect(r.occurredOn >= WINDOW.startDate || r.kind === 'refund').toBe(true);
  });

  it('incremental (since) returns only what changed after the cursor: a new order and a refunded one', async () => {
    const since = new Date().toISOString();
    const added = s().addOrder({ amount: 19.99 });
    const refunded = platform === 'stripe' ? s().addOrder({ amount: 30 }) : s().orders.find((o) => o.refunds.length === 0 && /paid|completed/.test(o.status))!;
    const refund = s().refundOrder(refunded.id, 10);
    const window = { since, startDate: '2024-11-16', endDate: today() };

    const { records } = await fetchAll(connector, s().context(), window);

    const refundId = refund.id;
    expect(records.map((r) => r.externalId).sort()).toEqual([added.id, refunded.id, refundId].sort());
    expect(records.find((r) => r.externalId === added.id)).toMatchObject({ amount: 19.99, occurredOn: today() });
    expect(records.find((r) => r.externalId === refundId)).toMatchObject({ kind: 'refund', amount: 10 });
    for (const r of records) expect(r.updatedAt >= since.slice(0, 19)).toBe(true);
  });
});

describe.each(METRICS)('%s connector against its stand-in', (platform) => {
  const s = () => standins[platform] as MetricsStandin;
  const connector = CONNECTORS[platform];

  it('a full window over several pages returns every metric row the stand-in holds for it', async () => {
    const { metrics, pages } = await fetchAll(connector, s().context(), WINDOW);
    expect(pages.length).toBeGreaterThan(1);
    expect(byDay(metrics)).toEqual(byDay(s().expectedMetrics(WINDOW.startDate, WINDOW.endDate)));
    expect(new Set(metrics.map((m) => m.date)).size).toBe(55);
  });

  it('a day changed on the platform is read again (these APIs have no "changed since": the window is read whole)', async () => {
    const metric = platform === 'google-analytics' ? 'sessions' : 'ad_spend';
    s().setDay('2025-03-10', { [metric]: 1234.5 });
    const window = { since: new Date().toISOString(), startDate: '2025-03-09', endDate: '2025-03-11' };
    const { metrics } = await fetchAll(connector, s().context(), window);
    expect(metrics.find((m) => m.date === '2025-03-10' && m.metric === metric)?.value).toBe(1234.5);
    expect(byDay(metrics)).toEqual(byDay(s().expectedMetrics('2025-03-09', '2025-03-11')));
  });
});

describe.each(ALL)('%s connector failures', (platform) => {
  const s = () => standins[platform];
  const connector = CONNECTORS[platform];
  const small = { startDate: '2025-03-01', endDate: '2025-03-02' };

  it('a bad token → PlatformAuthError (401; Meta says 400 with code 190)', async () => {
    const ctx = s().context();
    ctx.credentials = Object.fromEntries(Object.keys(ctx.credentials).map((k) => [k, 'wrong']));
    const err = await connector.fetchPage(ctx, small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformAuthError);
    expect((err as PlatformAuthError).status).toBe(platform === 'facebook-ads' ? 400 : 401);
  });

  it('missing credentials → PlatformAuthError without a call', async () => {
    const ctx = s().context();
    ctx.credentials = {};
    const before = s().requests.length;
    await expect(connector.fetchPage(ctx, small)).rejects.toBeInstanceOf(PlatformAuthError);
    expect(s().requests.length).toBe(before);
  });

  it('429 with Retry-After: 2 → PlatformRateLimitError with retryAfterMs 2000, then it works again', async () => {
    s().failNext(429, { retryAfterSec: 2 });
    const err = await connector.fetchPage(s().context(), small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformRateLimitError);
    expect((err as PlatformRateLimitError).retryAfterMs).toBe(2000);
    await expect(connector.fetchPage(s().context(), small)).resolves.toBeDefined();
  });

  it('500 → PlatformTransientError', async () => {
    s().failNext(500);
    const err = await connector.fetchPage(s().context(), small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformTransientError);
    expect((err as PlatformTransientError).status).toBe(500);
  });

  it('an aborted signal stops a slow request quickly, with an AbortError', async () => {
    s().setDelay(10_000);
    try {
      const ac = new AbortController();
      const started = Date.now();
      setTimeout(() => ac.abort(), 100);
      const err = await connector.fetchPage(s().context(ac.signal), small).catch((e: unknown) => e);
      expect((err as Error).name).toBe('AbortError');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      s().setDelay(0);
    }
  });
});

describe('platform specifics', () => {
  it('Shopify: scopes once, then one GraphQL query per page, each next one after the previous endCursor with the same search; the bucket read as callLimit', async () => {
    const s = standins.shopify;
    const from = s.requests.length;
    const q0 = s.queries.length;
    const { pages } = await fetchAll(CONNECTORS.shopify, s.context(), { startDate: '2025-03-01', endDate: '2025-03-10' });
    expect(pages.length).toBeGreaterThan(1);
    expect(s.requests.slice(from).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /admin/oauth/access_scopes.json',
      ...pages.map(() => 'POST /admin/api/2026-10/graphql.json'),
    ]);
    const queries = s.queries.slice(q0);
    expect(queries.map((q) => q.after)).toEqual([null, ...pages.slice(0, -1).map((p) => p.nextPage)]);
    for (const q of queries) {
      expect(q).toMatchObject({ search: "created_at:>='2025-03-01T00:00:00Z' AND created_at:<='2025-03-10T23:59:59Z'", sortKey: 'CREATED_AT', outcome: 'ok' });
    }
    pages.forEach((p, i) => {
      expect(p.callLimit).toEqual({ used: 20_000 - queries[i].currentlyAvailable, max: 20_000 });
    });
  });

  it('Shopify: an order placed late in the evening, shop time (UTC-5), counts on the next UTC day, by sync (UTC) and by webhook (shop time) alike', async () => {
    const s = standins.shopify;
    const o = s.addOrder({ createdAt: Date.parse('2025-03-16T02:30:00Z'), amount: 5 });
    const { records } = await fetchAll(CONNECTORS.shopify, s.context(), { startDate: '2025-03-16', endDate: '2025-03-16' });
    const rec = records.find((r) => r.externalId === o.id)!;
    expect((rec.payload as { createdAt: string }).createdAt).toBe('2025-03-16T02:30:00Z');
    expect(rec.occurredOn).toBe('2025-03-16');
    const hook = s.restOrder(o.id);
    expect(hook.created_at).toBe('2025-03-15T21:30:00-05:00');
    const [fromHook] = shopifyOrderToRecords(shopifyOrderSchema.parse(hook));
    const { payload: _a, ...synced } = rec;
    const { payload: _b, ...hooked } = fromHook;
    expect(hooked).toEqual(synced);
  });

  it('WooCommerce: pages by page/per_page and X-WP-TotalPages; after each page, one call for the refunds of each order that lists some', async () => {
    const s = standins.woocommerce;
    const from = s.requests.length;
    const { pages } = await fetchAll(CONNECTORS.woocommerce, s.context(), { startDate: '2025-03-01', endDate: '2025-03-10' });
    const reqs = s.requests.slice(from);
    expect(reqs).toHaveLength(pages.length);
    const listing = reqs.filter((r) => r.path === '/wp-json/wc/v3/orders');
    expect(listing.map((r) => r.query.page)).toEqual(listing.map((_, i) => String(i + 1)));
    expect(listing[0].query).toMatchObject({ per_page: '100', dates_are_gmt: 'true', after: '2025-02-28T23:59:59', before: '2025-03-11T00:00:00' });
    // Each listed page is followed by its refunded orders' refunds (the stand-in serves at most 25 orders a page).
    const refunded = s.expectedRecords('2025-03-01', '2025-03-10').filter((r) => r.kind === 'refund');
    const orderOf = (refundId: string) => s.orders.find((o) => o.refunds.some((r) => r.id === refundId))!.id;
    expect(reqs.filter((r) => r.path !== '/wp-json/wc/v3/orders').map((r) => r.path)).toEqual(
      [...new Set(refunded.map((r) => orderOf(r.externalId)))].sort().map((id) => `/wp-json/wc/v3/orders/${id}/refunds`),
    );
    expect(refunded.length).toBeGreaterThan(0);
  });

  it('Stripe: charges, then refunds, then disputes, each paged by starting_after (the token names the phase); a zero-decimal currency is not divided', async () => {
    const s = standins.stripe;
    const yen = s.addOrder({ currency: 'JPY', amount: 5000 });
    const from = s.requests.length;
    const { records, pages } = await fetchAll(CONNECTORS.stripe, s.context(), { startDate: '2025-03-01', endDate: today() });
    expect(pages.length).toBeGreaterThan(2);
    const reqs = s.requests.slice(from);
    expect(reqs).toHaveLength(pages.length);
    // Each token is "<phase>:<Stripe cursor>"; the request it leads to lists that phase after that id.
    expect(reqs[0]).toMatchObject({ path: '/v1/charges', query: { limit: '100', 'created[gte]': String(Date.parse('2025-03-01') / 1000) } });
    expect(reqs[0].query.starting_after).toBeUndefined();
    reqs.slice(1).forEach((r, i) => {
      const [phase, after] = pages[i].nextPage!.split(':');
      expect(r.path).toBe(`/v1/${phase}`);
      expect(r.query.starting_after).toBe(after || undefined);
    });
    expect(reqs.map((r) => r.path).filter((p, i, all) => all.indexOf(p) === i)).toEqual(['/v1/charges', '/v1/refunds', '/v1/disputes']);
    expect(pages.at(-1)!.nextPage).toBeUndefined();
    expect(records.find((r) => r.externalId === yen.id)).toMatchObject({ amount: 5000, currency: 'JPY' });
  });

  it('Facebook: page tokens carry no access token, and later pages still authenticate', async () => {
    const s = standins['facebook-ads'];
    const from = s.requests.length;
    const { pages } = await fetchAll(CONNECTORS['facebook-ads'], s.context(), WINDOW);
    for (const p of pages) expect(p.nextPage ?? '').not.toContain('access_token');
    const reqs = s.requests.slice(from);
    expect(reqs.length).toBeGreaterThan(1);
    for (const r of reqs.slice(1)) expect(r.query).toMatchObject({ access_token: s.credentials.accessToken, after: expect.any(String), time_increment: '1' });
  });

  it('the same day always gives the same data, whenever the stand-in starts', async () => {
    const later = await startStandin('shopify', { now: NOW + 10 * 86_400_000 });
    const ga = await startStandin('google-analytics', { now: NOW + 10 * 86_400_000 });
    try {
      const fresh = await startStandin('shopify', { now: NOW });
      expect(later.expectedRecords('2025-03-01', '2025-03-05')).toEqual(fresh.expectedRecords('2025-03-01', '2025-03-05'));
      await fresh.close();
      expect(ga.expectedMetrics('2025-03-01', '2025-03-05')).toEqual(standins['google-analytics'].expectedMetrics('2025-03-01', '2025-03-05'));
    } finally {
      await later.close();
      await ga.close();
    }
  });
});

describe('requestJson over real HTTP', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/html') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>');
      if (path === '/404') return res.writeHead(404).end('{"message":"nope"}');
      if (path === '/403') return res.writeHead(403).end('{"errors":"forbidden"}');
      if (path === '/503') return res.writeHead(503).end('busy');
      if (path === '/429-date') return res.writeHead(429, { 'Retry-After': new Date(Date.now() + 5000).toUTCString() }).end('{}');
      if (path === '/429-none') return res.writeHead(429).end('{}');
      if (path === '/redirect') return res.writeHead(301, { Location: 'https://elsewhere.example/' }).end();
      if (path === '/reset') return req.socket.destroy();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const ctx = () => ({ signal: new AbortController().signal });
  const fail = (path: string) => requestJson(ctx(), `${base}${path}`).catch((e: unknown) => e);

  it('returns the parsed body and the headers', async () => {
    const res = await requestJson<{ ok: boolean }>(ctx(), `${base}/ok`);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('maps statuses and bodies to the typed errors', async () => {
    expect(await fail('/html')).toBeInstanceOf(PlatformRequestError);
    expect(await fail('/404')).toMatchObject({ name: 'PlatformRequestError', status: 404 });
    expect(await fail('/403')).toMatchObject({ name: 'PlatformAuthError', status: 403 });
    expect(await fail('/503')).toMatchObject({ name: 'PlatformTransientError', status: 503 });
    expect(await fail('/redirect')).toMatchObject({ name: 'PlatformRequestError', status: 301 });
  });

  it('reads Retry-After as an HTTP date, and defaults to 1 s without one', async () => {
    const dated = (await fail('/429-date')) as PlatformRateLimitError;
    expect(dated.retryAfterMs).toBeGreaterThan(2000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(5000);
    expect(((await fail('/429-none')) as PlatformRateLimitError).retryAfterMs).toBe(1000);
  });

  it('a reset connection or a refused one is transient', async () => {
    expect(await fail('/reset')).toBeInstanceOf(PlatformTransientError);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await requestJson(ctx(), `http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformTransientError);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('a request fetch refuses to send (a bad header value) is a request error, not a retry', async () => {
    const err = await requestJson(ctx(), `${base}/ok`, { headers: { 'X-Token': 'a\nb' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformRequestError);
  });

  it('an already-aborted signal rejects with its reason, untouched', async () => {
    const ac = new AbortController();
    const reason = new Error('job cancelled');
    ac.abort(reason);
    await expect(requestJson({ signal: ac.signal }, `${base}/ok`)).rejects.toBe(reason);
  });
});

it('every platform has a connector', () => {
  expect(Object.keys(CONNECTORS).sort()).toEqual([...ALL].sort() satisfies Platform[]);
});
