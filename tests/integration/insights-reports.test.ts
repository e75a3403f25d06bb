/**
 * The insights and report processors end to end: real BullMQ workers running the production
 * processors (createProcessors, as the composition root wires them) on real Redis, over a fresh SQLite or
 * PostgreSQL store seeded with daily metrics whose totals are known. The report downloads are read
 * through the real HTTP app (startApiApp).
 */
import { createHash } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import type { AlertJobData, EmailJobData, InsightsJobData, ReportJobData } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import type { InsightsResult } from '../../server/domain/insights/insights-processing.ts';
import type { Insight } from '../../server/domain/insights/types.ts';
import type { ReportResult } from '../../server/domain/reports/report-processing.ts';
import type { StoredInsights } from '../../server/domain/store/insights-store.ts';
import type { Store } from '../../server/domain/store/store.ts';
import { createProcessors } from '../../server/queue/processors/index.ts';
import { createWorkerRuntime } from '../../server/queue/worker.ts';
import { API_TOKEN, VIEWER_PASSWORD, login, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { openTestStore, type TestStore } from '../helpers/databases.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { settleJob } from '../helpers/settle-job.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { addDays, daily, openProcessorHarness, round2, yesterday, type ProcessorHarness } from '../fixtures/processor-harness.ts';

const INSIGHTS = QueueName.INSIGHTS_GENERATION;
const REPORTS = QueueName.REPORT_GENERATION;
const EMAIL = QueueName.EMAIL_SENDING;
const ALERTS = QueueName.ALERTS;
const PUBLIC_URL = 'https://console.bizinsights.test';

/** 995…1005, no trend: a steady day-to-day wobble around 1000. */
const steady = (n: number, level = 1000, spread = 5) => Array.from({ length: n }, (_, i) => level + ((i * 7) % (2 * spread + 1)) - spread);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const totalOf = (insights: Insight[], metric: string) => insights.find((i) => i.type === 'total_change' && i.metric === metric)?.numbers;

describeOnStores('insights processor', (dialect, test) => {
  let h: ProcessorHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function run(data: InsightsJobData) {
    const job = await h!.queueService.addJob(INSIGHTS, data);
    const done = await h!.settle(INSIGHTS, job.id!);
    return done;
  }

  test('stores and caches the insights per org and period; a second run is served from the cache (old numbers) until forceRegenerate recomputes', async () => {
    h = await openProcessorHarness(dialect, { env: { INSIGHTS_CACHE_TTL_SEC: '600' } });
    await h.startWorkers([INSIGHTS]);
    const org = await h.org('Steady Shop');
    const shop = await h.integration(org.id, 'shopify');
    const ads = await h.integration(org.id, 'facebook-ads');
    const end = yesterday();
    const current = steady(30);
    const previous = Array.from({ length: 30 }, () => 800);
    await h.store.upsertMetrics(shop, [
      ...daily('revenue', addDays(end, -30), previous),
      ...daily('revenue', end, current),
      // Outside both windows: today (not complete yet) and the day before the previous window.
      { date: addDays(end, 1), metric: 'revenue', value: 99_999 },
      { date: addDays(end, -60), metric: 'revenue', value: 77_777 },
    ]);
    // Summed over the integrations of the organization.
    await h.store.upsertMetrics(
      ads,
      daily(
        'revenue',
        end,
        Array.from({ length: 30 }, () => 10),
      ),
    );

    const first = await run({ organizationId: org.id, period: '30d' });
    expect(first.state, first.failedReason).toBe('completed');
    const r1 = first.returnvalue as InsightsResult;
    const total1 = sum(current) + 300;
    expect(r1).toMatchObject({ organizationId: org.id, period: '30d', windowStart: addDays(end, -29), windowEnd: end, cached: false, alerts: 0 });
    expect(totalOf(r1.insights, 'revenue')).toMatchObject({ total: total1, previous: 24_000, currentDays: 30, previousDays: 30 });
    expect(totalOf(r1.insights, 'revenue')!.change).toBeCloseTo(((total1 - 24_000) / 24_000) * 100, 9);

    // Stored…
    const stored = await h.store.insights.get(org.id, '30d');
    expect(stored).toEqual({
      organizationId: org.id,
      period: '30d',
      windowStart: addDays(end, -29),
      windowEnd: end,
      insights: r1.insights,
      narrative: null,
      generatedAt: r1.generatedAt,
    });
    // …and cached under insights:<org>:<period> in the processors' namespace, for INSIGHTS_CACHE_TTL_SEC.
    const cacheKey = `${h.prefix}:cache:insights:${org.id}:30d`;
    expect(JSON.parse((await h.connection.get(cacheKey))!) as StoredInsights).toEqual(stored);
    const ttl = await h.connection.ttl(cacheKey);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);

    // The data changes; without forceRegenerate the cached result (old numbers) comes back, nothing is recomputed.
    await h.store.upsertMetrics(
      shop,
      daily(
        'revenue',
        end,
        current.map((v) => v + 500),
      ),
    );
    const second = await run({ organizationId: org.id, period: '30d' });
    expect(second.state, second.failedReason).toBe('completed');
    const r2 = second.returnvalue as InsightsResult;
    expect(r2).toMatchObject({ cached: true, alerts: 0, generatedAt: r1.generatedAt });
    expect(totalOf(r2.insights, 'revenue')!.total).toBe(total1);
    expect(await h.store.insights.get(org.id, '30d')).toEqual(stored);

    // forceRegenerate recomputes from the store: the new numbers, stored and cached.
    await waitFor(() => Date.now() > Date.parse(r1.generatedAt)); // a generatedAt of its own
    const third = await run({ organizationId: org.id, period: '30d', forceRegenerate: true });
    expect(third.state, third.failedReason).toBe('completed');
    const r3 = third.returnvalue as InsightsResult;
    expect(r3.cached).toBe(false);
    expect(r3.generatedAt).not.toBe(r1.generatedAt);
    expect(totalOf(r3.insights, 'revenue')!.total).toBe(total1 + 30 * 500);
    const restored = await h.store.insights.get(org.id, '30d');
    expect(totalOf(restored!.insights, 'revenue')!.total).toBe(total1 + 30 * 500);
    expect(JSON.parse((await h.connection.get(cacheKey))!) as StoredInsights).toEqual(restored);

    // Another period is its own entry.
    const week = await run({ organizationId: org.id, period: '7d' });
    expect(week.returnvalue as InsightsResult).toMatchObject({ cached: false, windowStart: addDays(end, -6), windowEnd: end });
    expect(await h.connection.exists(`${h.prefix}:cache:insights:${org.id}:7d`)).toBe(1);

    // A steady series raises no anomaly alert.
    expect(await h.jobs(ALERTS)).toEqual([]);
  });

  test('a planted anomaly (29 days ~1000, yesterday 300) raises one DATA_ANOMALY alert job per metric and day, however often insights run', async () => {
    h = await openProcessorHarness(dialect);
    await h.startWorkers([INSIGHTS]);
    const org = await h.org('Anomalous Shop');
    const shop = await h.integration(org.id, 'shopify');
    const end = yesterday();
    await h.store.upsertMetrics(shop, [
      ...daily('revenue', addDays(end, -30), steady(30)),
      ...daily('revenue', end, [...steady(29), 300]),
      ...daily('orders', end, [...steady(29, 50, 2), 10]),
    ]);

    for (let i = 0; i < 2; i++) {
      const done = await run({ organizationId: org.id, period: '30d', forceRegenerate: true });
      expect(done.state, done.failedReason).toBe('completed');
      const r = done.returnvalue as InsightsResult;
      expect(r.cached).toBe(false);
      expect(r.alerts).toBe(2);
      const anomalies = r.insights.filter((x) => x.type === 'anomaly');
      expect(anomalies.map((a) => [a.metric, a.numbers.date, a.severity]).sort()).toEqual([
        ['orders', end, 'critical'],
        ['revenue', end, 'critical'],
      ]);
    }
    // A cached run raises nothing either.
    expect((await run({ organizationId: org.id, period: '30d' })).returnvalue).toMatchObject({ cached: true, alerts: 0 });

    const alerts = await h.jobs(ALERTS);
    expect(alerts).toHaveLength(2);
    const byMetric = new Map(alerts.map((j) => [(j.data as AlertJobData).metadata.metric, j.data as AlertJobData]));
    const revenue = byMetric.get('revenue')!;
    expect(revenue).toMatchObject({
      organizationId: org.id,
      alertType: 'DATA_ANOMALY',
      severity: 'HIGH',
      metadata: { metric: 'revenue', date: end, value: 300, period: '30d' },
    });
    expect(revenue.message).toMatch(/revenue/i);
    const dayBefore = steady(29)[28];
    const drop = (((dayBefore - 300) / dayBefore) * 100).toFixed(1);
    expect(revenue.message).toBe(`Revenue dropped ${drop}% from the day before`);
    expect(revenue.metadata).toMatchObject({ previous: dayBefore, previousDate: addDays(end, -1) });
    expect(byMetric.get('orders')).toMatchObject({ organizationId: org.id, alertType: 'DATA_ANOMALY', metadata: { metric: 'orders', date: end, value: 10 } });
  });

  test('an unknown organization fails at once, without retries', async () => {
    h = await openProcessorHarness(dialect);
    await h.startWorkers([INSIGHTS]);
    const job = await h.queueService.addJob(INSIGHTS, { organizationId: 'no-such-org', period: '7d' });
    const failed = await h.settle(INSIGHTS, job.id!);
    expect(failed.state).toBe('failed');
    expect(failed.failedReason).toBe('Organization "no-such-org" not found');
    expect(failed.opts.attempts).toBe(3);
    expect(failed.attemptsMade).toBe(1);
    // Final: a retry would have left the job 'delayed', not 'failed'.
    expect(await h.queueService.getQueueStats(INSIGHTS)).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
    expect(await h.store.insights.get('no-such-org', '7d')).toBeUndefined();
  });
});

