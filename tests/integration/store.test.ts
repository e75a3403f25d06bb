import { afterAll, beforeAll, expect } from 'vitest';
import type { PlatformRecord } from '../../server/domain/connectors/types.ts';
import { openTestStore, type TestStore } from '../helpers/databases.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';

const order = (id: string, day: string, amount: number, status = 'paid'): PlatformRecord => ({
  kind: 'order',
  externalId: id,
  occurredOn: day,
  amount,
  currency: 'USD',
  status,
  updatedAt: `${day}T10:00:00Z`,
  payload: { id, amount },
});

describeOnStores('store', (dialect, test) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('keeps credentials sealed at rest and returns them decrypted only on request', async () => {
    const org = await t.store.createOrganization({ name: 'Acme' });
    const integ = await t.store.createIntegration({
      organizationId: org.id,
      platform: 'shopify',
      name: 'Shop',
      credentials: { accessToken: 'shpat_secret' },
      settings: { shopDomain: 'acme.myshopify.com' },
      webhookSecret: 'whsec',
    });
    expect(integ).not.toHaveProperty('credentials');
    expect(integ.hasWebhookSecret).toBe(true);
    const raw = await t.store.db.selectFrom('integrations').select(['credentials', 'webhook_secret']).where('id', '=', integ.id).executeTakeFirstOrThrow();
    expect(raw.credentials).not.toContain('shpat_secret');
    expect(raw.webhook_secret).not.toContain('whsec');
    expect(await t.store.getIntegrationSecrets(integ.id)).toEqual({ credentials: { accessToken: 'shpat_secret' }, webhookSecret: 'whsec' });
  });

  test('upserts records and metrics idempotently: the same write twice changes no row', async () => {
    const org = await t.store.createOrganization({ name: 'Idem' });
    const integ = await t.store.createIntegration({ organizationId: org.id, platform: 'shopify', name: 'S', credentials: { accessToken: 'x' } });
    const records = [
      order('1', '2026-01-01', 10),
      order('2', '2026-01-01', 15.5),
      order('3', '2026-01-02', 7, 'voided'),
      { ...order('r1', '2026-01-02', 4), kind: 'refund' as const },
    ];
    const first = await t.store.upsertRecords(integ, records, 'sync');
    expect(first).toEqual({ changed: 4, affectedDays: ['2026-01-01', '2026-01-02'] });
    expect(await t.store.recomputeRecordMetrics(integ, first.affectedDays)).toBe(8);

    const snapshot = async () => ({
      records: await t.store.db.selectFrom('platform_records').selectAll().where('integration_id', '=', integ.id).orderBy('external_id').execute(),
      metrics: await t.store.db.selectFrom('daily_metrics').selectAll().where('integration_id', '=', integ.id).orderBy('date').orderBy('metric').execute(),
    });
    const before = await snapshot();
    const again = await t.store.upsertRecords(integ, records, 'sync');
    expect(again).toEqual({ changed: 0, affectedDays: [] });
    expect(await t.store.recomputeRecordMetrics(integ, ['2026-01-01', '2026-01-02'])).toBe(0);
    expect(await snapshot()).toEqual(before);

    const metrics = await t.store.listMetrics({ integrationId: integ.id });
    const get = (date: string, metric: string) => metrics.find((m) => m.date === date && m.metric === metric)?.value;
    expect(get('2026-01-01', 'revenue')).toBe(25.5);
    expect(get('2026-01-01', 'orders')).toBe(2);
    expect(get('2026-01-02', 'revenue')).toBe(0); // a voided order is not a sale
    expect(get('2026-01-02', 'refunds')).toBe(1);
    expect(get('2026-01-02', 'refund_amount')).toBe(4);

    // A changed record changes its day (and only its day).
    const changed = await t.store.upsertRecords(integ, [order('2', '2026-01-01', 20)], 'webhook');
    expect(changed).toEqual({ changed: 1, affectedDays: ['2026-01-01'] });
    expect(await t.store.recomputeRecordMetrics(integ, changed.affectedDays)).toBe(1);
    expect((await t.store.listMetrics({ integrationId: integ.id, metric: 'revenue', from: '2026-01-01', to: '2026-01-01' }))[0].value).toBe(30);
  });

  test('records a webhook event once', async () => {
    const e = {
      id: `shopify-${Math.random()}`,
      integrationId: null,
      organizationId: null,
      platform: 'shopify',
      eventType: 'orders/create',
      status: 'processed' as const,
      payload: { a: 1 },
    };
    expect(await t.store.recordWebhookEvent(e)).toEqual({ duplicate: false });
    expect(await t.store.recordWebhookEvent(e)).toEqual({ duplicate: true });
  });

  test('tracks sync runs and the integration cursor', async () => {
    const org = await t.store.createOrganization({ name: 'Runs' });
    const integ = await t.store.createIntegration({ organizationId: org.id, platform: 'stripe', name: 'Stripe', credentials: { secretKey: 'sk' } });
    const run = await t.store.startSyncRun({ integrationId: integ.id, organizationId: org.id, jobId: '7', syncType: 'full' });
    await t.store.updateSyncRun(run, { pages: 3, records: 120, status: 'succeeded', finished: true });
    await t.store.setIntegrationStatus(integ.id, 'ERROR', 'boom');
    await t.store.recordSyncSuccess(integ.id, '2026-01-05T00:00:00.000Z');
    const after = await t.store.getIntegration(integ.id);
    expect(after).toMatchObject({ status: 'ACTIVE', syncCursor: '2026-01-05T00:00:00.000Z', lastError: null });
    expect(after?.lastSyncAt).toBeTruthy();
    expect(await t.store.listSyncRuns(integ.id)).toMatchObject([{ id: run, pages: 3, records: 120, status: 'succeeded', jobId: '7' }]);
    // NEEDS_REAUTH is not cleared by a sync's success: a person must reconnect.
    await t.store.setIntegrationStatus(integ.id, 'NEEDS_REAUTH');
    await t.store.recordSyncSuccess(integ.id, null);
    expect((await t.store.getIntegration(integ.id))?.status).toBe('NEEDS_REAUTH');
  });
});
