import { Queue, Worker } from 'bullmq';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readQueueCounts } from '../../server/queue/queue-counts.ts';
import type { Redis } from '../../server/redis.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

let client: Redis;
let prefix: string;
let q: Queue;
let worker: Worker | undefined;

beforeEach(() => {
  client = connect();
  prefix = testPrefix('qc');
  q = new Queue('alerts', { connection: client, prefix });
});

afterEach(async () => {
  await worker?.close(true);
  worker = undefined;
  await q.close();
  await removeKeys(client, prefix);
  await client.quit();
});

/** What BullMQ itself says: the script must agree with it in every state, paused or not. */
async function bullmqSays() {
  const c = await q.getJobCounts('wait', 'prioritized', 'active', 'completed', 'failed', 'delayed');
  return {
    wait: c.wait,
    prioritized: c.prioritized,
    active: c.active,
    completed: c.completed,
    failed: c.failed,
    delayed: c.delayed,
    paused: await q.isPaused(),
  };
}

it('gives the counts and paused flag BullMQ gives, jobs in every state, before and after a pause', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  worker = new Worker(
    'alerts',
    async (job) => {
      if (job.data.fail) throw new Error('no');
      if (job.data.hold) await gate;
    },
    { connection: client, prefix, concurrency: 1 },
  );
  await q.add('ok', {});
  await q.add('bad', { fail: true }, { attempts: 1 });
  await waitFor(async () => (await q.getJobCounts('completed', 'failed')).failed === 1);
  await q.add('hold', { hold: true });
  await waitFor(async () => (await q.getActiveCount()) === 1);
  await q.addBulk([
    { name: 'w', data: {} },
    { name: 'w', data: {} },
    { name: 'w', data: {} },
    { name: 'p', data: {}, opts: { priority: 3 } },
    { name: 'p', data: {}, opts: { priority: 9 } },
    { name: 'd', data: {}, opts: { delay: 60_000 } },
  ]);

  const expected = { wait: 3, prioritized: 2, active: 1, completed: 1, failed: 1, delayed: 1, paused: false };
  expect(await bullmqSays()).toEqual(expected);
  expect(await readQueueCounts(client, q)).toEqual(expected);

  await q.pause();
  expect(await bullmqSays()).toEqual({ ...expected, paused: true });
  expect(await readQueueCounts(client, q)).toEqual({ ...expected, paused: true });
  release();
});

it('answers zeros for a queue that was never used', async () => {
  expect(await readQueueCounts(client, q)).toEqual({ wait: 0, prioritized: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: false });
});
