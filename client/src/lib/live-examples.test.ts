import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../../shared/queues.ts';
import { EXAMPLE_DATA } from './examples.ts';
import { liveExample, type OrgWithIntegrations } from './live-examples.ts';
import { checkJobJson } from './validate-job.ts';

const integration = (id: string, platform: 'shopify' | 'stripe' | 'woocommerce', status: 'ACTIVE' | 'DISABLED' = 'ACTIVE') => ({
  id,
  organizationId: 'demo-org',
  platform,
  name: id,
  status,
  settings: {},
  baseUrl: null,
  hasWebhookSecret: true,
  lastSyncAt: null,
  syncCursor: null,
  lastError: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

const demo: OrgWithIntegrations[] = [
  {
    id: 'demo-org',
    name: 'Demo Company',
    createdAt: '2026-01-01T00:00:00Z',
    integrations: [integration('demo-stripe', 'stripe'), integration('demo-shopify-off', 'shopify', 'DISABLED'), integration('demo-shopify', 'shopify')],
  },
];

describe('the add-job example', () => {
  it('names a real organization and an active integration (Shopify first), so it runs as it is', () => {
    expect(liveExample('data-sync', demo)).toEqual({
      data: { integrationId: 'demo-shopify', organizationId: 'demo-org', platform: 'shopify', syncType: 'incremental' },
      note: undefined,
    });
    expect(liveExample('insights-generation', demo).data).toMatchObject({ organizationId: 'demo-org' });
    expect(liveExample('report-generation', demo).data).toMatchObject({ organizationId: 'demo-org' });
    expect(liveExample('alerts', demo).data).toMatchObject({ organizationId: 'demo-org' });
    expect(liveExample('email-sending', demo)).toEqual({ data: EXAMPLE_DATA['email-sending'], note: undefined });
  });

  it('takes any active integration when there is no Shopify one, and says when there is none', () => {
    const stripeOnly = [{ ...demo[0], integrations: [integration('demo-stripe', 'stripe')] }];
    expect(liveExample('data-sync', stripeOnly).data).toMatchObject({ integrationId: 'demo-stripe', platform: 'stripe' });
    const none = [{ ...demo[0], integrations: [integration('demo-shopify-off', 'shopify', 'DISABLED')] }];
    expect(liveExample('data-sync', none).note).toMatch(/no active integration/);
  });

  it('says the webhook example fails on purpose, and that the guide’s ids exist nowhere without organizations', () => {
    expect(liveExample('webhook-processing', demo).note).toMatch(/placeholder, so it fails on purpose/);
    expect(liveExample('webhook-processing', demo).data).toMatchObject({ integrationId: 'demo-shopify', platform: 'shopify' });
    const empty = liveExample('data-sync', []);
    expect(empty.data).toEqual(EXAMPLE_DATA['data-sync']);
    expect(empty.note).toMatch(/do not exist, so the job would fail/);
    expect(liveExample('email-sending', undefined).note).toBeUndefined();
  });

  it('every example still passes its queue’s schema', () => {
    for (const q of QUEUE_NAMES) expect(checkJobJson(q, JSON.stringify(liveExample(q, demo).data)).ok, q).toBe(true);
  });
});
