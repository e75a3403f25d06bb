import type { Job } from 'bullmq';
import type { QueueName } from '../../shared/queues.ts';
import type { QueueService } from '../../server/queue/queue-service.ts';
import { waitFor } from './wait-for.ts';

/**
 * Polls a job until its state is one of `states` (by default a final one); the job as stored then,
 * with its state. State, job, state again: the job read is the one of that state (a hash read taken
 * before the move could miss its returnvalue).
 */
export async function settleJob(
  queueService: QueueService,
  queue: QueueName,
  jobId: string,
  states: string[] = ['completed', 'failed'],
  timeoutMs = 15_000,
): Promise<Job & { state: string }> {
  const q = queueService.queue(queue);
  let last = 'missing';
  return waitFor(
    async () => {
      last = await q.getJobState(jobId);
      if (!states.includes(last)) return undefined;
      const job = await queueService.getJob(queue, jobId);
      return job && (await q.getJobState(jobId)) === last ? Object.assign(job, { state: last }) : undefined;
    },
    { timeoutMs, intervalMs: 15, message: () => `job ${queue}/${jobId} to reach ${states.join('|')} (last: ${last})` },
  );
}
