import { FlowProducer, Queue } from 'bullmq';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { emptyWaitList } from '../../server/queue/empty-wait-list.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import type { Redis } from '../../server/redis.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';

const alert = (n: number) => ({ organizationId: `org-${n}`, alertType: 'DATA_ANOMALY', severity: 'HIGH' as const, message: `m${n}`, metadata: { n } });

let client: Redis;
let prefix: string;
let svc: QueueService;

beforeEach(() => {
  client = connect();
  prefix = testPrefix('ewl');
  svc = new QueueService({ connection: client, prefix });
});

afterEach(async () => {
  await svc.close();
  await removeKeys(client, prefix);
  await client.quit();
});

afterAll(async () => {
  const c = connect();
  const [, keys] = await c.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
  await c.quit();
  expect(keys).toEqual([]);
});

/** Every key under the queue's prefix that names one job (its hash, logs…): what an emptied queue must not keep. */
async function jobKeys(queue: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:${queue}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys.filter((k) => /:\d+(:logs)?$/.test(k)));
  } while (cursor !== '0');
  return found.sort();
}

it('removes 2,500 plain jobs batch by batch from the head with their keys and deduplication keys, leaving an added-after id free', async () => {
  const jobs = await svc.addJobs(
    QueueName.ALERTS,
    Array.from({ length: 2_500 }, (_, i) => ({ data: alert(i), opts: i % 500 === 0 ? { deduplication: { id: `dedup-${i}` } } : {} })),
  );
  expect(jobs).toHaveLength(2_500);
  const q = new Queue(QueueName.ALERTS, { connection: client, prefix });
  await (await q.getJob(jobs[7].id!))!.log('a log line');
  expect((await jobKeys('alerts')).length).toBe(2_501);

  expect(await emptyWaitList(client, q, 1_000)).toBe(2_500);
  expect(await q.getJobCounts('wait')).toEqual({ wait: 0 });
  expect(await jobKeys('alerts')).toEqual([]);
  expect(await client.exists(`${prefix}:alerts:de:dedup-0`, `${prefix}:alerts:de:dedup-1000`)).toBe(0);
  // The deduplication id is free again: a new job with it is added, not swallowed.
  const again = await svc.addJob(QueueName.ALERTS, alert(1), { deduplication: { id: 'dedup-0' } });
  expect(await again.getState()).toBe('waiting');
  await q.close();
});

it('leaves a flow child for BullMQ, and emptyQueue then removes it and its parent stays consistent', async () => {
  const q = new Queue(QueueName.ALERTS, { connection: client, prefix });
  await svc.addJobs(
    QueueName.ALERTS,
    Array.from({ length: 30 }, (_, i) => ({ data: alert(i) })),
  );
  const flows = new FlowProducer({ connection: client, prefix });
  const flow = await flows.add({
    name: 'parent',
    queueName: QueueName.REPORT_GENERATION,
    data: {},
    children: [{ name: 'child', queueName: QueueName.ALERTS, data: alert(99) }],
  });
  await flows.close();
  await svc.addJobs(
    QueueName.ALERTS,
    Array.from({ length: 30 }, (_, i) => ({ data: alert(100 + i) })),
  );
  const childId = flow.children![0].job.id!;

  // The fast path removes the 60 plain jobs and puts the child back at the tail, untouched.
  expect(await emptyWaitList(client, q, 7)).toBe(60);
  expect(await client.lrange(q.keys.wait, 0, -1)).toEqual([childId]);
  expect(await client.exists(`${prefix}:alerts:${childId}`)).toBe(1);

  // BullMQ's clean handles what is left, its parent bookkeeping included.
  expect(await svc.emptyQueue(QueueName.ALERTS)).toBe(1);
  expect(await client.llen(q.keys.wait)).toBe(0);
  expect(await client.exists(`${prefix}:alerts:${childId}`)).toBe(0);
  await q.close();
});
