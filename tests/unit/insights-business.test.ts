/**
 * Insights for a business reader: plain-language summaries with currency amounts, the statistics
 * behind them with labels a person reads, the order by impact, and the good/bad colour rule of the
 * report. Pure functions over hand-checked inputs.
 */
import { describe, expect, it } from 'vitest';
import { formatAmount, formatCompact, formatDay, formatPercent, roughly } from '../../shared/insight-format.ts';
import { describeInsights, viewInsights } from '../../server/domain/insights/insight-view.ts';
import { shares } from '../../server/domain/insights/currency.ts';
import { impactOf, rankByImpact } from '../../server/domain/insights/impact.ts';
import { plainInsight } from '../../server/domain/insights/plain-language.ts';
import { computeInsights } from '../../server/domain/insights/rules.ts';
import { changeTone, insightTone } from '../../server/domain/insights/tone.ts';
import type { Insight, MetricSeries } from '../../server/domain/insights/types.ts';
import { renderReport, type ReportInput } from '../../server/domain/reports/render-report.ts';

const DAY = 86_400_000;
const days = (start: string, values: number[]) =>
  values.map((value, i) => ({ date: new Date(Date.parse(`${start}T00:00:00Z`) + i * DAY).toISOString().slice(0, 10), value }));

/** 30 days of revenue around 3,284 (3,084…3,484, no trend) from 4 Nov 2026, with 24 Nov at 1,240. */
function revenueWithLowDay(): number[] {
  const v = Array.from({ length: 30 }, (_, i) => 3284 + ((i * 7) % 11) * 40 - 200);
  v[20] = 1240;
  return v;
}

const insight = (over: Partial<Insight> & Pick<Insight, 'type' | 'numbers'>): Insight => ({
  severity: 'info',
  headline: 'stored headline',
  detail: 'stored detail',
  ...over,
});

describe('formatting for a business reader', () => {
  it('writes money with the currency symbol, whole units from 100 up; counts and ratios without', () => {
    expect(formatAmount(1240.4, 'money', 'EUR')).toBe('€1,240');
    expect(formatAmount(12.5, 'money', 'USD')).toBe('$12.50');
    expect(formatAmount(-2044, 'money', 'GBP')).toBe('-£2,044');
    expect(formatAmount(500, 'money', 'JPY')).toBe('¥500');
    // No currency known (or a code Intl does not know): the number alone.
    expect(formatAmount(1240.4, 'money', null)).toBe('1,240');
    expect(formatAmount(1240.4, 'money', 'XX1')).toBe('1,240');
    expect(formatAmount(1928, 'count', 'EUR')).toBe('1,928');
    expect(formatAmount(64.33, 'count', null)).toBe('64.3');
    expect(formatAmount(4.2, 'ratio', 'EUR')).toBe('4.20');
    expect(formatAmount(Number.NaN, 'money', 'EUR')).toBe('—');
  });

  it('rounds "about" values to two significant figures from 100 up', () => {
    expect(roughly(3284)).toBe(3300);
    expect(roughly(1240)).toBe(1200);
    expect(roughly(96_436)).toBe(96_000);
    expect(roughly(64.3)).toBe(64.3);
    expect(formatAmount(3284, 'money', 'EUR', { approx: true })).toBe('€3,300');
  });

  it('writes days as "Tue 24 Nov" (with the year when asked), percentages without sign, compact axis labels', () => {
    expect(formatDay('2026-11-24')).toBe('Tue 24 Nov');
    expect(formatDay('2026-11-24', true)).toBe('Tue 24 Nov 2026');
    expect(formatDay('not a day')).toBe('not a day');
    expect(formatPercent(-62.26)).toBe('62%');
    expect(formatPercent(7.15)).toBe('7.2%');
    expect(formatPercent(243.4)).toBe('243%');
    expect(formatCompact(3300, 'money', 'EUR')).toBe('€3.3K');
    expect(formatCompact(1_200_000, 'count', null)).toBe('1.2M');
  });
});

