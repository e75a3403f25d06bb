import { describe, expect, it } from 'vitest';
import type { Insight, MetricSeries } from '../../server/domain/insights/types.ts';
import { renderReport, reportKpis, type ReportInput } from '../../server/domain/reports/render-report.ts';
import { escapeXml, lineChartSvg } from '../../server/domain/reports/svg-chart.ts';

const pts = (start: string, values: number[]) =>
  values.map((value, i) => ({ date: new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10), value }));

describe('reportKpis', () => {
  it('totals each KPI over the window with the change against the window before, then ROAS', () => {
    const current: MetricSeries = {
      revenue: pts('2026-03-08', [100, 250]),
      orders: pts('2026-03-08', [3, 4]),
      ad_spend: pts('2026-03-08', [50, 50]),
    };
    const previous: MetricSeries = {
      revenue: pts('2026-03-06', [120, 80]),
      refund_amount: pts('2026-03-06', [10]),
      ad_spend: pts('2026-03-06', [40, 60]),
    };
    expect(reportKpis(current, previous)).toEqual([
      { metric: 'revenue', label: 'Revenue', value: 350, previous: 200, changePct: 75 },
      // Nothing the window before: no change to show.
      { metric: 'orders', label: 'Orders', value: 7, previous: null, changePct: null },
      // Only the window before: it went to zero.
      { metric: 'refund_amount', label: 'Refunded', value: 0, previous: 10, changePct: -100 },
      { metric: 'ad_spend', label: 'Ad spend', value: 100, previous: 100, changePct: 0 },
      // 350 / 100 against 200 / 100.
      { metric: 'roas', label: 'ROAS', value: 3.5, previous: 2, changePct: 75 },
    ]);
  });

  it('rounds to cents, and gives no change when the previous total was 0', () => {
    const kpis = reportKpis({ revenue: pts('2026-03-08', [0.1, 0.2, 10.005]) }, { revenue: pts('2026-03-06', [0, 0]) });
    expect(kpis).toEqual([{ metric: 'revenue', label: 'Revenue', value: 10.31, previous: 0, changePct: null }]);
    expect(reportKpis({ sessions: pts('2026-03-08', [1000, 1100]) }, { sessions: pts('2026-03-06', [800]) })).toEqual([
      { metric: 'sessions', label: 'Sessions', value: 2100, previous: 800, changePct: 162.5 },
    ]);
  });

  it('ROAS only with ad spend and revenue in the window; no previous ROAS without previous spend', () => {
    const revenue = pts('2026-03-08', [300]);
    expect(reportKpis({ revenue }, {}).map((k) => k.metric)).toEqual(['revenue']);
    expect(reportKpis({ revenue, ad_spend: pts('2026-03-08', [0]) }, {}).map((k) => k.metric)).toEqual(['revenue', 'ad_spend']);
    expect(reportKpis({ ad_spend: pts('2026-03-08', [10]) }, {}).map((k) => k.metric)).toEqual(['ad_spend']);
    const roas = reportKpis({ revenue, ad_spend: pts('2026-03-08', [120]) }, { revenue: pts('2026-03-01', [500]) }).find((k) => k.metric === 'roas');
    expect(roas).toEqual({ metric: 'roas', label: 'ROAS', value: 2.5, previous: null, changePct: null });
  });

  it('no data at all: no KPIs', () => {
    expect(reportKpis({}, {})).toEqual([]);
  });
});

const insight = (headline: string, detail: string): Insight => ({ type: 'anomaly', severity: 'warning', metric: 'revenue', headline, detail, numbers: {} });

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    organizationName: 'Acme',
    reportType: 'weekly',
    start: '2026-03-08',
    end: '2026-03-14',
    current: { revenue: pts('2026-03-08', [1000, 1234.5]), sessions: pts('2026-03-08', [10, 20]) },
    previous: { revenue: pts('2026-03-01', [2000]) },
    insights: [],
    rows: [],
    ...over,
  };
}

