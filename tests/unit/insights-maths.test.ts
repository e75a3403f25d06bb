import { describe, expect, it } from 'vitest';
import { DEFAULT_ANOMALY_THRESHOLD, anomaliesForAlert, computeInsights } from '../../server/domain/insights/rules.ts';
import { changePct, fillDays, linearFit, mad, median, robustZ, slope, sum } from '../../server/domain/insights/statistics.ts';
import type { DailyPoint, Insight, InsightType, InsightsInput, MetricSeries } from '../../server/domain/insights/types.ts';
import type { MetricName } from '../../shared/metrics.ts';

const START = '2026-10-01';
const DAY_MS = 86_400_000;

/** The date `i` days after `start`. */
function dateAt(i: number, start = START): string {
  return new Date(Date.parse(`${start}T00:00:00Z`) + i * DAY_MS).toISOString().slice(0, 10);
}

/** Consecutive days from `start`, one per value. */
function days(values: number[], start = START): DailyPoint[] {
  return values.map((value, i) => ({ date: dateAt(i, start), value }));
}

const constant = (n: number, v: number) => Array.from({ length: n }, () => v);
/** 30 values between 95 and 105, no trend (a period-11 wobble). */
const around100 = (n = 30) => Array.from({ length: n }, (_, i) => 100 + ((i * 7) % 11) - 5);

function input(current: MetricSeries, previous: MetricSeries = {}, extra: Partial<InsightsInput> = {}): InsightsInput {
  return { period: '30d', current, previous, ...extra };
}

function ofType(insights: Insight[], type: InsightType, metric?: MetricName): Insight[] {
  return insights.filter((i) => i.type === type && (metric === undefined || i.metric === metric));
}

function one(insights: Insight[], type: InsightType, metric?: MetricName): Insight {
  const found = ofType(insights, type, metric);
  expect(found, `${type} ${metric ?? ''}`).toHaveLength(1);
  return found[0];
}