describe('plain-language summaries', () => {
  it('the issue’s example: an unusual revenue day against a typical day, in the currency', () => {
    const found = computeInsights({ period: '30d', current: { revenue: days('2026-11-04', revenueWithLowDay()) }, previous: {} });
    const anomaly = found.find((i) => i.type === 'anomaly')!;
    expect(anomaly.numbers).toMatchObject({ date: '2026-11-24', value: 1240, median: 3284 });
    const plain = plainInsight(anomaly, { period: '30d', currency: 'EUR' });
    expect(plain.summary).toBe('Revenue on Tue 24 Nov was 62% below a typical day (€1,240 vs about €3,300)');
    expect(plain).toMatchObject({ unit: 'money', date: '2026-11-24', value: 1240, typical: 3284, reference: 3284 });
    // The statistics behind it, labelled for people: no raw keys (mad, zMethod, deviationPct).
    expect(plain.statistics).toEqual([
      { label: 'Tue 24 Nov', value: '€1,240' },
      { label: 'Typical day (median of 30 days)', value: '€3,284' },
      { label: 'Difference from a typical day', value: '−€2,044 (−62%)' },
      { label: 'How unusual (robust z-score)', value: expect.stringMatching(/^−\d+\.\d; days beyond ±3\.5 are reported$/) },
      { label: 'Usual day-to-day spread (median absolute deviation)', value: '€120' },
      { label: 'Days compared', value: '30' },
    ]);
    for (const s of plain.statistics) expect(s.label).not.toMatch(/zMethod|deviationPct|meanad|^mad$/);
  });

  it('a high day is "N times a typical day" from double, "% above" below that; counts take "were"', () => {
    const base = { metric: 'orders', median: 40, mad: 3, meanAbsDev: 3, zMethod: 'mad', threshold: 3.5, days: 30, date: '2026-11-24' } as const;
    const times = insight({ type: 'anomaly', metric: 'orders', numbers: { ...base, value: 124, deviationPct: 210, z: 18.9 } });
    expect(plainInsight(times, { period: '30d', currency: 'USD' }).summary).toBe('Orders on Tue 24 Nov were 3.1 times a typical day (124 vs about 40)');
    const above = insight({ type: 'anomaly', metric: 'orders', numbers: { ...base, value: 74, deviationPct: 85, z: 7.6 } });
    expect(plainInsight(above, { period: '30d', currency: 'USD' }).summary).toBe('Orders on Tue 24 Nov were 85% above a typical day (74 vs about 40)');
  });

  it('the latest day against the day before', () => {
    const dod = insight({
      type: 'anomaly',
      metric: 'revenue',
      numbers: {
        metric: 'revenue',
        median: 3300,
        mad: 100,
        meanAbsDev: 100,
        zMethod: 'mad',
        threshold: 3.5,
        days: 30,
        change: -55,
        date: '2026-11-24',
        value: 1240,
        previous: 2755.6,
        previousDate: '2026-11-23',
        z: -13.8,
      },
    });
    const plain = plainInsight(dod, { period: '30d', currency: 'USD' });
    expect(plain.summary).toBe('Revenue on Tue 24 Nov fell 55% from the day before ($1,240 vs $2,756)');
    expect(plain).toMatchObject({ typical: 2755.6, reference: 3300 });
    expect(plain.statistics).toContainEqual({ label: 'Day before (Mon 23 Nov)', value: '$2,756' });
  });

  it('period totals: up or down from the period before, about the same, none before, nothing to compare', () => {
    const total = (numbers: Insight['numbers'], metric: Insight['metric'] = 'revenue') =>
      plainInsight(insight({ type: 'total_change', metric, numbers: { metric: metric ?? null, currentDays: 30, previousDays: 30, ...numbers } }), {
        period: '30d',
        currency: 'USD',
      });
    expect(total({ total: 98_400, previous: 111_800, change: -11.99 }).summary).toBe(
      'Revenue over the last 30 days was $98,400, down 12% from the 30 days before ($111,800)',
    );
    expect(total({ total: 343, previous: 100, change: 243 }, 'refund_amount').summary).toBe(
      'Refund amount over the last 30 days was $343, up 243% from the 30 days before ($100)',
    );
    expect(total({ total: 1000, previous: 999.9, change: 0.01 }).summary).toBe(
      'Revenue over the last 30 days was $1,000, about the same as the 30 days before ($1,000)',
    );
    expect(total({ total: 50, previous: 0, change: null }).summary).toBe('Revenue over the last 30 days was $50.00, up from none in the 30 days before');
    expect(total({ total: 1928, previous: null, change: null }, 'orders').summary).toBe(
      'Orders over the last 30 days were 1,928; there is no earlier data to compare with',
    );
    // The chart's dashed line: the previous period's daily average.
    expect(total({ total: 98_400, previous: 111_800, change: -11.99 }).reference).toBeCloseTo(111_800 / 30, 6);
  });

  it('trends, best and weakest days, ROAS (with a currency and without)', () => {
    const ctx = { period: '30d' as const, currency: 'EUR' };
    const trend = insight({
      type: 'trend',
      metric: 'sessions',
      numbers: {
        metric: 'sessions',
        slope: 30,
        slopePct: 2.1,
        mean: 1435,
        driftPct: 61,
        r2: 1,
        days: 30,
        startDate: '2026-11-04',
        endDate: '2026-12-03',
        startFit: 1000,
        endFit: 1870,
      },
    });
    expect(plainInsight(trend, ctx).summary).toBe('Sessions have been rising over the last 30 days, from about 1,000 to about 1,900 a day');
    const best = insight({
      type: 'best_day',
      metric: 'revenue',
      numbers: { metric: 'revenue', date: '2026-11-07', value: 3484, mean: 3214.7, vsMeanPct: 8.38, days: 30 },
    });
    expect(plainInsight(best, ctx).summary).toBe('Revenue peaked on Sat 7 Nov at €3,484, 8.4% above an average day (about €3,200)');
    const worst = insight({
      type: 'worst_day',
      metric: 'orders',
      numbers: { metric: 'orders', date: '2026-11-24', value: 25, mean: 64.3, vsMeanPct: -61.1, days: 30 },
    });
    expect(plainInsight(worst, ctx).summary).toBe('Orders were lowest on Tue 24 Nov, at 25, 61% below an average day (about 64.3)');
    const roas = insight({
      type: 'roas',
      numbers: { roas: 10.72, revenue: 96_436, adSpend: 9000, previousRoas: 12, previousRevenue: 90_000, previousAdSpend: 7500, change: -10.7 },
    });
    expect(plainInsight(roas, ctx).summary).toBe('Each €1 of ad spend brought €10.72 in revenue over the last 30 days, down 11% from €12.00');
    expect(plainInsight(roas, { period: '7d', currency: null }).summary).toBe('Revenue was 10.72 times ad spend over the last 7 days, down 11% from 12.00');
    expect(plainInsight(roas, ctx).unit).toBe('ratio');
  });
});

