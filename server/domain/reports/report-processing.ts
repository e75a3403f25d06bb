import { createHash } from 'node:crypto';
import type { EmailJobData, JobOptions, ReportJobData } from '../../../shared/jobs.ts';
import { PermanentJobError, type ProcessorContext } from '../../jobs/contract.ts';
import { orgCurrencies } from '../insights/currency.ts';
import { describeInsights } from '../insights/insight-view.ts';
import { addDays, dayOf, loadOrgSeries, windowsEnding } from '../insights/org-series.ts';
import { computeInsights } from '../insights/rules.ts';
import type { Store } from '../store/store.ts';
import { renderReport } from './render-report.ts';

export const REPORT_DAYS: Record<ReportJobData['reportType'], number> = { weekly: 7, monthly: 30, quarterly: 90 };

export interface ReportDeps {
  store: Store;
  /** The console's address, for the link in report-delivery emails. */
  publicUrl: string;
  sendEmail(data: EmailJobData, opts: JobOptions): Promise<unknown>;
  now?: () => Date;
}

export interface ReportResult {
  reportId: string;
  title: string;
  emailsQueued: number;
}

/** A recurring job says reportId 'recurring': each run gets a stable id of its own period. */
export function reportIdFor(data: ReportJobData, periodEnd: string): string {
  return data.reportId === 'recurring' ? `${data.organizationId}-${data.reportType}-${periodEnd}` : data.reportId;
}

/**
 * The report processor: KPIs, charts and insights for the period ending yesterday, stored as HTML
 * and CSV under a stable id (running it again replaces it), and one report-delivery email per
 * recipient, with a job id per report and recipient so a retry queues no second email.
 */
export function createReportProcessor(deps: ReportDeps) {
  return async function generateReport(data: ReportJobData, ctx: ProcessorContext): Promise<ReportResult> {
    const org = await deps.store.getOrganization(data.organizationId);
    if (!org) throw new PermanentJobError(`Organization "${data.organizationId}" not found`);
    const end = addDays(dayOf((deps.now?.() ?? new Date()).getTime()), -1);
    const w = windowsEnding(end, REPORT_DAYS[data.reportType]);
    const [current, previous, rows, currencies] = await Promise.all([
      loadOrgSeries(deps.store, org.id, w.current.start, w.current.end),
      loadOrgSeries(deps.store, org.id, w.previous.start, w.previous.end),
      deps.store.listMetrics({ organizationId: org.id, from: w.current.start, to: w.current.end }),
      orgCurrencies(deps.store, org.id, w.current.start, w.current.end),
    ]);
    await ctx.progress(50);
    const period = data.reportType === 'weekly' ? '7d' : data.reportType === 'monthly' ? '30d' : '90d';
    const currency = currencies[0]?.currency ?? null;
    // In plain language and by impact, as on the Insights page.
    const insights = describeInsights(computeInsights({ period, current, previous }), {
      period,
      currency,
      withYear: w.current.start.slice(0, 4) !== w.current.end.slice(0, 4),
    });
    const report = renderReport({
      organizationName: org.name,
      reportType: data.reportType,
      start: w.current.start,
      end: w.current.end,
      current,
      previous,
      insights: insights.slice(0, 8),
      currency,
      rows,
    });
    const id = reportIdFor(data, end);
    await deps.store.reports.save({
      id,
      organizationId: org.id,
      reportType: data.reportType,
      periodStart: w.current.start,
      periodEnd: w.current.end,
      title: report.title,
      kpis: report.kpis,
      createdAt: new Date().toISOString(),
      html: report.html,
      csv: report.csv,
    });
    const recipients = [...new Set(data.recipientEmails ?? [])];
    const highlights = report.kpis
      .slice(0, 4)
      .map((k) => `${k.label}: ${k.value}${k.changePct === null ? '' : ` (${k.changePct >= 0 ? '+' : ''}${k.changePct}%)`}`);
    for (const to of recipients) {
      await deps.sendEmail(
        {
          to,
          subject: report.title.slice(0, 200),
          template: 'report-delivery',
          data: {
            reportName: report.title,
            organizationName: org.name,
            period: `${w.current.start} to ${w.current.end}`,
            reportUrl: `${deps.publicUrl}/api/reports/${encodeURIComponent(id)}/html`,
            highlights,
          },
          organizationId: org.id,
        },
        { jobId: `report-email-${createHash('sha256').update(`${id}:${to}`).digest('hex').slice(0, 24)}` },
      );
    }
    await ctx.progress(100);
    return { reportId: id, title: report.title, emailsQueued: recipients.length };
  };
}
