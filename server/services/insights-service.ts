import type { InsightPeriod } from '../../shared/jobs.ts';
import type { InsightsView } from '../../shared/insights.ts';
import { QueueName } from '../../shared/queues.ts';
import { orgCurrencies } from '../domain/insights/currency.ts';
import { viewInsights } from '../domain/insights/insight-view.ts';
import { loadOrgSeries } from '../domain/insights/org-series.ts';
import type { InsightsStore } from '../domain/store/insights-store.ts';
import type { Store } from '../domain/store/store.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import type { OrganizationsService } from './organizations-service.ts';

export interface InsightsServiceDeps {
  insights: Pick<InsightsStore, 'get'>;
  /** The daily metrics and platform records: each view's charts and currency. */
  store: Pick<Store, 'db' | 'listMetrics'>;
  organizations: Pick<OrganizationsService, 'require'>;
  actions: Pick<QueueActions, 'addJob'>;
}

/** Views kept (a page polls every 15 s; a view changes only when its insights are generated again). */
const VIEW_CACHE_SIZE = 64;

export class InsightsService {
  private readonly views = new Map<string, InsightsView>();

  constructor(private readonly deps: InsightsServiceDeps) {}

  /**
   * The latest stored insights for an organization and period as the console shows them (null before
   * the first run): each with its plain-language summary and impact, most impact first, with the
   * currency and the charts' series (see shared/insights.ts). The series and currency are read once
   * per generation: insights are generated again after each sync that brings new data.
   */
  async get(organizationId: string, period: InsightPeriod): Promise<InsightsView | null> {
    const stored = await this.deps.insights.get(organizationId, period);
    if (!stored) return null;
    const key = `${organizationId}\u0000${period}\u0000${stored.generatedAt}`;
    const hit = this.views.get(key);
    if (hit) return hit;
    const [series, currencies] = await Promise.all([
      loadOrgSeries(this.deps.store, organizationId, stored.windowStart, stored.windowEnd),
      orgCurrencies(this.deps.store, organizationId, stored.windowStart, stored.windowEnd),
    ]);
    const view = viewInsights(stored, { series, currencies });
    this.views.set(key, view);
    if (this.views.size > VIEW_CACHE_SIZE) this.views.delete(this.views.keys().next().value!);
    return view;
  }

  /** Generates them now, bypassing the cache (the guide's scheduleImmediateInsights, audited). */
  async generate(actor: Actor, organizationId: string, period: InsightPeriod) {
    await this.deps.organizations.require(organizationId);
    const job = await this.deps.actions.addJob(actor, QueueName.INSIGHTS_GENERATION, { organizationId, period, forceRegenerate: true }, { priority: 1 });
    return { jobId: job.id };
  }
}
