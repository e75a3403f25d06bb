import type { InsightPeriod } from '../../../shared/jobs.ts';
import type { InsightStatistic, InsightUnit } from '../../../shared/insights.ts';
import { formatAmount, formatDay, formatPercent } from '../../../shared/insight-format.ts';
import type { Insight } from './types.ts';
import { METRIC_LABELS, MONEY_METRICS, SINGULAR_METRICS, periodLabel } from './wording.ts';

/**
 * An insight told to a business reader: one sentence with the day, the amount in the currency and
 * what it is compared with ("Revenue on Tue 24 Nov was 62% below a typical day ($1,240 vs about
 * $3,300)"), the figures the chart needs, and the statistics behind it with labels a person
 * understands. Pure: everything comes from the insight's stored `numbers` and the context.
 *
 * The stored headline and detail (wording.ts) stay as they are: alerts and older readers use them.
 */

export interface PlainContext {
  period: InsightPeriod;
  /** ISO 4217 code of the organization's money; null: amounts without a symbol. */
  currency: string | null;
  /** Write days with their year (a window over a year end, or a year's window). */
  withYear?: boolean;
}

export interface PlainInsight {
  summary: string;
  unit: InsightUnit;
  date: string | null;
  value: number | null;
  typical: number | null;
  reference: number | null;
  statistics: InsightStatistic[];
}

export function unitOf(insight: Pick<Insight, 'type' | 'metric'>): InsightUnit {
  if (insight.type === 'roas' || !insight.metric) return 'ratio';
  return MONEY_METRICS.has(insight.metric) ? 'money' : 'count';
}