describe('helpers', () => {
  it('sum, median and mad on hand-checked values', () => {
    expect(sum([])).toBe(0);
    expect(sum([1.5, 2.5, -1])).toBe(3);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    // median 2; |deviations| 1,1,0,0,2,4,7 → sorted 0,0,1,1,2,4,7 → 1
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(mad([5, 5, 5])).toBe(0);
  });

  it('robustZ: 0.6745·(x − median)/MAD', () => {
    const z = robustZ([1, 1, 2, 2, 4, 6, 9]);
    expect(z[6]).toBeCloseTo((0.6745 * 7) / 1, 10);
    expect(z[0]).toBeCloseTo(-0.6745, 10);
    expect(z[2]).toBe(0);
  });

  it('robustZ falls back to the scaled mean absolute deviation when the MAD is 0', () => {
    // median 5, MAD 0, mean |x − 5| = 1 → z(10) = 5 / 1.253314
    const z = robustZ([5, 5, 5, 5, 10]);
    expect(z.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(z[4]).toBeCloseTo(5 / 1.253314, 6);
  });

  it('robustZ of a flat series is all zeros (never an anomaly), and of nothing is empty', () => {
    expect(robustZ([7, 7, 7, 7])).toEqual([0, 0, 0, 0]);
    expect(robustZ([])).toEqual([]);
  });

  it('slope is the least-squares slope per day', () => {
    expect(slope([1, 2, 3, 4])).toBeCloseTo(1, 12);
    expect(slope([10, 8, 6])).toBeCloseTo(-2, 12);
    expect(slope([1, 3, 2, 4])).toBeCloseTo(0.8, 12); // Sxy 4 / Sxx 5
    expect(slope([0, 10], [0, 5])).toBeCloseTo(2, 12); // explicit day positions (a gap of 5 days)
    expect(slope([100, 100, 100, 100])).toBe(0);
    expect(slope([5])).toBe(0);
    expect(slope([])).toBe(0);
    expect(linearFit([2, 4, 6]).r2).toBeCloseTo(1, 12);
  });

  it('changePct in %, null when the previous value is 0', () => {
    expect(changePct(112.5, 100)).toBe(12.5);
    expect(changePct(50, 100)).toBe(-50);
    expect(changePct(100, 100)).toBe(0);
    expect(changePct(5, 0)).toBeNull();
    expect(changePct(0, 0)).toBeNull();
  });

  it('fillDays gives every day of the range, 0 for missing ones, sums same-day points, drops the rest', () => {
    const filled = fillDays(
      [
        { date: '2026-10-03', value: 4 },
        { date: '2026-10-01', value: 1 },
        { date: '2026-10-03', value: 2 },
        { date: '2026-09-30', value: 99 },
        { date: '2026-10-05', value: 99 },
      ],
      '2026-10-01',
      '2026-10-04',
    );
    expect(filled).toEqual([
      { date: '2026-10-01', value: 1 },
      { date: '2026-10-02', value: 0 },
      { date: '2026-10-03', value: 6 },
      { date: '2026-10-04', value: 0 },
    ]);
    expect(fillDays([], '2026-10-05', '2026-10-01')).toEqual([]);
    // across a month end
    expect(fillDays([], '2026-10-30', '2026-11-02').map((p) => p.date)).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
  });
});

describe('computeInsights', () => {
  it('gives [] for empty input', () => {
    expect(computeInsights(input({}, {}))).toEqual([]);
    expect(computeInsights(input({ revenue: [], sessions: [] }, { revenue: days([1, 2, 3]) }))).toEqual([]);
  });

  it('skips missing metrics gracefully and reports only what is there', () => {
    const insights = computeInsights(input({ sessions: days(around100()), orders: [] }, {}));
    expect(insights.length).toBeGreaterThan(0);
    expect(new Set(insights.map((i) => i.metric))).toEqual(new Set(['sessions']));
    expect(ofType(insights, 'roas')).toEqual([]);
    const total = one(insights, 'total_change', 'sessions');
    expect(total.numbers.previous).toBeNull(); // no previous data at all: unknown, not 0
    expect(total.numbers.change).toBeNull();
    expect(total.severity).toBe('info');
    expect(total.detail).toContain('no data for the previous 30 days');
  });

  describe('anomalies', () => {
    it('finds a planted low day with its date, value, median and a negative z', () => {
      const values = around100();
      values[14] = 20;
      const insights = computeInsights(input({ revenue: days(values) }));
      const a = one(insights, 'anomaly', 'revenue');
      const m = median(values);
      const d = mad(values);
      expect(a.numbers.date).toBe(dateAt(14));
      expect(a.numbers.value).toBe(20);
      expect(a.numbers.median).toBe(m);
      expect(a.numbers.mad).toBe(d);
      expect(a.numbers.z).toBeLessThan(-DEFAULT_ANOMALY_THRESHOLD);
      expect(a.numbers.z).toBeCloseTo((0.6745 * (20 - m)) / d, 10);
      expect(a.severity).toBe('critical'); // |z| far beyond 2 × 3.5, and 80% below the median
      expect(a.headline).toBe(`Unusually low revenue on ${dateAt(14)}`);
      expect(a.detail).toContain('80% below');
      // the planted day is also the worst day, and the wobble is no trend
      expect(one(insights, 'worst_day', 'revenue').numbers.date).toBe(dateAt(14));
      expect(ofType(insights, 'trend')).toEqual([]);
    });

    it('finds a planted high day with a positive z', () => {
      const values = around100();
      values[3] = 400;
      const a = one(computeInsights(input({ sessions: days(values) })), 'anomaly', 'sessions');
      expect(a.numbers.date).toBe(dateAt(3));
      expect(a.numbers.z).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
      expect(a.headline).toBe(`Unusually high sessions on ${dateAt(3)}`);
    });

    it('finds nothing unusual in a flat series (and no trend, no best or worst day)', () => {
      const flat = days(constant(30, 100));
      const insights = computeInsights(input({ revenue: flat }, { revenue: flat }));
      expect(ofType(insights, 'anomaly')).toEqual([]);
      expect(ofType(insights, 'trend')).toEqual([]);
      expect(ofType(insights, 'best_day')).toEqual([]);
      expect(ofType(insights, 'worst_day')).toEqual([]);
      const total = one(insights, 'total_change', 'revenue');
      expect(total.numbers.change).toBe(0);
      expect(total.headline).toBe('Revenue unchanged vs the previous 30 days');
      expect(total.severity).toBe('info');
      expect(insights).toHaveLength(1);
    });

    it('does not flag the ordinary days of the wobble, only days beyond the threshold', () => {
      const values = around100();
      values[5] = 10;
      values[20] = 300;
      const anomalies = ofType(computeInsights(input({ orders: days(values) })), 'anomaly', 'orders');
      expect(anomalies.map((a) => a.numbers.date)).toEqual([dateAt(5), dateAt(20)]); // same severity: by date
      expect(anomalies.map((a) => Math.sign(a.numbers.z as number))).toEqual([-1, 1]);
    });

    it('reports "dropped 50% from the day before" for the latest day, once', () => {
      const values = around100();
      values[28] = 100;
      values[29] = 50;
      const insights = computeInsights(input({ revenue: days(values) }));
      const a = one(insights, 'anomaly', 'revenue');
      expect(a.headline).toBe('Revenue dropped 50% from the day before');
      expect(a.numbers).toMatchObject({ metric: 'revenue', change: -50, date: dateAt(29), value: 50, previous: 100, previousDate: dateAt(28) });
      expect(a.numbers.z).toBeLessThan(-DEFAULT_ANOMALY_THRESHOLD);
      expect(a.severity).toBe('critical');
      expect(a.detail).toContain(`50.00 on ${dateAt(29)} against 100.00 on ${dateAt(28)}`);
    });

    it('reports a jump of the latest day the same way', () => {
      const values = around100();
      values[28] = 100;
      values[29] = 180;
      const a = one(computeInsights(input({ revenue: days(values) })), 'anomaly', 'revenue');
      expect(a.headline).toBe('Revenue jumped 80% from the day before');
      expect(a.numbers.change).toBe(80);
      expect(a.numbers.z).toBeGreaterThan(0);
    });

    it('falls back to the plain anomaly when the latest day moved against its z (the day before was low too)', () => {
      const values = around100();
      values[28] = 40;
      values[29] = 50; // up from the day before, yet far below the median
      const anomalies = ofType(computeInsights(input({ revenue: days(values) })), 'anomaly', 'revenue');
      expect(anomalies.map((a) => a.headline)).toEqual([`Unusually low revenue on ${dateAt(28)}`, `Unusually low revenue on ${dateAt(29)}`]);
      expect(anomalies.every((a) => a.numbers.change === undefined)).toBe(true);
    });

    it('compares the latest day with the calendar day before only, not with an older point', () => {
      // sessions are not zero-filled: with the day before missing there is no "from the day before"
      const values = around100();
      values[27] = 100;
      values[29] = 50;
      const points = days(values).filter((_, i) => i !== 28);
      const a = one(computeInsights(input({ sessions: points })), 'anomaly', 'sessions');
      expect(a.headline).toBe(`Unusually low sessions on ${dateAt(29)}`);
      expect(a.numbers.change).toBeUndefined();
      expect(a.numbers.deviationPct).toBe(-50);
      expect(a.severity).toBe('critical');
    });

    describe('severity', () => {
      // 29 days cycling 96…104 (median 100, MAD 2) and one planted day at index 10: z = 0.6745·(v − 100)/2.
      const cycle = (v: number) => Array.from({ length: 30 }, (_, i) => (i === 10 ? v : [96, 98, 100, 102, 104][i % 5]));

      it('is warning beyond the threshold and critical from twice the threshold', () => {
        const warning = one(computeInsights(input({ revenue: days(cycle(115)) })), 'anomaly');
        expect(warning.numbers.median).toBe(100);
        expect(warning.numbers.mad).toBe(2);
        expect(warning.numbers.z).toBeCloseTo((0.6745 * 15) / 2, 10); // 5.06: between 3.5 and 7
        expect(warning.severity).toBe('warning');

        const critical = one(computeInsights(input({ revenue: days(cycle(125)) })), 'anomaly');
        expect(critical.numbers.z).toBeCloseTo((0.6745 * 25) / 2, 10); // 8.43 ≥ 7
        expect(critical.severity).toBe('critical');

        // a lower threshold flags the same day earlier
        const lowered = one(computeInsights(input({ revenue: days(cycle(110)) }, {}, { anomalyThreshold: 3 })), 'anomaly');
        expect(lowered.numbers.threshold).toBe(3);
        expect(lowered.severity).toBe('warning');
        expect(ofType(computeInsights(input({ revenue: days(cycle(110)) })), 'anomaly')).toEqual([]); // z 3.37 < 3.5
      });

      it('is warning for a latest-day drop under 50% with |z| under twice the threshold', () => {
        const values = cycle(0).map((v, i) => (i === 10 ? 96 : i === 28 ? 100 : i === 29 ? 85 : v));
        const a = one(computeInsights(input({ revenue: days(values) })), 'anomaly');
        expect(a.headline).toBe('Revenue dropped 15% from the day before');
        expect(a.numbers.change).toBe(-15);
        expect(a.numbers.z).toBeCloseTo((0.6745 * -15) / 2, 10); // −5.06
        expect(a.severity).toBe('warning');
      });

      it('is critical for a latest-day drop of 50% or more even when |z| is under twice the threshold', () => {
        // a wide series (60…140, median 100, MAD 20): 100 then 10 is −90% with z −3.04
        const values = Array.from({ length: 30 }, (_, i) => (i === 28 ? 100 : i === 29 ? 10 : [60, 80, 100, 120, 140][i % 5]));
        const a = one(computeInsights(input({ revenue: days(values) }, {}, { anomalyThreshold: 3 })), 'anomaly');
        expect(a.headline).toBe('Revenue dropped 90% from the day before');
        expect(a.numbers.z).toBeCloseTo((0.6745 * -90) / 20, 10);
        expect(a.severity).toBe('critical');
      });

      it('is critical for a drop of 50% or more even when |z| is under twice the threshold', () => {
        // a wide series (60…140, median 100, MAD 20): a day at 10 is z −3.04, 90% below the median
        const values = Array.from({ length: 30 }, (_, i) => (i === 10 ? 10 : [60, 80, 100, 120, 140][i % 5]));
        const a = one(computeInsights(input({ orders: days(values) }, {}, { anomalyThreshold: 3 })), 'anomaly');
        expect(a.numbers.z).toBeCloseTo((0.6745 * -90) / 20, 10);
        expect(Math.abs(a.numbers.z as number)).toBeLessThan(6);
        expect(a.numbers.deviationPct).toBe(-90);
        expect(a.severity).toBe('critical');
      });
    });

    it('does not treat the odd non-zero day of a sparse series as an anomaly', () => {
      const refunds = constant(30, 0);
      refunds[4] = refunds[17] = refunds[25] = 1;
      expect(Math.max(...robustZ(refunds))).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD); // the raw z would flag them
      expect(ofType(computeInsights(input({ refunds: days(refunds) })), 'anomaly')).toEqual([]);
    });

    it('needs a few days before calling anything an anomaly', () => {
      expect(ofType(computeInsights(input({ revenue: days([100, 101, 99, 5]) })), 'anomaly')).toEqual([]);
    });
  });

  describe('trend', () => {
    const wobble = (i: number) => ((i * 7) % 5) - 2;

    it('is up and positive for a rising series, with the slope in units and %/day of the mean', () => {
      const values = Array.from({ length: 30 }, (_, i) => 100 + 3 * i + wobble(i));
      const t = one(computeInsights(input({ revenue: days(values) })), 'trend', 'revenue');
      expect(t.numbers.slope).toBeCloseTo(slope(values), 12);
      expect(t.numbers.slope).toBeGreaterThan(2.5);
      expect(t.numbers.slope).toBeLessThan(3.5);
      expect(t.numbers.mean).toBeCloseTo(sum(values) / 30, 10);
      expect(t.numbers.slopePct).toBeCloseTo(((t.numbers.slope as number) / (t.numbers.mean as number)) * 100, 10);
      expect(t.severity).toBe('positive');
      expect(t.headline).toMatch(/^Revenue trending up \d+(\.\d)?%\/day over the last 30 days$/);
    });

    it('is down and a warning for a falling series', () => {
      const values = Array.from({ length: 30 }, (_, i) => 200 - 3 * i + wobble(i));
      const t = one(computeInsights(input({ sessions: days(values) })), 'trend', 'sessions');
      expect(t.numbers.slope).toBeLessThan(-2.5);
      expect(t.numbers.slopePct).toBeLessThan(0);
      expect(t.severity).toBe('warning');
      expect(t.headline).toContain('trending down');
    });

    it('reads direction through polarity: rising refunds are a warning', () => {
      const values = Array.from({ length: 30 }, (_, i) => 10 + i);
      const t = one(computeInsights(input({ refunds: days(values) })), 'trend', 'refunds');
      expect(t.numbers.slope).toBeCloseTo(1, 10);
      expect(t.severity).toBe('warning');
    });

    it('uses calendar days, so gaps in an unfilled metric do not bend the slope', () => {
      // sessions rising 5 a day, with days 10–14 missing (sessions are not zero-filled)
      const points = days(Array.from({ length: 30 }, (_, i) => 100 + 5 * i)).filter((_, i) => i < 10 || i > 14);
      const t = one(computeInsights(input({ sessions: points })), 'trend', 'sessions');
      expect(t.numbers.slope).toBeCloseTo(5, 10);
      expect(t.numbers.days).toBe(25);
      // the line spans 29 calendar days: +145 against a mean of 175 (days 0–9 and 15–29)
      expect(t.numbers.mean).toBe(175);
      expect(t.numbers.driftPct).toBeCloseTo((145 / 175) * 100, 10);
    });

    it('is not reported when the line moves less than 10% over the window, however clean', () => {
      const values = Array.from({ length: 30 }, (_, i) => 100 + 0.2 * i); // R² = 1, but +5.6% over 30 days
      expect(linearFit(values).r2).toBeCloseTo(1, 12);
      expect(ofType(computeInsights(input({ revenue: days(values) })), 'trend')).toEqual([]);
    });

    it('is not reported when the slope is not significant, however steep', () => {
      const values = [100, 140, 60, 120, 80, 150, 70, 130, 90, 160]; // +23% over the window, t ≈ 0.7
      expect((slope(values) * 9) / (sum(values) / 10)).toBeGreaterThan(0.2);
      expect(ofType(computeInsights(input({ revenue: days(values) })), 'trend')).toEqual([]);
    });

    it('is not reported for noise without a direction', () => {
      const values = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 90 : 110));
      expect(Math.abs(slope(values))).toBeGreaterThan(0); // there is a slope, just not a meaningful one
      expect(ofType(computeInsights(input({ revenue: days(values) })), 'trend')).toEqual([]);
    });
  });

  describe('total change', () => {
    it('compares the current total with the previous period', () => {
      const t = one(
        computeInsights(input({ revenue: days(constant(30, 112.5)) }, { revenue: days(constant(30, 100), '2026-09-01') })),
        'total_change',
        'revenue',
      );
      expect(t.numbers).toMatchObject({ metric: 'revenue', total: 3375, previous: 3000, change: 12.5, currentDays: 30, previousDays: 30 });
      expect(t.headline).toBe('Revenue up 12.5% vs the previous 30 days');
      expect(t.detail).toBe('Revenue totalled 3,375.00 over 30 days, against 3,000.00 over 30 days in the previous 30 days.');
      expect(t.severity).toBe('positive');
    });

    it('has a null change when the previous total is 0', () => {
      const t = one(computeInsights(input({ orders: days(constant(30, 5)) }, { orders: days(constant(30, 0)) })), 'total_change');
      expect(t.numbers.total).toBe(150);
      expect(t.numbers.previous).toBe(0);
      expect(t.numbers.change).toBeNull();
      expect(t.severity).toBe('info');
      expect(t.headline).toBe('Orders 150 in the last 30 days');
    });

    it('labels the period', () => {
      const week = one(computeInsights(input({ clicks: days(constant(7, 90)) }, { clicks: days(constant(7, 100)) }, { period: '7d' })), 'total_change');
      expect(week.headline).toBe('Clicks down 10% vs the previous 7 days');
      const year = one(computeInsights(input({ clicks: days(constant(7, 90)) }, { clicks: days(constant(7, 100)) }, { period: '1y' })), 'total_change');
      expect(year.headline).toBe('Clicks down 10% vs the previous 12 months');
    });

    it.each<[MetricName, number, number, string]>([
      ['revenue', 105, 100, 'positive'],
      ['revenue', 102, 100, 'info'], // under 5%: no news
      ['revenue', 80, 100, 'warning'],
      ['revenue', 40, 100, 'critical'], // a drop of 50% or more
      ['sessions', 80, 100, 'warning'],
      ['refunds', 12, 10, 'warning'], // refunds up is bad news
      ['refunds', 8, 10, 'positive'],
      ['refund_amount', 200, 100, 'warning'],
      ['refund_amount', 40, 100, 'positive'], // a big drop of a bad-news metric is good, not critical
      ['ad_spend', 150, 100, 'info'], // spending more is not "positive"
      ['ad_spend', 50, 100, 'info'],
    ])('%s %d vs %d a day is %s', (metric, cur, prev, severity) => {
      const t = one(computeInsights(input({ [metric]: days(constant(7, cur)) }, { [metric]: days(constant(7, prev)) }, { period: '7d' })), 'total_change');
      expect(t.numbers.change).toBeCloseTo(((cur - prev) / prev) * 100, 10);
      expect(t.severity).toBe(severity);
    });
  });

  describe('ROAS', () => {
    it('divides revenue by ad spend and compares with the previous period', () => {
      const r = one(
        computeInsights(
          input(
            { revenue: days(constant(30, 300)), ad_spend: days(constant(30, 100)) },
            { revenue: days(constant(30, 200)), ad_spend: days(constant(30, 100)) },
          ),
        ),
        'roas',
      );
      expect(r.metric).toBeUndefined();
      expect(r.numbers).toMatchObject({ roas: 3, revenue: 9000, adSpend: 3000, previousRoas: 2, previousRevenue: 6000, previousAdSpend: 3000, change: 50 });
      expect(r.headline).toBe('ROAS up 50% to 3.00 vs the previous 30 days');
      expect(r.severity).toBe('positive');
    });

    it('warns when ROAS falls', () => {
      const r = one(
        computeInsights(
          input(
            { revenue: days(constant(30, 300)), ad_spend: days(constant(30, 100)) },
            { revenue: days(constant(30, 400)), ad_spend: days(constant(30, 100)) },
          ),
        ),
        'roas',
      );
      expect(r.numbers.previousRoas).toBe(4);
      expect(r.numbers.change).toBe(-25);
      expect(r.headline).toBe('ROAS down 25% to 3.00 vs the previous 30 days');
      expect(r.severity).toBe('warning');
    });

    it('has no comparison without previous ad spend, and warns below 1', () => {
      const r = one(
        computeInsights(input({ revenue: days(constant(30, 50)), ad_spend: days(constant(30, 100)) }, { revenue: days(constant(30, 50)) })),
        'roas',
      );
      expect(r.numbers.roas).toBe(0.5);
      expect(r.numbers.previousRoas).toBeNull();
      expect(r.numbers.change).toBeNull();
      expect(r.headline).toBe('ROAS 0.50 over the last 30 days');
      expect(r.severity).toBe('warning');
    });

    it('is skipped without ad spend, with zero ad spend, or without revenue', () => {
      expect(ofType(computeInsights(input({ revenue: days(constant(30, 50)) })), 'roas')).toEqual([]);
      expect(ofType(computeInsights(input({ revenue: days(constant(30, 50)), ad_spend: days(constant(30, 0)) })), 'roas')).toEqual([]);
      expect(ofType(computeInsights(input({ ad_spend: days(constant(30, 50)) })), 'roas')).toEqual([]);
    });
  });

  describe('best and worst days', () => {
    it('picks the highest and lowest day (earliest on a tie) for revenue, sessions and orders only', () => {
      const values = [100, 150, 90, 150, 120, 60, 60, 110];
      const insights = computeInsights(input({ revenue: days(values), orders: days(values), sessions: days(values), clicks: days(values) }));
      for (const metric of ['revenue', 'orders', 'sessions'] as const) {
        const best = one(insights, 'best_day', metric);
        const worst = one(insights, 'worst_day', metric);
        expect(best.numbers).toMatchObject({ date: dateAt(1), value: 150, mean: 105 });
        expect(worst.numbers).toMatchObject({ date: dateAt(5), value: 60, mean: 105 });
        expect(best.severity).toBe('positive');
        expect(worst.severity).toBe('info');
      }
      expect(one(insights, 'best_day', 'revenue').headline).toBe(`Best revenue day: ${dateAt(1)} (150.00)`);
      expect(one(insights, 'worst_day', 'orders').headline).toBe(`Worst orders day: ${dateAt(5)} (60)`);
      expect(one(insights, 'worst_day', 'orders').detail).toBe(
        `Orders were 60 on ${dateAt(5)}, the lowest of the last 30 days, 42.9% below the daily mean of 105.`,
      );
      expect(ofType(insights, 'best_day', 'clicks')).toEqual([]);
    });

    it('counts a missing revenue day as 0 but leaves a missing sessions day out', () => {
      const points = days([100, 110, 120, 130, 140, 150]).filter((_, i) => i !== 2);
      const insights = computeInsights(input({ revenue: points, sessions: points }));
      expect(one(insights, 'worst_day', 'revenue').numbers).toMatchObject({ date: dateAt(2), value: 0 });
      expect(one(insights, 'total_change', 'revenue').numbers.currentDays).toBe(6);
      expect(one(insights, 'worst_day', 'sessions').numbers).toMatchObject({ date: dateAt(0), value: 100 });
      expect(one(insights, 'total_change', 'sessions').numbers.currentDays).toBe(5);
    });
  });

  describe('ordering', () => {
    const flat = (v: number) => days(constant(7, v));
    const current: MetricSeries = { revenue: flat(40), orders: flat(102), refunds: flat(12), sessions: flat(120), ad_spend: flat(12) };
    const previous: MetricSeries = { revenue: flat(100), orders: flat(100), refunds: flat(10), sessions: flat(100), ad_spend: flat(10) };

    it('puts the most severe first, then sorts by metric name (ROAS, which has none, last)', () => {
      const insights = computeInsights({ period: '7d', current, previous });
      expect(insights.map((i) => [i.severity, i.type, i.metric ?? null])).toEqual([
        ['critical', 'total_change', 'revenue'], // −60%
        ['critical', 'roas', null], // 3.33 vs 10
        ['warning', 'total_change', 'refunds'], // +20%
        ['positive', 'total_change', 'sessions'], // +20%
        ['info', 'total_change', 'ad_spend'], // +20%, neutral
        ['info', 'total_change', 'orders'], // +2%
      ]);
    });

    it('is deterministic whatever the order of the points and keys', () => {
      const shuffle = (s: MetricSeries): MetricSeries =>
        Object.fromEntries(
          Object.entries(s)
            .reverse()
            .map(([k, v]) => [k, [...v!].reverse()]),
        );
      const values = around100();
      values[12] = 10;
      const cur: MetricSeries = { ...current, revenue: days(values), sessions: days(values.map((v) => v * 2)) };
      const a = computeInsights({ period: '30d', current: cur, previous });
      const b = computeInsights({ period: '30d', current: shuffle(cur), previous: shuffle(previous) });
      expect(b).toEqual(a);
      const ranks = { critical: 0, warning: 1, positive: 2, info: 3 };
      for (let i = 1; i < a.length; i++) expect(ranks[a[i].severity]).toBeGreaterThanOrEqual(ranks[a[i - 1].severity]);
    });
  });
});

