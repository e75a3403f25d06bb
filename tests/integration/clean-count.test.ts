/**
 * The clean dialog's count: how many jobs `cleanQueue` would remove, read with one ZCOUNT over
 * BullMQ's completed/failed sets (scored by finishedOn), on the real Redis under a prefix of its own.
 */
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import type { Redis } from '../../server/redis.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const DAY = 86_400_000;
const alert = (n: number) => ({ organizationId: `org-${n}`, alertType: 'DATA_ANOMALY', severity: 'HIGH' as const, message: `m ${n}`, metadata: { n } });

let client: Redis;
let prefix: string;
let svc: QueueService;

beforeEach(() => {
  client = connect();
  prefix = testPrefix('cleancount');
  svc = new QueueService({ connection: client, prefix });
});

afterEach(async () => {
  await svc.close();
  await removeKeys(client, prefix);
  await client.quit();
});

/** Runs `n` alerts to `state` with a raw worker (attempts 1: a failure is final). */
async function finish(n: number, state: 'completed' | 'failed') {
  const jobs = await svc.addJobs(
    QueueName.ALERTS,
    Array.from({ length: n }, (_, i) => ({ data: alert(i) as never, opts: { attempts: 1 } })),
  );
  const w = new Worker(
    QueueName.ALERTS,
    async () => {
      if (state === 'failed') throw new Error('planned');
      return 'ok';
    },
    { connection: client, prefix, concurrency: 5 },
  );
  try {
    await waitFor(async () => (await svc.getQueueStats(QueueName.ALERTS))[state] === n, { message: `${n} ${state}` });
  } finally {
    await w.close();
  }
  return jobs.map((j) => j.id!);
}

/** Makes jobs look finished two days ago: their score in the state's set is what clean compares with. */
async function age(state: 'completed' | 'failed', ids: string[]) {
  const key = svc.queue(QueueName.ALERTS).keys[state];
  for (const id of ids) await client.zadd(key, 'XX', String(Date.now() - 2 * DAY), id);
}

describe('countCleanable', () => {
  it('counts the failed jobs older than the grace period, which is what clean then removes', async () => {
    const ids = await finish(5, 'failed');
    // Just failed: none is a day old …
    expect(await svc.countCleanable(QueueName.ALERTS, DAY, 'failed')).toBe(0);
    // … all are older than 0 ms.
    expect(await svc.countCleanable(QueueName.ALERTS, 0, 'failed')).toBe(5);
    await age('failed', ids.slice(0, 2));
    expect(await svc.countCleanable(QueueName.ALERTS, DAY, 'failed')).toBe(2);
    expect(await svc.cleanQueue(QueueName.ALERTS, DAY, 'failed')).toBe(2);
    expect(await svc.countCleanable(QueueName.ALERTS, DAY, 'failed')).toBe(0);
    expect((await svc.getQueueStats(QueueName.ALERTS)).failed).toBe(3);
  });

  it('counts completed jobs the same way, and only the asked state', async () => {
    const ids = await finish(3, 'completed');
    await age('completed', ids.slice(0, 1));
    expect(await svc.countCleanable(QueueName.ALERTS, DAY, 'completed')).toBe(1);
    expect(await svc.countCleanable(QueueName.ALERTS, 0, 'completed')).toBe(3);
    expect(await svc.countCleanable(QueueName.ALERTS, 0, 'failed')).toBe(0);
  });

  it('does not count states whose jobs are aged one by one (delayed, waiting, paused)', async () => {
    await svc.addJob(QueueName.ALERTS, alert(1), { delay: 60_000 });
    for (const state of ['delayed', 'waiting', 'paused'] as const) expect(await svc.countCleanable(QueueName.ALERTS, 0, state)).toBeNull();
  });
});
