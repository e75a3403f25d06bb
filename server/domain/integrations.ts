import type { Integration, NewIntegration, Organization } from '../../shared/domain.ts';
import type { IntegrationStatus } from '../../shared/metrics.ts';
import type { Store } from './store/store.ts';

/** What keeping schedules in step needs of the scheduler (the queue layer's JobScheduler has it). */
export interface IntegrationScheduling {
  scheduleOrganization(organizationId: string): Promise<unknown>;
  scheduleIntegration(integration: Integration): Promise<unknown>;
  unscheduleIntegration(integrationId: string): Promise<unknown>;
  scheduleImmediateSync(integrationId: string, syncType: 'full'): Promise<unknown>;
}

/**
 * Changes to organizations and integrations that keep their schedules in step at once: a new
 * integration is scheduled (and synced in full now), a disabled or removed one loses its schedule.
 */
export class IntegrationService {
  constructor(private readonly deps: { store: Store; jobScheduler: IntegrationScheduling }) {}

  async createOrganization(input: { id?: string; name: string }): Promise<Organization> {
    const org = await this.deps.store.createOrganization(input);
    await this.deps.jobScheduler.scheduleOrganization(org.id);
    return org;
  }

  async create(input: NewIntegration): Promise<Integration> {
    const integration = await this.deps.store.createIntegration(input);
    await this.deps.jobScheduler.scheduleIntegration(integration);
    if (integration.status === 'ACTIVE') await this.deps.jobScheduler.scheduleImmediateSync(integration.id, 'full');
    return integration;
  }

  async setStatus(id: string, status: IntegrationStatus): Promise<Integration | undefined> {
    await this.deps.store.setIntegrationStatus(id, status);
    const integration = await this.deps.store.getIntegration(id);
    if (integration) await this.deps.jobScheduler.scheduleIntegration(integration);
    return integration;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.deps.store.deleteIntegration(id);
    await this.deps.jobScheduler.unscheduleIntegration(id);
    return removed;
  }
}