// ───────────────────────────── reports ─────────────────────────────

interface Seeded {
  orgId: string;
  orgName: string;
  shopId: string;
  stripeId: string;
  end: string;
  start: string;
  revenue: number;
  previousRevenue: number;
  orders: number;
  /** `date,integration,metric,value` for every row of the window. */
  csvRows: string[];
}

/**
 * Two integrations with known numbers: in the 7 days ending yesterday shop revenue 100.25 + 10k and
 * orders 3 + k, Stripe revenue 50.5 + k (k = 0…6); in the 7 days before, 90 and 40 a day; and rows
 * just outside both windows that must not count.
 */
async function seedReportOrg(store: Store, name = 'Acme & Sons <Shop>'): Promise<Seeded> {
  const org = await store.createOrganization({ name });
  const shop = await store.createIntegration({ organizationId: org.id, platform: 'shopify', name: 'Shop', credentials: { accessToken: 'x' } });
  const stripe = await store.createIntegration({ organizationId: org.id, platform: 'stripe', name: 'Stripe', credentials: { secretKey: 'y' } });
  const end = yesterday();
  const start = addDays(end, -6);
  const k = [0, 1, 2, 3, 4, 5, 6];
  const shopRevenue = k.map((i) => 100.25 + 10 * i);
  const shopOrders = k.map((i) => 3 + i);
  const stripeRevenue = k.map((i) => 50.5 + i);
  await store.upsertMetrics(shop, [
    ...daily('revenue', end, shopRevenue),
    ...daily('orders', end, shopOrders),
    ...daily(
      'revenue',
      addDays(start, -1),
      Array.from({ length: 7 }, () => 90),
    ),
    { date: addDays(end, 1), metric: 'revenue', value: 5000 },
    { date: addDays(start, -8), metric: 'revenue', value: 7777 },
  ]);
  await store.upsertMetrics(stripe, [
    ...daily('revenue', end, stripeRevenue),
    ...daily(
      'revenue',
      addDays(start, -1),
      Array.from({ length: 7 }, () => 40),
    ),
  ]);
  const csvRows = [
    ...k.map((i) => `${addDays(start, i)},${shop.id},revenue,${shopRevenue[i]}`),
    ...k.map((i) => `${addDays(start, i)},${shop.id},orders,${shopOrders[i]}`),
    ...k.map((i) => `${addDays(start, i)},${stripe.id},revenue,${stripeRevenue[i]}`),
  ];
  return {
    orgId: org.id,
    orgName: name,
    shopId: shop.id,
    stripeId: stripe.id,
    end,
    start,
    revenue: round2(sum(shopRevenue) + sum(stripeRevenue)),
    previousRevenue: 7 * 90 + 7 * 40,
    orders: sum(shopOrders),
    csvRows,
  };
}

