import type { Platform } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { PLATFORM_LABELS, formatMinutes, type ScheduleOwnership } from '../../shared/schedules.ts';
import { INSIGHTS_EVERY_HOURS, SYNC_EVERY_HOURS, syncEveryMinutes } from './schedule-plan.ts';

/**
 * Which schedules the scheduler owns (it rewrites them from the store at every start, and removes
 * the ones named like its own that nothing owns), and how the console should describe them.
 * Pure: the caller looks the owners up.
 */

const SYNC_PREFIX = 'sync-';
const INSIGHTS_PREFIX = 'insights-';

export interface OwnerIntegration {
  id: string;
  name: string;
  organizationId: string;
  platform: Platform;
  status: string;
  syncEveryMinutes?: number | null;
}

export interface OwnerOrganization {
  id: string;
  name: string;
}

export interface OwnerLookup {
  integration(id: string): OwnerIntegration | undefined;
  organization(id: string): OwnerOrganization | undefined;
}

/** The owner a managed schedule name points at (whether or not it exists), or undefined for a custom name. */
export function managedTarget(queue: string, name: string): { kind: 'integration' | 'organization'; id: string } | undefined {
  if (queue === QueueName.DATA_SYNC && name.startsWith(SYNC_PREFIX) && name.length > SYNC_PREFIX.length) {
    return { kind: 'integration', id: name.slice(SYNC_PREFIX.length) };
  }
  if (queue === QueueName.INSIGHTS_GENERATION && name.startsWith(INSIGHTS_PREFIX) && name.length > INSIGHTS_PREFIX.length) {
    return { kind: 'organization', id: name.slice(INSIGHTS_PREFIX.length) };
  }
  return undefined;
}

const orgLabel = (lookup: OwnerLookup, id: string) => {
  const org = lookup.organization(id);
  return org && org.name !== org.id ? `org ${org.name}` : `org ${id}`;
};

/** How a schedule is owned; null for a custom schedule (free to edit). */
export function ownershipOf(queue: string, name: string, lookup: OwnerLookup): ScheduleOwnership | null {
  const target = managedTarget(queue, name);
  if (!target) return null;
  if (target.kind === 'integration') {
    const i = lookup.integration(target.id);
    if (i?.status !== 'ACTIVE') {
      const why = i ? `integration ${i.id} is ${i.status}` : `no integration "${target.id}" exists`;
      return orphan(target.id, `Integration ${target.id}: ${i ? i.status : 'not found'}`, why, `"${SYNC_PREFIX}…" in ${QueueName.DATA_SYNC}`);
    }
    const label = PLATFORM_LABELS[i.platform] ?? i.platform;
    const every = syncEveryMinutes(i);
    const defaultMinutes = SYNC_EVERY_HOURS[i.platform] * 60;
    const own = i.syncEveryMinutes != null;
    return {
      kind: 'integration-sync',
      owner: `Integration ${i.id}${i.name && i.name !== i.id ? ` — ${i.name}` : ''} (${label}, ${orgLabel(lookup, i.organizationId)})`,
      ownerId: i.id,
      source: own
        ? `integration's sync interval: ${formatMinutes(every)}, from the store`
        : `${label} default: every ${formatMinutes(defaultMinutes)} (the integration has no interval of its own)`,
      everyMinutes: every,
      defaultMinutes,
      intervalEditable: true,
      editNote:
        'Managed by the scheduler, which rewrites it from the integration at every start. A new interval is stored on the ' +
        'integration, so it lasts; the minute it runs at, its time zone (UTC) and its data follow from the integration.',
      removeRefusal: `Integration ${i.id} is ACTIVE: the scheduler puts this schedule back at its next start. Disable the integration to stop its syncs.`,
    };
  }
  const org = lookup.organization(target.id);
  if (!org)
    return orphan(
      target.id,
      `Organization ${target.id}: not found`,
      `no organization "${target.id}" exists`,
      `"${INSIGHTS_PREFIX}…" in ${QueueName.INSIGHTS_GENERATION}`,
    );
  const every = INSIGHTS_EVERY_HOURS * 60;
  return {
    kind: 'organization-insights',
    owner: `Organization ${org.name !== org.id ? `${org.name} (${org.id})` : org.id} insights`,
    ownerId: org.id,
    source: `INSIGHTS default: every ${formatMinutes(every)} for every organization (INSIGHTS_EVERY_HOURS)`,
    everyMinutes: every,
    defaultMinutes: every,
    intervalEditable: false,
    editNote:
      `Set by the insights cadence: every ${formatMinutes(every)} for every organization (INSIGHTS_EVERY_HOURS in server/queue/schedule-plan.ts); ` +
      'the scheduler rewrites it at every start, so an edit here would not last. Change the insights cadence instead ' +
      '(organizations have no setting of their own), or add a custom insights schedule under another name.',
    removeRefusal: `Organization ${org.id} exists: the scheduler puts this schedule back at its next start.`,
  };
}

function orphan(id: string, owner: string, why: string, pattern: string): ScheduleOwnership {
  return {
    kind: 'orphan',
    owner,
    ownerId: id,
    source: `none: ${why}, so the scheduler removes it at its next start`,
    everyMinutes: null,
    defaultMinutes: null,
    intervalEditable: false,
    editNote: `Names like ${pattern} belong to the scheduler, and ${why}: it removes this schedule at its next start, so an edit would not last. Use another name for a custom schedule.`,
    removeRefusal: null,
  };
}

/** A lookup over lists already read (the Schedules page reads each once per listing). */
export function lookupOf(integrations: OwnerIntegration[], organizations: OwnerOrganization[]): OwnerLookup {
  const byId = new Map(integrations.map((i) => [i.id, i]));
  const orgs = new Map(organizations.map((o) => [o.id, o]));
  return { integration: (id) => byId.get(id), organization: (id) => orgs.get(id) };
}