const num = (numbers: Insight['numbers'], key: string): number | null => {
  const v = numbers[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const str = (numbers: Insight['numbers'], key: string): string | null => {
  const v = numbers[key];
  return typeof v === 'string' ? v : null;
};

/** Whether a change shows as 0% once rounded for prose. */
const looksFlat = (pct: number) => formatPercent(pct) === '0%';

export function plainInsight(insight: Insight, ctx: PlainContext): PlainInsight {
  const unit = unitOf(insight);
  const n = insight.numbers;
  const metric = insight.metric;
  const amount = (v: number, approx = false) => formatAmount(v, unit, ctx.currency, { approx });
  const signed = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${amount(Math.abs(v))}`;
  const signedPct = (p: number | null) => (p === null ? '' : ` (${p > 0 ? '+' : p < 0 ? '−' : ''}${formatPercent(p)})`);
  const day = (d: string) => formatDay(d, ctx.withYear);
  const label = metric ? METRIC_LABELS[metric] : 'ROAS';
  const was = metric && !SINGULAR_METRICS.has(metric) ? 'were' : 'was';
  const period = periodLabel(ctx.period);
  const base = { unit, date: null, value: null, typical: null, reference: null };

  switch (insight.type) {
    case 'anomaly': {
      const date = str(n, 'date') ?? '';
      const value = num(n, 'value') ?? 0;
      const median = num(n, 'median');
      const previous = num(n, 'previous');
      const change = num(n, 'change');
      const previousDate = str(n, 'previousDate');
      const statistics: InsightStatistic[] = [{ label: day(date), value: amount(value) }];
      let summary: string;
      let typical: number | null;
      if (previousDate && previous !== null && change !== null) {
        // The latest day against the day before (see rules.ts).
        typical = previous;
        summary = `${label} on ${day(date)} ${change < 0 ? 'fell' : 'rose'} ${formatPercent(change)} from the day before (${amount(value)} vs ${amount(previous)})`;
        statistics.push(
          { label: `Day before (${day(previousDate)})`, value: amount(previous) },
          { label: 'Change from the day before', value: `${signed(value - previous)}${signedPct(change)}` },
        );
      } else {
        typical = median;
        const dev = num(n, 'deviationPct');
        const low = (num(n, 'z') ?? 0) < 0;
        const vs = median === null ? `(${amount(value)})` : `(${amount(value)} vs about ${amount(median, true)})`;
        if (dev === null || median === null) summary = `${label} on ${day(date)} ${was} unusually ${low ? 'low' : 'high'} ${vs}`;
        else if (dev >= 100) {
          const times = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(value / median);
          summary = `${label} on ${day(date)} ${was} ${times} times a typical day ${vs}`;
        } else summary = `${label} on ${day(date)} ${was} ${formatPercent(dev)} ${low ? 'below' : 'above'} a typical day ${vs}`;
      }
      const days = num(n, 'days');
      if (median !== null) {
        statistics.push({ label: `Typical day (median of ${days ?? 'the'} days)`, value: amount(median) });
        if (!previousDate) statistics.push({ label: 'Difference from a typical day', value: `${signed(value - median)}${signedPct(num(n, 'deviationPct'))}` });
      }
      const z = num(n, 'z');
      const threshold = num(n, 'threshold');
      if (z !== null) {
        statistics.push({
          label: 'How unusual (robust z-score)',
          value: `${z < 0 ? '−' : ''}${Math.abs(z).toFixed(1)}${threshold === null ? '' : `; days beyond ±${threshold} are reported`}`,
        });
      }
      const method = str(n, 'zMethod');
      const mad = num(n, 'mad');
      const meanAbsDev = num(n, 'meanAbsDev');
      if (method === 'mad' && mad !== null) statistics.push({ label: 'Usual day-to-day spread (median absolute deviation)', value: amount(mad) });
      else if (method === 'meanad' && meanAbsDev !== null)
        statistics.push({ label: 'Usual day-to-day spread (mean absolute deviation; most days equal the median)', value: amount(meanAbsDev) });
      if (days !== null) statistics.push({ label: 'Days compared', value: String(days) });
      return { ...base, summary, date, value, typical, reference: median, statistics };
    }

    case 'total_change': {
      const total = num(n, 'total') ?? 0;
      const previous = num(n, 'previous');
      const change = num(n, 'change');
      const currentDays = num(n, 'currentDays');
      const previousDays = num(n, 'previousDays');
      const head = `${label} over the last ${period} ${was} ${amount(total)}`;
      const summary =
        change === null
          ? previous === null
            ? `${head}; there is no earlier data to compare with`
            : `${head}, up from none in the ${period} before`
          : looksFlat(change)
            ? `${head}, about the same as the ${period} before (${amount(previous!)})`
            : `${head}, ${change > 0 ? 'up' : 'down'} ${formatPercent(change)} from the ${period} before (${amount(previous!)})`;
      const statistics: InsightStatistic[] = [
        { label: `Last ${period}${currentDays === null ? '' : ` (${currentDays} days with data)`}`, value: amount(total) },
      ];
      if (previous !== null) {
        statistics.push({ label: `The ${period} before${previousDays === null ? '' : ` (${previousDays} days with data)`}`, value: amount(previous) });
        statistics.push({ label: 'Change', value: `${signed(total - previous)}${signedPct(change)}` });
      }
      if (currentDays) statistics.push({ label: 'Average day, last period', value: amount(total / currentDays) });
      const prevDaily = previous !== null && previousDays ? previous / previousDays : null;
      if (prevDaily !== null) statistics.push({ label: 'Average day, the period before', value: amount(prevDaily) });
      return { ...base, summary, value: total, typical: previous, reference: prevDaily, statistics };
    }

    case 'trend': {
      const startFit = num(n, 'startFit') ?? 0;
      const endFit = num(n, 'endFit') ?? 0;
      const slope = num(n, 'slope') ?? 0;
      const has = metric && !SINGULAR_METRICS.has(metric) ? 'have' : 'has';
      const summary = `${label} ${has} been ${slope > 0 ? 'rising' : 'falling'} over the last ${period}, from about ${amount(startFit, true)} to about ${amount(endFit, true)} a day`;
      const statistics: InsightStatistic[] = [
        { label: 'Daily level at the start (fitted line)', value: amount(startFit) },
        { label: 'Daily level at the end (fitted line)', value: amount(endFit) },
        { label: 'Change per day', value: `${signed(slope)}${signedPct(num(n, 'slopePct'))}` },
      ];
      const mean = num(n, 'mean');
      if (mean !== null) statistics.push({ label: 'Average day', value: amount(mean) });
      const r2 = num(n, 'r2');
      if (r2 !== null) statistics.push({ label: 'How well a straight line fits (R², 1 = perfectly)', value: r2.toFixed(2) });
      const days = num(n, 'days');
      if (days !== null) statistics.push({ label: 'Days', value: String(days) });
      return { ...base, summary, value: endFit, typical: startFit, reference: mean, statistics };
    }

    case 'best_day':
    case 'worst_day': {
      const best = insight.type === 'best_day';
      const date = str(n, 'date') ?? '';
      const value = num(n, 'value') ?? 0;
      const mean = num(n, 'mean');
      const vs = num(n, 'vsMeanPct');
      const head = best ? `${label} peaked on ${day(date)} at ${amount(value)}` : `${label} ${was} lowest on ${day(date)}, at ${amount(value)}`;
      const summary =
        vs === null || mean === null ? head : `${head}, ${formatPercent(vs)} ${vs >= 0 ? 'above' : 'below'} an average day (about ${amount(mean, true)})`;
      const days = num(n, 'days');
      const statistics: InsightStatistic[] = [{ label: day(date), value: amount(value) }];
      if (mean !== null) {
        statistics.push({ label: days === null ? 'Average day' : `Average day (${days} days)`, value: amount(mean) });
        statistics.push({ label: 'Difference from an average day', value: `${signed(value - mean)}${signedPct(vs)}` });
      }
      return { ...base, summary, date, value, typical: mean, reference: mean, statistics };
    }

    case 'roas': {
      const roas = num(n, 'roas') ?? 0;
      const prev = num(n, 'previousRoas');
      const change = num(n, 'change');
      const money = (v: number) => formatAmount(v, 'money', ctx.currency);
      const ratio = (v: number) => formatAmount(v, 'ratio', null);
      const head = ctx.currency
        ? `Each ${formatAmount(1, 'money', ctx.currency).replace(/\.00$/, '')} of ad spend brought ${money(roas)} in revenue over the last ${period}`
        : `Revenue was ${ratio(roas)} times ad spend over the last ${period}`;
      const was$ = (v: number) => (ctx.currency ? money(v) : ratio(v));
      const summary =
        change === null || prev === null
          ? head
          : looksFlat(change)
            ? `${head}, about the same as the ${period} before`
            : `${head}, ${change > 0 ? 'up' : 'down'} ${formatPercent(change)} from ${was$(prev)}`;
      const statistics: InsightStatistic[] = [];
      const revenue = num(n, 'revenue');
      const adSpend = num(n, 'adSpend');
      if (revenue !== null) statistics.push({ label: `Revenue, last ${period}`, value: money(revenue) });
      if (adSpend !== null) statistics.push({ label: `Ad spend, last ${period}`, value: money(adSpend) });
      statistics.push({ label: 'Revenue per unit of ad spend (ROAS)', value: ratio(roas) });
      const pr = num(n, 'previousRevenue');
      const pa = num(n, 'previousAdSpend');
      if (prev !== null)
        statistics.push({
          label: `ROAS, the ${period} before`,
          value: `${ratio(prev)}${pr !== null && pa !== null ? ` (${money(pr)} for ${money(pa)})` : ''}`,
        });
      statistics.push({ label: 'Note', value: 'Revenue is all revenue, not only what the ads brought.' });
      return { ...base, summary, value: roas, typical: prev, statistics };
    }
  }
  return { ...base, summary: insight.headline, statistics: [] };
}
