import { isDeepStrictEqual } from 'node:util';
import type { Integration, Organization } from '../../shared/domain.ts';
import { QueueName } from '../../shared/queues.ts';
import { SYNC_INTERVAL_MINUTES, formatMinutes, type ScheduleIntervalInput, type ScheduleOwnership } from '../../shared/schedules.ts';
import { AppError, NotFoundError } from '../errors.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import { parseCron } from '../queue/cron.ts';
import type { JobScheduler } from '../queue/job-scheduler.ts';
import type { QueueService, RecurringJob } from '../queue/queue-service.ts';
import { lookupOf, managedTarget, ownershipOf } from '../queue/schedule-ownership.ts';
import { intervalOfCron, syncSchedulerId } from '../queue/schedule-plan.ts';

/** An edit of a schedule the scheduler owns that would not last; the message says why and what to do instead. */
export class ManagedScheduleError extends AppError {
  constructor(message: string) {
    super('MANAGED_SCHEDULE', message);
  }
}

/** The last time a cron pattern fired before now (BullMQ keeps no "last run" of a scheduler). */
function lastRun(pattern: string | null, tz: string | null): number | null {
  if (!pattern) return null;
  try {
    return parseCron(pattern, tz ?? undefined)
      .prev()
      .getTime();
  } catch {
    return null;
  }
}

export type ListedSchedule = RecurringJob & { last: number | null; managed: ScheduleOwnership | null };

/** Where the owners of managed schedules are read and an integration's interval is kept: the domain store. */
export interface ScheduleOwners {
  listIntegrations(): Promise<Integration[]>;
  listOrganizations(): Promise<Organization[]>;
  getIntegration(id: string): Promise<Integration | undefined>;
  getOrganization(id: string): Promise<Organization | undefined>;
  updateIntegration(id: string, patch: { syncEveryMinutes: number | null }): Promise<Integration | undefined>;
}

/**
 * The schedules as the console lists and changes them. A custom schedule changes freely (through
 * QueueActions, audited); one the scheduler owns either changes where it lasts (an integration's
 * interval, in the store, then its schedule is rewritten at once) or is refused with the reason.
 */
export class SchedulesService {
  constructor(
    private readonly deps: {
      queueService: Pick<QueueService, 'listRecurringJobs' | 'getRecurringJob'>;
      owners: ScheduleOwners;
      scheduler: Pick<JobScheduler, 'scheduleIntegration'>;
      actions: Pick<QueueActions, 'audited' | 'upsertSchedule' | 'removeSchedule'>;
    },
  ) {}

  /** Every schedule (of one queue or all) with its next run, its last once it has fired, and its owner if managed. */
  async list(queue?: QueueName): Promise<ListedSchedule[]> {
    const [schedules, integrations, organizations] = await Promise.all([
      this.deps.queueService.listRecurringJobs(queue),
      this.deps.owners.listIntegrations(),
      this.deps.owners.listOrganizations(),
    ]);
    const lookup = lookupOf(integrations, organizations);
    // BullMQ counts the pending next run in iterationCount: above 1 means it has fired before.
    return schedules.map((s) => ({ ...s, last: s.iterationCount > 1 ? lastRun(s.pattern, s.tz) : null, managed: ownershipOf(s.queue, s.name, lookup) }));
  }

  /** One schedule's owner, reading only that owner. */
  async ownership(queue: QueueName, name: string): Promise<{ managed: ScheduleOwnership | null; integration?: Integration }> {
    const target = managedTarget(queue, name);
    if (!target) return { managed: null };
    const integration = target.kind === 'integration' ? await this.deps.owners.getIntegration(target.id) : undefined;
    const orgId = target.kind === 'organization' ? target.id : integration?.organizationId;
    const org = orgId ? await this.deps.owners.getOrganization(orgId) : undefined;
    const managed = ownershipOf(queue, name, lookupOf(integration ? [integration] : [], org ? [org] : []));
    return { managed, integration };
  }

