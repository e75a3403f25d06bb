import type { Kysely } from 'kysely';
import type { Insight } from '../insights/types.ts';
import type { DB } from './schema.ts';

export interface StoredInsights {
  organizationId: string;
  period: string;
  windowStart: string;
  windowEnd: string;
  insights: Insight[];
  narrative: string | null;
  generatedAt: string;
}

/** The latest insights per organization and period. */
export class InsightsStore {
  constructor(private readonly db: Kysely<DB>) {}

  async save(s: StoredInsights): Promise<void> {
    const row = {
      organization_id: s.organizationId,
      period: s.period,
      window_start: s.windowStart,
      window_end: s.windowEnd,
      insights: JSON.stringify(s.insights),
      narrative: s.narrative,
      generated_at: s.generatedAt,
    };
    await this.db
      .insertInto('insights')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['organization_id', 'period']).doUpdateSet({
          window_start: row.window_start,
          window_end: row.window_end,
          insights: row.insights,
          narrative: row.narrative,
          generated_at: row.generated_at,
        }),
      )
      .execute();
  }

  async get(organizationId: string, period: string): Promise<StoredInsights | undefined> {
    const r = await this.db.selectFrom('insights').selectAll().where('organization_id', '=', organizationId).where('period', '=', period).executeTakeFirst();
    return (
      r && {
        organizationId: r.organization_id,
        period: r.period,
        windowStart: r.window_start,
        windowEnd: r.window_end,
        insights: JSON.parse(r.insights) as Insight[],
        narrative: r.narrative,
        generatedAt: r.generated_at,
      }
    );
  }
}
