import type { Job } from 'bullmq';
import type { EditRetryResult } from '../../shared/job-history.ts';
import { jobOptionsSchema, type JobOptions } from '../../shared/jobs.ts';
import type { QueueName } from '../../shared/queues.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import { JobNotFoundError, JobStateError } from '../queue/errors.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { diffJson } from './data-diff.ts';
import type { JobLinkStore } from './job-links.ts';

/** The options a retried job keeps: how it retries and runs. Not its id, delay or deduplication (those were the original's). */
const carriedOptions = jobOptionsSchema.pick({ attempts: true, backoff: true, priority: true, timeout: true });

export function optionsToCarry(opts: Record<string, unknown>): JobOptions | undefined {
  const picked = Object.fromEntries(Object.entries(opts).filter(([k, v]) => k in carriedOptions.shape && v !== undefined && !(k === 'priority' && v === 0)));
  const parsed = carriedOptions.safeParse(picked);
  // Options this schema refuses (written by an older version) give way to the queue's defaults.
  return parsed.success && Object.keys(parsed.data).length ? parsed.data : undefined;
}

export interface EditRetryDeps {
  queueService: Pick<QueueService, 'getJob' | 'addJob' | 'removeJob'>;
  actions: Pick<QueueActions, 'audited'>;
  links: JobLinkStore;
}

/**
 * "Edit data and retry": a failed job's data, fixed by an operator, becomes a new job (checked against the
 * queue's schema, with the original's retry options), linked both ways; the original stays or goes as asked.
 * Audited as job.editRetry with the changed paths.
 */
export async function editAndRetry(
  deps: EditRetryDeps,
  actor: Actor,
  input: { queue: QueueName; id: string; data: unknown; removeOriginal: boolean },
): Promise<EditRetryResult> {
  const { queue, id } = input;
  const original = await deps.queueService.getJob(queue, id);
  const changes = original ? diffJson(original.data, input.data) : [];
  return deps.actions.audited(
    actor,
    'job.editRetry',
    { queue, jobIds: [id], detail: { changes, removeOriginal: input.removeOriginal } },
    async () => {
      if (!original) throw new JobNotFoundError(queue, id);
      const state = await original.getState();
      if (state !== 'failed') throw new JobStateError(queue, id, state, 'failed');
      // addJob checks the data against the queue's schema: a bad field is a 400 naming it, and nothing is added.
      const added: Job = await deps.queueService.addJob(queue, input.data as never, optionsToCarry(original.opts as Record<string, unknown>));
      const newJobId = String(added.id);
      await deps.links.link(queue, id, newJobId);
      const changed = changes.map((c) => c.path).join(', ') || 'nothing';
      await Promise.all([
        added.log(`Edited from #${id} by ${actor.user.name} (changed: ${changed})`),
        input.removeOriginal ? undefined : original.log(`Edited and retried as #${newJobId} by ${actor.user.name}`),
      ]);
      let removedOriginal = false;
      if (input.removeOriginal) {
        await deps.queueService.removeJob(queue, id);
        removedOriginal = true;
      }
      return { newJobId, originalId: id, removedOriginal, changes };
    },
    undefined,
    (r) => [id, r.newJobId],
  );
}