  /**
   * Creates or updates a schedule. A managed sync schedule's cron is read as the interval it means and
   * stored on the integration (data and time zone follow from the integration: a different one is refused);
   * any other managed one is refused with the reason. Audited either way.
   */
  async upsert(actor: Actor, input: { queue: QueueName; name: string; cron: string; tz?: string; data: unknown }): Promise<RecurringJob> {
    const { managed, integration } = await this.ownership(input.queue, input.name);
    if (!managed) return this.deps.actions.upsertSchedule(actor, input);
    const detail = { name: input.name, cron: input.cron, tz: input.tz, owner: managed.owner };
    return this.deps.actions.audited(actor, 'schedule.upsert', { queue: input.queue, detail }, async () => {
      if (managed.kind !== 'integration-sync' || !integration) throw new ManagedScheduleError(managed.editNote);
      const minutes = intervalOfCron(input.cron, input.tz);
      if (minutes === null || !(SYNC_INTERVAL_MINUTES as readonly number[]).includes(minutes)) {
        throw new ManagedScheduleError(
          `"${input.cron}" is not an interval the scheduler can keep for ${managed.owner}: it runs every ` +
            `${SYNC_INTERVAL_MINUTES.map(formatMinutes).join(', ')}. Set the integration's sync interval instead.`,
        );
      }
      const current = await this.deps.queueService.getRecurringJob(input.queue, input.name);
      if (current && input.data !== undefined && !isDeepStrictEqual(input.data, current.data)) {
        throw new ManagedScheduleError(`The data of ${input.name} comes from ${managed.owner}; only its interval can change here.`);
      }
      return this.applyInterval(integration, minutes);
    });
  }

  /** Sets a managed sync schedule's interval on its integration (null: the platform's default) and rewrites the schedule now. */
  async setInterval(actor: Actor, input: ScheduleIntervalInput): Promise<ListedSchedule> {
    const { managed, integration } = await this.ownership(input.queue, input.name);
    const detail = {
      name: input.name,
      owner: managed?.owner,
      from: integration ? (integration.syncEveryMinutes ?? null) : undefined,
      to: input.everyMinutes,
    };
    const saved = await this.deps.actions.audited(actor, 'schedule.interval', { queue: input.queue, detail }, async () => {
      if (!managed) throw new ManagedScheduleError(`${input.name} is a custom schedule: edit its cron instead.`);
      if (managed.kind !== 'integration-sync' || !integration) throw new ManagedScheduleError(managed.editNote);
      return this.applyInterval(integration, input.everyMinutes);
    });
    return (await this.list(input.queue)).find((s) => s.name === saved.name) ?? { ...saved, last: null, managed: null };
  }

  /** Removes a custom schedule, or a managed one nothing owns any more; refuses one the scheduler would put back. */
  async remove(actor: Actor, queue: QueueName, name: string): Promise<boolean> {
    const { managed } = await this.ownership(queue, name);
    const refusal = managed?.removeRefusal;
    if (!refusal) return this.deps.actions.removeSchedule(actor, queue, name);
    return this.deps.actions.audited(actor, 'schedule.remove', { queue, detail: { name, owner: managed.owner } }, async () => {
      throw new ManagedScheduleError(refusal);
    });
  }

  private async applyInterval(integration: Integration, minutes: number | null): Promise<RecurringJob> {
    const updated = await this.deps.owners.updateIntegration(integration.id, { syncEveryMinutes: minutes });
    if (!updated) throw new NotFoundError(`Integration "${integration.id}" not found`);
    await this.deps.scheduler.scheduleIntegration(updated);
    const name = syncSchedulerId(updated.id);
    const saved = await this.deps.queueService.getRecurringJob(QueueName.DATA_SYNC, name);
    if (!saved) throw new Error(`Schedule "${name}" was not saved`);
    return saved;
  }
}