describe('impact order', () => {
  const total = (metric: NonNullable<Insight['metric']>, t: number, previous: number, severity: Insight['severity'] = 'warning'): Insight =>
    insight({
      type: 'total_change',
      metric,
      severity,
      numbers: { metric, total: t, previous, change: ((t - previous) / previous) * 100, currentDays: 30, previousDays: 30 },
    });

  it('measures how far from typical, in the unit and relatively', () => {
    expect(impactOf(total('revenue', 98_400, 111_800))).toEqual({ amount: 13_400, relative: expect.closeTo(0.1199, 4) });
    const trend = insight({ type: 'trend', metric: 'revenue', numbers: { startFit: 1000, endFit: 1600, days: 30, driftPct: 50 } });
    // Half the start-to-end gap per day, over the days: what the drift added up to against a flat line.
    expect(impactOf(trend)).toEqual({ amount: 9000, relative: 0.5 });
    expect(impactOf(insight({ type: 'roas', numbers: { roas: 2, change: -20 } }))).toEqual({ amount: null, relative: 0.2 });
  });

  it('money first by amount, then counts by relative size, then best and weakest days, then what barely moved', () => {
    const bestDay = insight({
      type: 'best_day',
      metric: 'revenue',
      severity: 'positive',
      numbers: { date: '2026-11-07', value: 9000, mean: 3000, vsMeanPct: 200 },
    });
    const flatRevenue = total('revenue', 100_200, 100_000, 'info');
    const refunds = total('refund_amount', 343, 100);
    const revenue = total('revenue', 98_400, 111_800);
    const sessions = total('sessions', 4000, 10_000, 'critical');
    const orders = total('orders', 880, 1000);
    const roas = insight({ type: 'roas', severity: 'warning', numbers: { roas: 3, change: -25 } });
    const ranked = rankByImpact([bestDay, flatRevenue, refunds, orders, sessions, roas, revenue]);
    expect(ranked.map((r) => r.insight)).toEqual([revenue, refunds, sessions, roas, orders, bestDay, flatRevenue]);
    expect(ranked.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps the given order for equal impact', () => {
    const a = total('orders', 120, 100);
    const b = total('sessions', 120, 100);
    expect(rankByImpact([a, b]).map((r) => r.insight)).toEqual([a, b]);
    expect(rankByImpact([b, a]).map((r) => r.insight)).toEqual([b, a]);
  });
});

describe('good or bad for the business (the colour rule)', () => {
  it('revenue, orders and sessions up are good; refunds, refunded money and ad spend up are bad; down the other way', () => {
    expect(changeTone('revenue', 12)).toBe('good');
    expect(changeTone('orders', 3)).toBe('good');
    expect(changeTone('sessions', 40)).toBe('good');
    expect(changeTone('roas', 5)).toBe('good');
    expect(changeTone('refund_amount', 243)).toBe('bad');
    expect(changeTone('refunds', 10)).toBe('bad');
    expect(changeTone('ad_spend', 20)).toBe('bad');
    expect(changeTone('revenue', -12)).toBe('bad');
    expect(changeTone('refund_amount', -50)).toBe('good');
    expect(changeTone('ad_spend', -5)).toBe('good');
  });

  it('no change, no comparison or an unknown metric is neutral', () => {
    expect(changeTone('revenue', 0)).toBe('neutral');
    expect(changeTone('revenue', null)).toBe('neutral');
    expect(changeTone('something_else', 50)).toBe('neutral');
  });

  it('an insight’s tone follows the rules’ severity', () => {
    expect(insightTone({ severity: 'positive' })).toBe('good');
    expect(insightTone({ severity: 'warning' })).toBe('bad');
    expect(insightTone({ severity: 'critical' })).toBe('bad');
    expect(insightTone({ severity: 'info' })).toBe('neutral');
  });
});

describe('report colours', () => {
  const input = (over: Partial<ReportInput>): ReportInput => ({
    organizationName: 'Acme',
    reportType: 'weekly',
    start: '2026-03-08',
    end: '2026-03-14',
    current: {},
    previous: {},
    insights: [],
    rows: [],
    ...over,
  });
  const changeCell = (html: string, metric: string) =>
    new RegExp(`data-kpi="${metric}".*?<div style="font-size:12px;color:(#[0-9a-f]{6})" data-tone="(\\w+)">(.*?)</div>`).exec(html);

  it('"Refunded ▲243%" is red, revenue up green, ad spend up red; ROAS down red', () => {
    const r = renderReport(
      input({
        current: { revenue: days('2026-03-08', [1100]), refund_amount: days('2026-03-08', [343]), ad_spend: days('2026-03-08', [600]) },
        previous: { revenue: days('2026-03-01', [1000]), refund_amount: days('2026-03-01', [100]), ad_spend: days('2026-03-01', [500]) },
      }),
    );
    expect(changeCell(r.html, 'refund_amount')?.slice(1)).toEqual(['#b91c1c', 'bad', '▲ 243% vs previous']);
    expect(changeCell(r.html, 'revenue')?.slice(1)).toEqual(['#047857', 'good', '▲ 10% vs previous']);
    expect(changeCell(r.html, 'ad_spend')?.slice(1)).toEqual(['#b91c1c', 'bad', '▲ 20% vs previous']);
    // 1100/600 (1.83 as shown) against 1000/500: down 8.5%.
    expect(changeCell(r.html, 'roas')?.slice(1)).toEqual(['#b91c1c', 'bad', '▼ 8.5% vs previous']);
  });

  it('refunds down are green, revenue down red, no change grey', () => {
    const r = renderReport(
      input({
        current: { revenue: days('2026-03-08', [900]), refund_amount: days('2026-03-08', [50]), sessions: days('2026-03-08', [10]) },
        previous: { revenue: days('2026-03-01', [1000]), refund_amount: days('2026-03-01', [100]), sessions: days('2026-03-01', [10]) },
      }),
    );
    expect(changeCell(r.html, 'refund_amount')?.slice(1)).toEqual(['#047857', 'good', '▼ 50% vs previous']);
    expect(changeCell(r.html, 'revenue')?.slice(1)).toEqual(['#b91c1c', 'bad', '▼ 10% vs previous']);
    expect(changeCell(r.html, 'sessions')?.slice(1)).toEqual(['#475569', 'neutral', '▲ 0% vs previous']);
  });

  it('lists insights by their plain-language summary and says the currency', () => {
    const current: MetricSeries = { revenue: days('2026-11-04', revenueWithLowDay()) };
    const described = describeInsights(computeInsights({ period: '30d', current, previous: {} }), { period: '30d', currency: 'EUR' });
    const r = renderReport(input({ current, insights: described, currency: 'EUR' }));
    expect(r.html).toContain('<strong>Revenue on Tue 24 Nov was 62% below a typical day (€1,240 vs about €3,300)</strong>');
    expect(r.html).toContain('Amounts in EUR.');
    // Without a summary (an older caller): the stored headline.
    expect(renderReport(input({ insights: [insight({ type: 'anomaly', numbers: {}, headline: 'Old headline' })] })).html).toContain(
      '<strong>Old headline</strong>',
    );
  });
});

describe('the view the console reads', () => {
  const stored = (insights: Insight[], over: { windowStart?: string; windowEnd?: string; period?: string } = {}) => ({
    organizationId: 'org-1',
    period: '30d',
    windowStart: '2026-11-04',
    windowEnd: '2026-12-03',
    insights,
    narrative: null,
    generatedAt: '2026-12-04T06:00:00.000Z',
    ...over,
  });

  it('keeps every stored field, adds summary, figures, tone and rank, most impact first, with currency and series', () => {
    const current: MetricSeries = {
      revenue: days('2026-11-04', revenueWithLowDay()),
      refunds: [
        { date: '2026-11-05', value: 1 },
        { date: '2026-11-08', value: 2 },
      ],
    };
    const insights = computeInsights({ period: '30d', current, previous: {} });
    const view = viewInsights(stored(insights), {
      series: current,
      currencies: [
        { currency: 'USD', share: 0.7 },
        { currency: 'EUR', share: 0.3 },
      ],
    });
    expect(view.currency).toBe('USD');
    expect(view.currencies).toHaveLength(2);
    expect(view.insights).toHaveLength(insights.length);
    expect(view.insights.map((i) => i.impact.rank)).toEqual(insights.map((_, k) => k + 1));
    for (const v of view.insights) {
      const original = insights.find((i) => i.headline === v.headline && i.type === v.type)!;
      expect(v).toMatchObject({ type: original.type, severity: original.severity, detail: original.detail, numbers: original.numbers });
      expect(v.summary).not.toBe('');
    }
    expect(view.insights.find((i) => i.type === 'anomaly')?.summary).toBe('Revenue on Tue 24 Nov was 62% below a typical day ($1,240 vs about $3,300)');
    // The charts' series: a counted metric's missing days are 0, as the rules read them.
    expect(view.series.refunds).toEqual([
      { date: '2026-11-05', value: 1 },
      { date: '2026-11-06', value: 0 },
      { date: '2026-11-07', value: 0 },
      { date: '2026-11-08', value: 2 },
    ]);
    expect(view.series.revenue).toHaveLength(30);
    expect(Object.keys(view.series).sort()).toEqual(['refunds', 'revenue']);
  });

  it('no currency known: amounts without a symbol; a window over a year end writes the year', () => {
    const current: MetricSeries = { revenue: days('2026-12-15', revenueWithLowDay()) };
    const insights = computeInsights({ period: '30d', current, previous: {} });
    const view = viewInsights(stored(insights, { windowStart: '2026-12-15', windowEnd: '2027-01-13' }), { series: current, currencies: [] });
    expect(view.currency).toBeNull();
    expect(view.insights.find((i) => i.type === 'anomaly')?.summary).toBe('Revenue on Mon 4 Jan 2027 was 62% below a typical day (1,240 vs about 3,300)');
  });
});

describe('currency shares', () => {
  it('largest share of the amounts first; by count when every amount is 0', () => {
    expect(
      shares([
        { currency: 'EUR', total: 250, n: 10 },
        { currency: 'USD', total: 750, n: 5 },
      ]),
    ).toEqual([
      { currency: 'USD', share: 0.75 },
      { currency: 'EUR', share: 0.25 },
    ]);
    expect(
      shares([
        { currency: 'USD', total: 0, n: 1 },
        { currency: 'EUR', total: 0, n: 3 },
      ]),
    ).toEqual([
      { currency: 'EUR', share: 0.75 },
      { currency: 'USD', share: 0.25 },
    ]);
    expect(shares([])).toEqual([]);
  });
});
