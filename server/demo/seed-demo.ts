import { PLATFORMS } from '../../shared/jobs.ts';
import type { Store } from '../domain/store/store.ts';
import { STANDIN_DEFAULTS } from './standins/index.ts';
import { STANDIN_SCHEME } from './standin-directory.ts';

export const DEMO_ORG_ID = 'demo-org';
export const demoIntegrationId = (platform: string) => `demo-${platform}`;
export const demoWebhookSecret = (platform: string) => `demo-${platform}-webhook-secret`;

/**
 * A demo organization with one integration per platform, each pointing at its stand-in server
 * (`standin:<platform>`). Running it again changes nothing (existing rows are kept).
 */
export async function seedDemo(store: Store): Promise<{ organizationId: string; created: string[]; existing: string[] }> {
  await store.createOrganization({ id: DEMO_ORG_ID, name: 'Demo Company' });
  await store.addMember({ organizationId: DEMO_ORG_ID, name: 'Alex Admin', email: 'alex@demo.example', role: 'admin' });
  await store.addMember({ organizationId: DEMO_ORG_ID, name: 'Sam Member', email: 'sam@demo.example', role: 'member' });
  const created: string[] = [];
  const existing: string[] = [];
  for (const platform of PLATFORMS) {
    const id = demoIntegrationId(platform);
    if (await store.getIntegration(id)) {
      existing.push(id);
      continue;
    }
    await store.createIntegration({
      id,
      organizationId: DEMO_ORG_ID,
      platform,
      name: `Demo ${platform}`,
      credentials: STANDIN_DEFAULTS[platform].credentials,
      settings: STANDIN_DEFAULTS[platform].settings,
      baseUrl: `${STANDIN_SCHEME}${platform}`,
      webhookSecret: demoWebhookSecret(platform),
    });
    created.push(id);
  }
  return { organizationId: DEMO_ORG_ID, created, existing };
}