describe('renderReport', () => {
  it('titles the report by type, organization and window, and shows each KPI with its value and change', () => {
    const r = renderReport(input());
    expect(r.title).toBe('Weekly report: Acme, 2026-03-08 to 2026-03-14');
    expect(r.kpis.map((k) => k.metric)).toEqual(['revenue', 'sessions']);
    expect(r.html).toContain('<title>Weekly report: Acme, 2026-03-08 to 2026-03-14</title>');
    expect(r.html).toMatch(/data-kpi="revenue".*?data-value="2234.5">2,234.5</);
    expect(r.html).toContain('▲ 11.73% vs previous');
    expect(r.html).toMatch(/data-kpi="sessions".*?data-value="30">30</);
    // One chart per charted metric present (revenue, sessions; no ad spend).
    expect(r.html.match(/<svg /g)).toHaveLength(2);
    expect(r.html).toContain('Daily revenue');
    expect(r.html).not.toContain('Daily ad spend');
    expect(renderReport(input({ previous: { revenue: pts('2026-03-01', [3000]) } })).html).toContain('▼ 25.52% vs previous');
    expect(renderReport(input({ reportType: 'monthly' })).title).toMatch(/^Monthly report: /);
  });

  it('escapes the organization name and the insights everywhere in the HTML', () => {
    const name = `<img src=x onerror="alert(1)"> & 'Co'`;
    const r = renderReport(input({ organizationName: name, insights: [insight('Revenue <b>dropped</b>', 'see <script>x()</script>')] }));
    expect(r.title).toContain(name); // the title is data; the HTML is where it is escaped
    const escaped = '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;Co&#39;';
    expect(r.html).toContain(`<title>Weekly report: ${escaped}, 2026-03-08 to 2026-03-14</title>`);
    expect(r.html).toContain(`<h1 style="font-size:22px">Weekly report: ${escaped}, 2026-03-08 to 2026-03-14</h1>`);
    expect(r.html).toContain('Revenue &lt;b&gt;dropped&lt;/b&gt;');
    expect(r.html).toContain('see &lt;script&gt;x()&lt;/script&gt;');
    expect(r.html).not.toMatch(/<img|<script|<b>/);
  });

  it('says so when there is nothing to show', () => {
    const r = renderReport(input({ current: {}, previous: {}, insights: [] }));
    expect(r.kpis).toEqual([]);
    expect(r.html).toContain('<td>No data in this period.</td>');
    expect(r.html).toContain('<p>No daily data to chart.</p>');
    expect(r.html).toContain('<li>No notable changes in this period.</li>');
    expect(r.csv).toBe('date,integration_id,metric,value\n');
  });

  it('writes one CSV line per row, quoting an integration id that needs it', () => {
    const r = renderReport(
      input({
        rows: [
          { date: '2026-03-08', integrationId: 'int-1', metric: 'revenue', value: 1000 },
          { date: '2026-03-08', integrationId: 'odd,"id"', metric: 'orders', value: 3.5 },
        ],
      }),
    );
    expect(r.csv).toBe('date,integration_id,metric,value\n2026-03-08,int-1,revenue,1000\n2026-03-08,"odd,""id""",orders,3.5\n');
  });
});

describe('lineChartSvg', () => {
  it('an empty series is a labelled "no data" image, with no path', () => {
    const svg = lineChartSvg([], { title: 'Daily <revenue>' });
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-label="Daily &lt;revenue&gt;: no data">/);
    expect(svg).toContain('No data for Daily &lt;revenue&gt;');
    expect(svg).not.toContain('<path');
    expect(svg).not.toContain('NaN');
    expect(svg.endsWith('</svg>')).toBe(true);
  });

  it('a one-point series is centred, with finite coordinates and its date and value as labels', () => {
    const svg = lineChartSvg([{ date: '2026-03-14', value: 42 }], { title: 'Daily revenue' });
    expect(svg).not.toMatch(/NaN|Infinity/);
    // x: the middle of the plot (48 + 500 / 2); y: the top (the value is the maximum, 0 the minimum).
    expect(svg).toContain('<path d="M298.0,24.0"');
    expect(svg).toContain('>42</text>');
    expect(svg).toContain('>0</text>');
    expect(svg.match(/>2026-03-14</g)).toHaveLength(2);
  });

  it('a zero or negative series stays inside the plot', () => {
    const zero = lineChartSvg([{ date: '2026-03-14', value: 0 }], { title: 'z' });
    expect(zero).toContain('<path d="M298.0,136.0"');
    const mixed = lineChartSvg(pts('2026-03-01', [-1000, 0, 2000]), { title: 'm', width: 112, height: 148 });
    // Plot 52 wide (x 48…100), 100 high (y 24…124); min -1000 at the bottom, max 2000 at the top.
    expect(mixed).toContain('<path d="M48.0,124.0 L74.0,90.7 L100.0,24.0"');
    expect(mixed).toContain('>2.0k</text>');
    expect(mixed).toContain('>-1.0k</text>');
    expect(mixed).not.toMatch(/NaN|Infinity/);
  });

  it('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
