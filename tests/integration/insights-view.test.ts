/**
 * `insights.get` as the console reads it: InsightsService over a real store (SQLite, and PostgreSQL
 * when there is one) with platform records in two currencies, daily metrics and stored insights.
 */
import { afterEach, expect } from 'vitest';
import type { PlatformRecord } from '../../server/domain/connectors/types.ts';
import { orgCurrencies } from '../../server/domain/insights/currency.ts';
import { computeInsights } from '../../server/domain/insights/rules.ts';
import type { StoredInsights } from '../../server/domain/store/insights-store.ts';
import { InsightsService } from '../../server/services/insights-service.ts';
import { OrganizationsService } from '../../server/services/organizations-service.ts';
import { insightsViewSchema } from '../../shared/insights.ts';
import { openTestStore, type TestStore } from '../helpers/databases.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';

const DAY = 86_400_000;
const dayAfter = (start: string, i: number) => new Date(Date.parse(`${start}T00:00:00Z`) + i * DAY).toISOString().slice(0, 10);
const START = '2026-11-04';
const END = dayAfter(START, 29);

const order = (id: string, day: string, amount: number, currency: string): PlatformRecord => ({
  kind: 'order',
  externalId: id,
  occurredOn: day,
  amount,
  currency,
  status: 'paid',
  updatedAt: `${day}T12:00:00Z`,
  payload: { id },
});

describeOnStores('insights view', (dialect, test) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function seed() {
    t = await openTestStore(dialect);
    const org = await t.store.createOrganization({ name: 'Two Currencies Ltd' });
    const shop = await t.store.createIntegration({ organizationId: org.id, platform: 'shopify', name: 'Shop', credentials: { accessToken: 'x' } });
    const woo = await t.store.createIntegration({
      organizationId: org.id,
      platform: 'woocommerce',
      name: 'Woo',
      credentials: { consumerKey: 'k', consumerSecret: 's' },
    });
    // USD 3 × 100 in the window, EUR 1 × 100 in it; an old JPY order outside it does not count.
    await t.store.upsertRecords(shop, [order('s1', START, 100, 'USD'), order('s2', dayAfter(START, 3), 100, 'USD'), order('s3', END, 100, 'usd')], 'sync');
    await t.store.upsertRecords(woo, [order('w1', dayAfter(START, 5), 100, 'EUR'), order('w2', '2025-01-01', 99_999, 'JPY')], 'sync');
    const revenue = Array.from({ length: 30 }, (_, i) => 3284 + ((i * 7) % 11) * 40 - 200);
    revenue[20] = 1240;
    await t.store.upsertMetrics(
      shop,
      revenue.map((value, i) => ({ date: dayAfter(START, i), metric: 'revenue' as const, value })),
    );
    const current = { revenue: revenue.map((value, i) => ({ date: dayAfter(START, i), value })) };
    const stored: StoredInsights = {
      organizationId: org.id,
      period: '30d',
      windowStart: START,
      windowEnd: END,
      insights: computeInsights({ period: '30d', current, previous: {} }),
      narrative: null,
      generatedAt: '2026-12-04T06:00:00.000Z',
    };
    await t.store.insights.save(stored);
    const service = new InsightsService({
      insights: t.store.insights,
      store: t.store,
      organizations: new OrganizationsService(t.store),
      actions: {
        addJob: () => {
          throw new Error('get does not queue jobs');
        },
      },
    });
    return { org, shop, stored, service, revenue };
  }

  test('the currency of most of the window’s sales, with every currency’s share; all records when the window has none', async () => {
    const { org } = await seed();
    expect(await orgCurrencies(t!.store, org.id, START, END)).toEqual([
      { currency: 'USD', share: 0.75 },
      { currency: 'EUR', share: 0.25 },
    ]);
    // A window without records: the organization's records of any time.
    const before = await orgCurrencies(t!.store, org.id, '2020-01-01', '2020-01-31');
    expect(before.map((c) => c.currency)).toEqual(['JPY', 'USD', 'EUR']);
    expect(await orgCurrencies(t!.store, 'no-such-org', START, END)).toEqual([]);
  });

  test('get: the stored insights described in the currency, most impact first, with the chart series; typed by the shared schema', async () => {
    const { org, stored, service, revenue } = await seed();
    const view = await service.get(org.id, '30d');
    expect(insightsViewSchema.parse(view)).toEqual(view);
    expect(view).toMatchObject({ organizationId: org.id, period: '30d', windowStart: START, windowEnd: END, generatedAt: stored.generatedAt, currency: 'USD' });
    expect(view!.currencies.map((c) => c.currency)).toEqual(['USD', 'EUR']);
    expect(view!.series.revenue).toEqual(revenue.map((value, i) => ({ date: dayAfter(START, i), value })));
    expect(view!.insights).toHaveLength(stored.insights.length);
    expect(view!.insights.map((i) => i.impact.rank)).toEqual(stored.insights.map((_, k) => k + 1));
    expect(view!.insights.find((i) => i.type === 'anomaly')?.summary).toBe('Revenue on Tue 24 Nov was 62% below a typical day ($1,240 vs about $3,300)');
    // The old fields, unchanged.
    for (const old of stored.insights) expect(view!.insights).toContainEqual(expect.objectContaining(old));
    expect(await service.get(org.id, '7d')).toBeNull();
  });

  test('a view is read once per generation: the same until the insights are generated again', async () => {
    const { org, shop, stored, service } = await seed();
    const first = await service.get(org.id, '30d');
    // New data without a new generation: the view (and its chart) stays that of the generation.
    await t!.store.upsertMetrics(shop, [{ date: START, metric: 'revenue', value: 1 }]);
    expect(await service.get(org.id, '30d')).toBe(first);
    await t!.store.insights.save({ ...stored, generatedAt: '2026-12-04T12:00:00.000Z' });
    const second = await service.get(org.id, '30d');
    expect(second).not.toBe(first);
    expect(second!.generatedAt).toBe('2026-12-04T12:00:00.000Z');
    expect(second!.series.revenue?.[0]).toEqual({ date: START, value: 1 });
  });
});
