import type { Integration, Organization } from '../../../shared/domain.ts';
import type { JobDataMap } from '../../../shared/jobs.ts';
import type { QueueName } from '../../../shared/queues.ts';
import { EXAMPLE_DATA } from './examples.ts';

export type OrgWithIntegrations = Organization & { integrations: Integration[] };

export interface LiveExample<Q extends QueueName> {
  data: JobDataMap[Q];
  /** What the reader should know before adding it (it will fail, and why); absent when it should succeed. */
  note?: string;
}

const NO_ORG =
  'No organization in the store yet: the ids in this example (organization "456", integration "123") do not exist, so the job would fail. ' +
  'Seed the demo (npm run seed:demo) or add an organization first.';

/**
 * The add-job form's example for a queue, naming a real organization and integration from the store
 * so that running it as it is succeeds: the guide's example ids ("123", "456") exist nowhere. A data
 * sync takes an ACTIVE integration (Shopify first, the guide's platform). Without any organization,
 * the guide's example with a note saying it would fail.
 */
export function liveExample<Q extends QueueName>(queue: Q, orgs: readonly OrgWithIntegrations[] | undefined): LiveExample<Q> {
  const base = EXAMPLE_DATA[queue];
  const org = orgs?.[0];
  if (!org) return { data: base, note: queue === 'email-sending' ? undefined : NO_ORG };
  const active = orgs!.flatMap((o) => o.integrations).filter((i) => i.status === 'ACTIVE');
  const integration = active.find((i) => i.platform === 'shopify') ?? active[0];
  const organizationId = integration?.organizationId ?? org.id;
  const data = { ...(base as Record<string, unknown>) };
  let note: string | undefined;
  switch (queue) {
    case 'data-sync':
      if (!integration)
        return { data: base, note: `${org.name} has no active integration to sync: this example's integration "123" does not exist, so it would fail.` };
      Object.assign(data, { integrationId: integration.id, organizationId, platform: integration.platform });
      break;
    case 'webhook-processing':
      if (integration) Object.assign(data, { integrationId: integration.id, platform: integration.platform });
      note =
        'A webhook job is checked against its integration\u2019s webhook secret: this example\u2019s signature is a placeholder, so it fails on purpose. ' +
        'Real ones arrive signed at the webhook endpoints.';
      break;
    case 'insights-generation':
    case 'report-generation':
    case 'alerts':
      data.organizationId = organizationId;
      break;
  }
  return { data: data as JobDataMap[Q], note };
}