describe('anomaliesForAlert', () => {
  const cycle = (v: number) => days(Array.from({ length: 30 }, (_, i) => (i === 10 ? v : [96, 98, 100, 102, 104][i % 5])));
  const insights = computeInsights(input({ revenue: cycle(115), sessions: cycle(125), orders: cycle(100) }));

  it('keeps the warning and critical anomalies and nothing else', () => {
    expect(insights.some((i) => i.type !== 'anomaly')).toBe(true);
    const alerts = anomaliesForAlert(insights, DEFAULT_ANOMALY_THRESHOLD);
    expect(alerts.map((a) => [a.metric, a.severity])).toEqual([
      ['sessions', 'critical'],
      ['revenue', 'warning'],
    ]);
  });

  it('can be stricter than the insights', () => {
    expect(anomaliesForAlert(insights, 7).map((a) => a.metric)).toEqual(['sessions']);
    expect(anomaliesForAlert(insights, 100)).toEqual([]);
  });

  it('ignores an anomaly that is only informative', () => {
    const info: Insight = { type: 'anomaly', severity: 'info', metric: 'revenue', headline: 'x', detail: 'x', numbers: { z: 9 } };
    expect(anomaliesForAlert([info], 3.5)).toEqual([]);
    expect(anomaliesForAlert([])).toEqual([]);
  });
});
