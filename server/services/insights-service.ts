import type { InsightPeriod } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import type { InsightsStore } from '../domain/store/insights-store.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import type { OrganizationsService } from './organizations-service.ts';

export interface InsightsServiceDeps {
  insights: Pick<InsightsStore, 'get'>;
  organizations: Pick<OrganizationsService, 'require'>;
  actions: Pick<QueueActions, 'addJob'>;
}

export class InsightsService {
  constructor(private readonly deps: InsightsServiceDeps) {}

  /** The latest stored insights for an organization and period (null before the first run). */
  async get(organizationId: string, period: InsightPeriod) {
    return (await this.deps.insights.get(organizationId, period)) ?? null;
  }

  /** Generates them now, bypassing the cache (the guide's scheduleImmediateInsights, audited). */
  async generate(actor: Actor, organizationId: string, period: InsightPeriod) {
    await this.deps.organizations.require(organizationId);
    const job = await this.deps.actions.addJob(actor, QueueName.INSIGHTS_GENERATION, { organizationId, period, forceRegenerate: true }, { priority: 1 });
    return { jobId: job.id };
  }
}
