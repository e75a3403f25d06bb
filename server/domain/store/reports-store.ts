import type { Kysely, Selectable } from 'kysely';
import type { ReportSummary } from '../../../shared/domain.ts';
import type { DB, ReportsTable } from './schema.ts';

export interface StoredReport extends ReportSummary {
  html: string;
  csv: string;
}

/** Generated reports by stable id: generating the same report again replaces it. */
export class ReportStore {
  constructor(private readonly db: Kysely<DB>) {}

  async save(r: StoredReport): Promise<void> {
    const row: ReportsTable = {
      id: r.id,
      organization_id: r.organizationId,
      report_type: r.reportType,
      period_start: r.periodStart,
      period_end: r.periodEnd,
      title: r.title,
      html: r.html,
      csv: r.csv,
      summary: JSON.stringify(r.kpis),
      created_at: r.createdAt,
    };
    await this.db
      .insertInto('reports')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          title: row.title,
          html: row.html,
          csv: row.csv,
          summary: row.summary,
          period_start: row.period_start,
          period_end: row.period_end,
          created_at: row.created_at,
        }),
      )
      .execute();
  }

  async get(id: string): Promise<StoredReport | undefined> {
    const r = await this.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { ...toSummary(r), html: r.html, csv: r.csv };
  }

  async list(filter: { organizationId?: string; limit?: number; offset?: number } = {}): Promise<{ reports: ReportSummary[]; total: number }> {
    let q = this.db.selectFrom('reports');
    if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
    const [rows, count] = await Promise.all([
      q
        .select(['id', 'organization_id', 'report_type', 'period_start', 'period_end', 'title', 'summary', 'created_at'])
        .orderBy('created_at', 'desc')
        .limit(filter.limit ?? 50)
        .offset(filter.offset ?? 0)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { reports: rows.map(toSummary), total: Number(count.n) };
  }
}

function toSummary(
  r: Pick<Selectable<ReportsTable>, 'id' | 'organization_id' | 'report_type' | 'period_start' | 'period_end' | 'title' | 'summary' | 'created_at'>,
): ReportSummary {
  return {
    id: r.id,
    organizationId: r.organization_id,
    reportType: r.report_type,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    title: r.title,
    kpis: JSON.parse(r.summary) as ReportSummary['kpis'],
    createdAt: r.created_at,
  };
}
