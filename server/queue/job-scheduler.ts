import type { InsightPeriod } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { NotFoundError } from '../errors.ts';
import type { ScheduleSource, ScheduledIntegration } from '../jobs/contract.ts';
import type { Logger } from '../logger.ts';
import type { QueueService } from './queue-service.ts';
import { INSIGHTS_EVERY_HOURS, everyCron, insightsSchedulerId, spreadCron, syncEveryMinutes, syncSchedulerId } from './schedule-plan.ts';

export type { ScheduleSource, ScheduledIntegration, ScheduledOrganization } from '../jobs/contract.ts';

/** Fixed, so machines in different zones agree and daylight saving never stretches a period. */
export const SCHEDULE_TZ = 'UTC';

/** A missing integration is a domain record not found, not a queue failure. */
export class IntegrationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Integration "${id}" not found`);
  }
}

export interface SyncResult {
  scheduled: number;
  removed: number;
  /** Schedules that could not be written (a bad record in the store); the others still are. */
  failed: Array<{ id: string; error: string }>;
}

/**
 * Recurring syncs per integration and insights per organization, as BullMQ job schedulers keyed by
 * their id: upserts, so any number of processes may run it at once and a second run changes nothing.
 */
export class JobScheduler {
  constructor(private readonly deps: { queueService: QueueService; source: ScheduleSource; log?: Logger }) {}

  /** Brings the schedules in line with the source: adds/updates what exists, removes what does not. */
  async syncSchedules(): Promise<SyncResult> {
    const [integrations, organizations] = await Promise.all([this.deps.source.listIntegrations(), this.deps.source.listOrganizations()]);
    const active = integrations.filter((i) => i.status === 'ACTIVE');
    // Settled, not all: one bad record must not keep every other schedule (or the process) from starting.
    const outcomes = await Promise.allSettled([
      ...active.map((i) => this.scheduleIntegration(i).then(() => syncSchedulerId(i.id))),
      ...organizations.map((o) => this.scheduleOrganization(o.id).then(() => insightsSchedulerId(o.id))),
    ]);
    const ids = [...active.map((i) => syncSchedulerId(i.id)), ...organizations.map((o) => insightsSchedulerId(o.id))];
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ id: ids[i], error: (o.reason as Error).message }] : []));
    for (const f of failed) this.deps.log?.error(f, 'Could not schedule');

    const wantSync = new Set(active.map((i) => syncSchedulerId(i.id)));
    const wantInsights = new Set(organizations.map((o) => insightsSchedulerId(o.id)));
    const removed =
      (await this.removeStale(QueueName.DATA_SYNC, 'sync-', wantSync)) + (await this.removeStale(QueueName.INSIGHTS_GENERATION, 'insights-', wantInsights));
    const result = { scheduled: outcomes.length - failed.length, removed, failed };
    this.deps.log?.info({ scheduled: result.scheduled, removed, failed: failed.length }, 'Schedules in place');
    return result;
  }

  async scheduleIntegration(integration: ScheduledIntegration): Promise<void> {
    if (integration.status !== 'ACTIVE') {
      await this.unscheduleIntegration(integration.id);
      return;
    }
    const id = syncSchedulerId(integration.id);
    await this.deps.queueService.addRecurringJob(
      QueueName.DATA_SYNC,
      id,
      { integrationId: integration.id, organizationId: integration.organizationId, platform: integration.platform, syncType: 'incremental' },
      // The integration's own interval (set from the Schedules page, kept in the store) or its platform's default.
      everyCron(id, syncEveryMinutes(integration)),
      SCHEDULE_TZ,
    );
  }

  async unscheduleIntegration(integrationId: string): Promise<boolean> {
    return this.deps.queueService.removeRecurringJob(QueueName.DATA_SYNC, syncSchedulerId(integrationId));
  }

  async scheduleOrganization(organizationId: string): Promise<void> {
    const id = insightsSchedulerId(organizationId);
    await this.deps.queueService.addRecurringJob(
      QueueName.INSIGHTS_GENERATION,
      id,
      { organizationId, period: '30d' },
      spreadCron(id, INSIGHTS_EVERY_HOURS),
      SCHEDULE_TZ,
    );
  }

  async unscheduleOrganization(organizationId: string): Promise<boolean> {
    return this.deps.queueService.removeRecurringJob(QueueName.INSIGHTS_GENERATION, insightsSchedulerId(organizationId));
  }

  /**
   * Syncs an integration now (the guide's "Trigger Manual Data Sync"). Deduplicated while one is
   * still waiting, so a double click does not call the platform twice.
   */
  async scheduleImmediateSync(integrationId: string, syncType: 'full' | 'incremental' = 'incremental') {
    const integration = await this.deps.source.getIntegration(integrationId);
    if (!integration) throw new IntegrationNotFoundError(integrationId);
    return this.deps.queueService.addJob(
      QueueName.DATA_SYNC,
      { integrationId, organizationId: integration.organizationId, platform: integration.platform, syncType },
      { priority: 1, deduplication: { id: `sync-now-${integrationId}` } },
    );
  }

  /**
   * One full sync for every ACTIVE integration that has never synced. Deduplicated like any
   * immediate sync, so several processes starting together queue one job per integration.
   */
  async scheduleFirstSyncs(): Promise<string[]> {
    const never = (await this.deps.source.listIntegrations()).filter((i) => i.status === 'ACTIVE' && i.lastSyncAt === null);
    const outcomes = await Promise.allSettled(never.map((i) => this.scheduleImmediateSync(i.id, 'full')));
    outcomes.forEach((o, k) => {
      if (o.status === 'rejected') this.deps.log?.error({ integrationId: never[k].id, err: (o.reason as Error).message }, 'Could not queue the first sync');
    });
    if (never.length) this.deps.log?.info({ integrations: never.map((i) => i.id) }, 'Queued a first full sync for integrations that never synced');
    return never.filter((_, k) => outcomes[k].status === 'fulfilled').map((i) => i.id);
  }

  /** Generates insights now, bypassing the cache (the guide's "Generate Insights On-Demand"). */
  async scheduleImmediateInsights(organizationId: string, period: InsightPeriod = '30d') {
    return this.deps.queueService.addJob(QueueName.INSIGHTS_GENERATION, { organizationId, period, forceRegenerate: true }, { priority: 1 });
  }

  private async removeStale(queue: QueueName, idPrefix: string, keep: Set<string>): Promise<number> {
    const existing = await this.deps.queueService.listRecurringJobs(queue);
    const stale = existing.filter((s) => s.name.startsWith(idPrefix) && !keep.has(s.name));
    await Promise.all(stale.map((s) => this.deps.queueService.removeRecurringJob(queue, s.name)));
    return stale.length;
  }
}

/** A source with nothing in it, for a process that has no domain store yet. */
export const emptyScheduleSource: ScheduleSource = {
  listIntegrations: async () => [],
  listOrganizations: async () => [],
  getIntegration: async () => undefined,
};
