import { z } from 'zod';
import type { MetricName } from '../../../shared/metrics.ts';
import type { Connector, DailyMetricRow } from './types.ts';
import { credential, parseBody, requestJson } from './http.ts';
import { day } from './dates.ts';
import { amount } from './money.ts';
import { PlatformRequestError } from './errors.ts';
import { apiUrl } from './urls.ts';

/** Rows (days) per report page: a page is a few hundred days at most, so one page is the usual case. */
const LIMIT = 10_000;

/** GA4 metric → our metric, in the order the report asks for them (metricValues follow that order). */
const METRICS = [
  ['sessions', 'sessions'],
  ['totalUsers', 'users'],
  ['conversions', 'conversions'],
] as const satisfies readonly (readonly [string, MetricName])[];

const reportSchema = z.looseObject({
  rows: z
    .array(z.looseObject({ dimensionValues: z.array(z.object({ value: z.string() })), metricValues: z.array(z.object({ value: z.string() })) }))
    .default([]),
  // GA leaves rowCount out when the report is empty.
  rowCount: z.number().int().default(0),
});

export type GaReport = z.infer<typeof reportSchema>;

/** "20241001" → "2024-10-01". */
export function gaDate(v: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (!m) throw new PlatformRequestError(`unreadable GA date: ${v}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Each report row (one day, in the property's time zone) → one metric row per metric. */
export function gaRowsToMetrics(rows: GaReport['rows']): DailyMetricRow[] {
  return rows.flatMap((row) => {
    const date = gaDate(row.dimensionValues[0]?.value ?? '');
    return METRICS.map(([ga, metric], i) => ({ date, metric, value: amount(row.metricValues[i]?.value, `GA ${ga}`) }));
  });
}

export const googleAnalyticsConnector: Connector = {
  platform: 'google-analytics',
  defaultBaseUrl: 'https://analyticsdata.googleapis.com',
  // GA has no "changed since": the window's days are read whole.
  async fetchPage(ctx, window, pageToken) {
    const offset = pageToken ? Number(pageToken) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new PlatformRequestError(`bad GA page token: ${pageToken}`);
    const propertyId = ctx.settings.propertyId?.trim();
    if (!propertyId) throw new PlatformRequestError('setting "propertyId" is required');
    const url = apiUrl(ctx.baseUrl, ctx.settings, `/v1beta/properties/${encodeURIComponent(propertyId)}:runReport`);
    const { body } = await requestJson(ctx, url, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${credential(ctx, 'accessToken')}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify({
        dateRanges: [{ startDate: day(window.startDate), endDate: day(window.endDate) }],
        dimensions: [{ name: 'date' }],
        metrics: METRICS.map(([name]) => ({ name })),
        // A fixed order keeps offset pages from overlapping.
        orderBys: [{ dimension: { dimensionName: 'date' } }],
        limit: LIMIT,
        offset,
      }),
    });
    const report = parseBody(reportSchema, body, 'GA runReport');
    const next = offset + report.rows.length;
    return {
      records: [],
      metrics: gaRowsToMetrics(report.rows),
      nextPage: report.rows.length > 0 && next < report.rowCount ? String(next) : undefined,
    };
  },
};
