import { PLATFORMS } from '../../shared/jobs.ts';
import type { Store } from '../domain/store/store.ts';
import { STANDIN_DEFAULTS } from './standins/index.ts';
import { STANDIN_SCHEME } from './standin-directory.ts';

export const DEMO_ORG_ID = 'demo-org';
export const demoIntegrationId = (platform: string) => `demo-${platform}`;
export const demoWebhookSecret = (platform: string) => `demo-${platform}-webhook-secret`;

/**
 * A demo organization with one integration per platform, each pointing at its stand-in server
 * (`standin:<platform>`). Running it again changes nothing (existing rows are kept), except that a demo
 * integration still on its stand-in gets the stand-in's current credentials and settings when they moved
 * (a release whose stand-in accepts other credentials, e.g. GA4 refresh tokens instead of a static token).
 */
export async function seedDemo(store: Store): Promise<{ organizationId: string; created: string[]; existing: string[] }> {
  await store.createOrganization({ id: DEMO_ORG_ID, name: 'Demo Company' });
  await store.addMember({ organizationId: DEMO_ORG_ID, name: 'Alex Admin', email: 'alex@demo.example', role: 'admin' });
  await store.addMember({ organizationId: DEMO_ORG_ID, name: 'Sam Member', email: 'sam@demo.example', role: 'member' });
  const created: string[] = [];
  const existing: string[] = [];
  for (const platform of PLATFORMS) {
    const id = demoIntegrationId(platform);
    const current = await store.getIntegration(id);
    if (current) {
      existing.push(id);
      if (current.baseUrl === `${STANDIN_SCHEME}${platform}`) await refreshStandinCredentials(store, id, platform);
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

async function refreshStandinCredentials(store: Store, id: string, platform: (typeof PLATFORMS)[number]): Promise<void> {
  const wanted = STANDIN_DEFAULTS[platform];
  const [integration, secrets] = await Promise.all([store.getIntegration(id), store.getIntegrationSecrets(id)]);
  if (!integration || !secrets) return;
  const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  // Only the keys the stand-in defines are compared: a sync may have added a cached token of its own.
  const held = Object.fromEntries(Object.keys(wanted.credentials).map((k) => [k, secrets.credentials[k] ?? '']));
  if (same(held, wanted.credentials) && same(integration.settings, wanted.settings)) return;
  await store.updateIntegration(id, {
    credentials: wanted.credentials,
    settings: wanted.settings,
    ...(integration.status === 'NEEDS_REAUTH' ? { status: 'ACTIVE' as const, lastError: null } : {}),
  });
}
