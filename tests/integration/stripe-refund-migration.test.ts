import { afterAll, beforeAll, expect } from 'vitest';
import type { PlatformRecord } from '../../server/domain/connectors/types.ts';
import { MIGRATIONS } from '../../server/domain/store/migrations.ts';
import { openTestStore, type TestStore } from '../helpers/databases.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';

const record = (kind: PlatformRecord['kind'], externalId: string, day: string, amount: number, status = 'succeeded'): PlatformRecord => ({
  kind,
  externalId,
  occurredOn: day,
  amount,
  currency: 'USD',
  status,
  updatedAt: `${day}T10:00:00Z`,
  payload: { id: externalId },
});

describeOnStores('migration 004: Stripe refunds by refund', (dialect, test) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('drops the per-charge synthetic refunds, recounts their days from what is left, and makes the next Stripe sync a full one', async () => {
    const { store } = t;
    const org = await store.createOrganization({ name: 'Acme' });
    const stripe = await store.createIntegration({
      organizationId: org.id,
      platform: 'stripe',
      name: 'Stripe',
      credentials: { secretKey: 'sk' },
      settings: {},
    });
    const shopify = await store.createIntegration({
      organizationId: org.id,
      platform: 'shopify',
      name: 'Shop',
      credentials: { accessToken: 't' },
      settings: {},
    });
    // Before: a charge's refunded total on the charge's day (the old mapping), beside a refund stored the new way.
    const stored = await store.upsertRecords(
      stripe,
      [
        record('charge', 'ch_1', '2026-11-01', 100),
        record('refund', 'ch_1-refund', '2026-11-01', 40),
        record('refund', 're_2', '2026-11-01', 5),
        record('refund', 'ch_3-refund', '2026-11-02', 7),
      ],
      'sync',
    );
    await store.recomputeRecordMetrics(stripe, stored.affectedDays);
    await store.recordSyncSuccess(stripe.id, '2026-11-20T00:00:00Z');
    // Another platform's refund ids may end in "-refund" too: not Stripe's, left alone.
    await store.upsertRecords(shopify, [record('refund', 'r-refund', '2026-11-01', 3)], 'sync');
    await store.recordSyncSuccess(shopify.id, '2026-11-20T00:00:00Z');
    const refundMetrics = async () =>
      (await store.listMetrics({ integrationId: stripe.id, from: '2026-11-01', to: '2026-11-02' }))
        .filter((m) => m.metric === 'refunds' || m.metric === 'refund_amount')
        .map((m) => `${m.date} ${m.metric} ${m.value}`)
        .sort();
    expect(await refundMetrics()).toEqual(['2026-11-01 refund_amount 45', '2026-11-01 refunds 2', '2026-11-02 refund_amount 7', '2026-11-02 refunds 1']);

    await MIGRATIONS['004_stripe_refunds_by_refund'].up(store.db as never);

    const left = await store.db
      .selectFrom('platform_records')
      .select(['platform', 'external_id'])
      .where('kind', '=', 'refund')
      .orderBy('external_id')
      .execute();
    expect(left).toEqual([
      { platform: 'shopify', external_id: 'r-refund' },
      { platform: 'stripe', external_id: 're_2' },
    ]);
    expect(await refundMetrics()).toEqual(['2026-11-01 refund_amount 5', '2026-11-01 refunds 1', '2026-11-02 refund_amount 0', '2026-11-02 refunds 0']);
    expect((await store.getIntegration(stripe.id))?.syncCursor).toBeNull();
    expect((await store.getIntegration(shopify.id))?.syncCursor).toBe('2026-11-20T00:00:00Z');

    // Run again (nothing legacy left): changes nothing.
    await MIGRATIONS['004_stripe_refunds_by_refund'].up(store.db as never);
    expect(await refundMetrics()).toEqual(['2026-11-01 refund_amount 5', '2026-11-01 refunds 1', '2026-11-02 refund_amount 0', '2026-11-02 refunds 0']);
  });

  test('a refund at 0 (failed, or a won dispute) stays on record but is not counted', async () => {
    const { store } = t;
    const org = await store.createOrganization({ name: 'Zero' });
    const stripe = await store.createIntegration({
      organizationId: org.id,
      platform: 'stripe',
      name: 'Stripe',
      credentials: { secretKey: 'sk' },
      settings: {},
    });
    const stored = await store.upsertRecords(
      stripe,
      [
        record('refund', 're_ok', '2026-11-05', 12.5),
        record('refund', 're_failed', '2026-11-05', 0, 'failed'),
        record('refund', 'du_won', '2026-11-05', 0, 'won'),
      ],
      'sync',
    );
    await store.recomputeRecordMetrics(stripe, stored.affectedDays);
    const metrics = await store.listMetrics({ integrationId: stripe.id, from: '2026-11-05', to: '2026-11-05' });
    expect(Object.fromEntries(metrics.map((m) => [m.metric, m.value]))).toEqual({ revenue: 0, orders: 0, refunds: 1, refund_amount: 12.5 });
  });
});
