import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { DelayJobError, PermanentJobError } from '../../server/jobs/contract.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { createWorkerRuntime, type WorkerRuntime } from '../../server/queue/worker.ts';
import type { Redis } from '../../server/redis.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { silentLogger } from '../helpers/silent-logger.ts';

const alert = { organizationId: 'o', alertType: 'T', severity: 'LOW' as const, message: 'm', metadata: {} };
let client: Redis;
let prefix: string;
let svc: QueueService;
let runtime: WorkerRuntime | undefined;

beforeEach(() => {
  client = connect();
  prefix = testPrefix('fate');
  svc = new QueueService({ connection: client, prefix });
});
afterEach(async () => {
  await runtime?.close(2000);
  runtime = undefined;
  await svc.close();
  await removeKeys(client, prefix);
  await client.quit();
});

describe('processor-steered job fate', () => {
  it('DelayJobError parks the job for the delay, keeps its progress, and it then completes without a failed attempt', async () => {
    const seen: Array<{ attempt: number; last: unknown; at: number }> = [];
    runtime = createWorkerRuntime({
      connection: client,
      prefix,
      log: silentLogger,
      processors: {
        alerts: async (_d, ctx) => {
          seen.push({ attempt: ctx.attempt, last: ctx.lastProgress, at: Date.now() });
          if (seen.length === 1) {
            await ctx.progress({ page: 3 });
            throw new DelayJobError(600, 'rate limited');
          }
          return 'done';
        },
      },
    });
    const job = await svc.addJob(QueueName.ALERTS, alert);
    await waitFor(async () => (await svc.getJob(QueueName.ALERTS, job.id!))?.returnvalue === 'done');
    const done = await svc.getJob(QueueName.ALERTS, job.id!);
    expect(seen).toHaveLength(2);
    expect(seen[1].last).toEqual({ page: 3 });
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(550);
    expect(done?.attemptsMade).toBe(1);
    expect(done?.failedReason ?? null).toBeNull();
  });

  it('PermanentJobError fails the job at once, without the remaining attempts', async () => {
    let calls = 0;
    runtime = createWorkerRuntime({
      connection: client,
      prefix,
      log: silentLogger,
      processors: {
        alerts: async () => {
          calls++;
          throw new PermanentJobError('credentials revoked');
        },
      },
    });
    const job = await svc.addJob(QueueName.ALERTS, alert);
    await waitFor(async () => (await (await svc.getJob(QueueName.ALERTS, job.id!))?.getState()) === 'failed');
    const failed = await svc.getJob(QueueName.ALERTS, job.id!);
    expect(failed?.failedReason).toBe('credentials revoked');
    expect(failed?.attemptsMade).toBe(1);
    // Final: the remaining attempts would have left the job 'delayed' (or waiting), not 'failed'.
    expect(await svc.getQueueStats(QueueName.ALERTS)).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
    expect(calls).toBe(1);
  });
});