const kpiValue = (html: string, metric: string) => Number(new RegExp(`data-kpi="${metric}"[^>]*>.*?data-value="([^"]+)"`).exec(html)?.[1]);
const csvLines = (csv: string) => csv.trimEnd().split('\n');

describeOnStores('report processor', (dialect, test) => {
  let h: ProcessorHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function report(data: ReportJobData) {
    const job = await h!.queueService.addJob(REPORTS, data);
    const done = await h!.settle(REPORTS, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    return done.returnvalue as ReportResult;
  }

  test('a weekly report is stored under its id with the right revenue total in the HTML and one CSV row per (date, integration, metric)', async () => {
    h = await openProcessorHarness(dialect, { env: { PUBLIC_URL } });
    await h.startWorkers([REPORTS]);
    const s = await seedReportOrg(h.store);
    expect(s.revenue).toBe(1286.25);

    const result = await report({ reportId: 'rep-weekly-1', organizationId: s.orgId, reportType: 'weekly', period: 'last-7-days' });
    const title = `Weekly report: ${s.orgName}, ${s.start} to ${s.end}`;
    expect(result).toEqual({ reportId: 'rep-weekly-1', title, emailsQueued: 0 });

    const stored = await h.store.reports.get('rep-weekly-1');
    expect(stored).toMatchObject({ id: 'rep-weekly-1', organizationId: s.orgId, reportType: 'weekly', periodStart: s.start, periodEnd: s.end, title });
    const kpi = (m: string) => stored!.kpis.find((x) => x.metric === m);
    expect(kpi('revenue')).toEqual({ metric: 'revenue', label: 'Revenue', value: 1286.25, previous: 910, changePct: round2(((1286.25 - 910) / 910) * 100) });
    expect(kpi('orders')).toEqual({ metric: 'orders', label: 'Orders', value: s.orders, previous: null, changePct: null });

    // The HTML: the window's revenue (both integrations, nothing from outside the window), the name escaped.
    expect(kpiValue(stored!.html, 'revenue')).toBe(1286.25);
    expect(stored!.html).toContain('1,286.25');
    expect(kpiValue(stored!.html, 'orders')).toBe(42);
    expect(stored!.html).toContain('Acme &amp; Sons &lt;Shop&gt;');
    expect(stored!.html).not.toContain('<Shop>');
    expect(stored!.html).toContain('<svg');

    // The CSV: the header, then exactly the window's rows per integration with their values.
    const lines = csvLines(stored!.csv);
    expect(lines[0]).toBe('date,integration_id,metric,value');
    expect(lines.slice(1).sort()).toEqual([...s.csvRows].sort());
    expect(lines).toHaveLength(1 + 7 * 3);

    // Running it again replaces it (one row, same id).
    await report({ reportId: 'rep-weekly-1', organizationId: s.orgId, reportType: 'weekly', period: 'last-7-days' });
    expect((await h.store.reports.list({ organizationId: s.orgId })).total).toBe(1);
  });

  test("'recurring' gets the stable id <org>-weekly-<end day>; recipients get one report-delivery email each, and a second run queues none", async () => {
    h = await openProcessorHarness(dialect, { env: { PUBLIC_URL } });
    await h.startWorkers([REPORTS]);
    const s = await seedReportOrg(h.store, 'Recurring Co');
    const a = 'ann@example.com';
    const b = 'bob@example.com';
    const data: ReportJobData = { reportId: 'recurring', organizationId: s.orgId, reportType: 'weekly', period: 'weekly', recipientEmails: [a, b, a] };
    const id = `${s.orgId}-weekly-${s.end}`;

    const first = await report(data);
    expect(first).toMatchObject({ reportId: id, emailsQueued: 2 });
    expect(await h.store.reports.get(id)).toMatchObject({ id, periodEnd: s.end, periodStart: s.start });

    const emails = async () => (await h!.jobs(EMAIL)).sort((x, y) => String((x.data as EmailJobData).to).localeCompare(String((y.data as EmailJobData).to)));
    const queued = await emails();
    expect(queued.map((j) => (j.data as EmailJobData).to)).toEqual([a, b]);
    for (const j of queued) {
      const d = j.data as EmailJobData;
      expect(j.name).toBe('email-report-delivery');
      expect(j.id).toBe(`report-email-${createHash('sha256').update(`${id}:${d.to}`).digest('hex').slice(0, 24)}`);
      expect(d).toMatchObject({ template: 'report-delivery', organizationId: s.orgId, subject: first.title });
      expect(d.data).toMatchObject({ organizationName: 'Recurring Co', period: `${s.start} to ${s.end}`, reportUrl: `${PUBLIC_URL}/api/reports/${id}/html` });
      expect(String(d.data.reportUrl)).toContain(`/api/reports/${id}/html`);
      expect(d.data.highlights).toContain('Revenue: 1286.25 (+41.35%)');
    }

    // The same period again (a retry, a second run): same report id, same email job ids, no second email.
    expect((await report(data)).reportId).toBe(id);
    expect((await emails()).map((j) => j.id)).toEqual(queued.map((j) => j.id));

    // Delivered through the email worker (outbox), then the report runs again: still one email each.
    await h.stopWorkers();
    await h.startWorkers([REPORTS, EMAIL]);
    for (const j of queued) expect((await h.settle(EMAIL, j.id!)).state).toBe('completed');
    await report(data);
    expect(await h.jobs(EMAIL)).toHaveLength(2);
    const outbox = await h.store.outbox.list();
    expect(outbox.emails.map((e) => [e.recipient, e.template, e.status]).sort()).toEqual([
      [a, 'report-delivery', 'sent'],
      [b, 'report-delivery', 'sent'],
    ]);
    const html = (await h.store.outbox.get(outbox.emails[0].id))!.html;
    expect(html).toContain(`${PUBLIC_URL}/api/reports/${id}/html`);
  });

  test('an unknown organization fails at once, without retries', async () => {
    h = await openProcessorHarness(dialect);
    await h.startWorkers([REPORTS]);
    const job = await h.queueService.addJob(REPORTS, { reportId: 'r1', organizationId: 'nobody', reportType: 'monthly', period: 'm' });
    const failed = await h.settle(REPORTS, job.id!);
    expect([failed.state, failed.attemptsMade, failed.failedReason]).toEqual(['failed', 1, 'Organization "nobody" not found']);
  });
});

// ───────────────────────────── report downloads over HTTP ─────────────────────────────

describeOnStores('report downloads over HTTP', (dialect, test) => {
  let app: ApiApp | undefined;
  let pgDb: TestStore | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    // close() waits for the database's sessions to end before dropping it.
    await pgDb?.close();
    pgDb = undefined;
  });

  test('GET /api/reports/<id>/html and /csv answer a signed-in user, 401 anonymously, 404 for a missing id', async () => {
    // The app opens its own store: SQLite under its data directory, or a fresh PostgreSQL database.
    if (dialect === 'postgres') pgDb = await openTestStore('postgres');
    app = await startApiApp({ env: pgDb ? { DATABASE_URL: pgDb.url } : {} });
    const store = app.domain.store;
    expect(store.dialect).toBe(dialect);
    const s = await seedReportOrg(store);

    // The report, made by the production report processor in a real worker on the app's store and queues.
    const { queueService, connection } = app.runtime;
    const workers = createWorkerRuntime({
      connection,
      prefix: app.prefix,
      log: silentLogger,
      processors: { [REPORTS]: createProcessors({ store, queueService, connection, config: app.config, log: silentLogger })[REPORTS] },
    });
    let id: string;
    try {
      await workers.ready();
      const job = await queueService.addJob(REPORTS, { reportId: 'recurring', organizationId: s.orgId, reportType: 'weekly', period: 'w' });
      const done = await settleJob(queueService, REPORTS, job.id!, ['completed', 'failed'], 10_000);
      expect(done.state, done.failedReason).toBe('completed');
      id = (done.returnvalue as ReportResult).reportId;
    } finally {
      await workers.close(3000);
    }
    expect(id).toBe(`${s.orgId}-weekly-${s.end}`);
    const stored = (await store.reports.get(id))!;

    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const html = await fetch(`${app.base}/api/reports/${id}/html`, { headers: auth });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await html.text();
    expect(page).toBe(stored.html);
    expect(kpiValue(page, 'revenue')).toBe(1286.25);

    const csv = await fetch(`${app.base}/api/reports/${id}/csv`, { headers: auth });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${id}.csv"`);
    const body = await csv.text();
    expect(body).toBe(stored.csv);
    expect(csvLines(body).slice(1).sort()).toEqual([...s.csvRows].sort());

    // A viewer's session works too: any signed-in user may read reports.
    const cookie = await login(app.base, 'viewer', VIEWER_PASSWORD);
    expect((await fetch(`${app.base}/api/reports/${id}/csv`, { headers: { cookie } })).status).toBe(200);

    // Anonymous: 401 for both; a missing id or format: 404.
    for (const format of ['html', 'csv']) {
      const anon = await fetch(`${app.base}/api/reports/${id}/${format}`);
      expect(anon.status).toBe(401);
      expect(await anon.text()).not.toContain('1,286.25');
    }
    const missing = await fetch(`${app.base}/api/reports/no-such-report/html`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await fetch(`${app.base}/api/reports/no-such-report/csv`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${app.base}/api/reports/${id}/pdf`, { headers: auth })).status).toBe(404);
  });
});
