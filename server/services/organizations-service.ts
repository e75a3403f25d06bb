import type { Organization } from '../../shared/domain.ts';
import type { Store } from '../domain/store/store.ts';
import { NotFoundError } from '../errors.ts';

export type OrganizationStore = Pick<Store, 'listOrganizations' | 'listIntegrations' | 'getOrganization'>;

export class OrganizationsService {
  constructor(private readonly store: OrganizationStore) {}

  /** Organizations with their integrations (no credentials) for the console's pickers and pages. */
  async listWithIntegrations() {
    const [orgs, integrations] = await Promise.all([this.store.listOrganizations(), this.store.listIntegrations()]);
    return orgs.map((o) => ({ ...o, integrations: integrations.filter((i) => i.organizationId === o.id) }));
  }

  /** The organization, or a NotFoundError: work for an organization is checked before it is queued. */
  async require(id: string): Promise<Organization> {
    const org = await this.store.getOrganization(id);
    if (!org) throw new NotFoundError(`Organization "${id}" not found`);
    return org;
  }
}
