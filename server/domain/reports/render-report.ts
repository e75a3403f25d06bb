import type { ReportSummary } from '../../../shared/domain.ts';
import type { MetricName } from '../../../shared/metrics.ts';
import { TONE_COLORS, changeTone } from '../insights/tone.ts';
import type { Insight, MetricSeries } from '../insights/types.ts';
import { escapeXml as esc, lineChartSvg } from './svg-chart.ts';

const KPI_LABELS: Array<[MetricName, string]> = [
  ['revenue', 'Revenue'],
  ['orders', 'Orders'],
  ['refund_amount', 'Refunded'],
  ['sessions', 'Sessions'],
  ['conversions', 'Conversions'],
  ['ad_spend', 'Ad spend'],
];

const total = (series: MetricSeries, m: MetricName) => (series[m] ?? []).reduce((s, p) => s + p.value, 0);
const round = (n: number) => Math.round(n * 100) / 100;

/** Totals per KPI over the window with the change against the window before (null when it was 0). */
export function reportKpis(current: MetricSeries, previous: MetricSeries): ReportSummary['kpis'] {
  const kpis: ReportSummary['kpis'] = [];
  for (const [metric, label] of KPI_LABELS) {
    if (!current[metric] && !previous[metric]) continue;
    const value = round(total(current, metric));
    const prev = previous[metric] ? round(total(previous, metric)) : null;
    kpis.push({ metric, label, value, previous: prev, changePct: prev ? round(((value - prev) / prev) * 100) : null });
  }
  const spend = total(current, 'ad_spend');
  if (spend > 0 && current.revenue) {
    const prevSpend = total(previous, 'ad_spend');
    const roas = round(total(current, 'revenue') / spend);
    const prevRoas = prevSpend > 0 ? round(total(previous, 'revenue') / prevSpend) : null;
    kpis.push({ metric: 'roas', label: 'ROAS', value: roas, previous: prevRoas, changePct: prevRoas ? round(((roas - prevRoas) / prevRoas) * 100) : null });
  }
  return kpis;
}

export interface ReportInput {
  organizationName: string;
  reportType: string;
  start: string;
  end: string;
  current: MetricSeries;
  previous: MetricSeries;
  /** Shown by their plain-language summary when they have one (insight-view.ts), else their headline. */
  insights: Array<Insight & { summary?: string }>;
  /** The currency the money KPIs are in (ISO 4217), said under the KPIs; null or absent: not said. */
  currency?: string | null;
  /** Per-integration daily rows for the CSV. */
  rows: Array<{ date: string; integrationId: string; metric: string; value: number }>;
}

/** The report as a self-contained HTML page (inline SVG charts) and a CSV of the daily metrics. */
export function renderReport(input: ReportInput): { title: string; html: string; csv: string; kpis: ReportSummary['kpis'] } {
  const kind = input.reportType[0].toUpperCase() + input.reportType.slice(1);
  const title = `${kind} report: ${input.organizationName}, ${input.start} to ${input.end}`;
  const kpis = reportKpis(input.current, input.previous);
  const fmt = (n: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(n);
  const kpiCells = kpis
    .map((k) => {
      // The arrow says the direction; the colour whether that is good for the business (refunds up is red).
      const tone = changeTone(k.metric, k.changePct);
      const change =
        k.changePct === null
          ? ''
          : `<div style="font-size:12px;color:${TONE_COLORS[tone]}" data-tone="${tone}">${k.changePct >= 0 ? '▲' : '▼'} ${fmt(Math.abs(k.changePct))}% vs previous</div>`;
      return `<td style="padding:12px;border:1px solid #e2e8f0;vertical-align:top" data-kpi="${esc(k.metric)}"><div style="font-size:12px;color:#64748b">${esc(k.label)}</div><div style="font-size:22px;font-weight:600" data-value="${k.value}">${fmt(k.value)}</div>${change}</td>`;
    })
    .join('');
  const charts = (['revenue', 'sessions', 'ad_spend'] as MetricName[])
    .filter((m) => input.current[m]?.length)
    .map((m) => `<div style="margin:12px 0">${lineChartSvg(input.current[m]!, { title: `Daily ${m.replace('_', ' ')}` })}</div>`)
    .join('');
  const insightItems = input.insights.length
    ? input.insights
        .map((i) => `<li style="margin:6px 0"><strong>${esc(i.summary ?? i.headline)}</strong><br><span style="color:#475569">${esc(i.detail)}</span></li>`)
        .join('')
    : '<li>No notable changes in this period.</li>';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:760px;margin:24px auto;padding:0 16px">
<h1 style="font-size:22px">${esc(title)}</h1>
<table style="border-collapse:collapse;width:100%"><tr>${kpiCells || '<td>No data in this period.</td>'}</tr></table>
${kpiCells && input.currency ? `<p style="color:#475569;font-size:12px;margin:4px 0 0">Amounts in ${esc(input.currency)}.</p>` : ''}
<h2 style="font-size:16px;margin-top:24px">Trends</h2>${charts || '<p>No daily data to chart.</p>'}
<h2 style="font-size:16px;margin-top:24px">Insights</h2><ul>${insightItems}</ul>
<p style="color:#64748b;font-size:12px">Generated by BizInsights on ${new Date().toISOString().slice(0, 10)}.</p>
</body></html>`;
  const csv = `${['date,integration_id,metric,value', ...input.rows.map((r) => [r.date, csvCell(r.integrationId), r.metric, r.value].join(','))].join('\n')}\n`;
  return { title, html, csv, kpis };
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
