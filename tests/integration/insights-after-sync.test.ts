import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { INSIGHTS_DEBOUNCE_MS, queueInsightsAfterSync } from '../../server/queue/processors/data-sync.processor.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import type { Redis } from '../../server/redis.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { fakeWallClock } from '../helpers/wall-clock.ts';

let client: Redis;
let prefix: string;
let svc: QueueService;
beforeEach(() => {
  client = connect();
  prefix = testPrefix('after-sync');
  svc = new QueueService({ connection: client, prefix });
});
afterEach(async () => {
  vi.useRealTimers();
  await svc.close();
  await removeKeys(client, prefix);
  await client.quit();
});

describe('insights after syncs with new data', () => {
  it('five syncs of one organization in a row give one delayed insights job, pushed back by each', async () => {
    // The job's timestamp is read off the wall clock: the syncs finish a second apart on a stopped
    // clock the test moves (well within the debounce window, which Redis counts in real time).
    const first = Date.now();
    fakeWallClock(first, { ticking: false });
    for (let i = 0; i < 5; i++) {
      vi.setSystemTime(first + i * 1000);
      await queueInsightsAfterSync(svc, 'org-1');
    }
    const delayed = await svc.queue(QueueName.INSIGHTS_GENERATION).getDelayed();
    expect(delayed).toHaveLength(1);
    expect(delayed[0].data).toEqual({ organizationId: 'org-1', period: '30d', forceRegenerate: true });
    // Debounced from the last call, not the first.
    expect(delayed[0].timestamp + delayed[0].delay).toBe(first + 4000 + INSIGHTS_DEBOUNCE_MS);
  });

  it('two organizations get one job each', async () => {
    await queueInsightsAfterSync(svc, 'org-1');
    await queueInsightsAfterSync(svc, 'org-2');
    await queueInsightsAfterSync(svc, 'org-1');
    const orgs = (await svc.queue(QueueName.INSIGHTS_GENERATION).getDelayed()).map((j) => j.data.organizationId).sort();
    expect(orgs).toEqual(['org-1', 'org-2']);
  });
});
