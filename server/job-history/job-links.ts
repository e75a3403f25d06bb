import type { JobLinks } from '../../shared/job-history.ts';
import { QUEUE_POLICIES, type QueueName } from '../../shared/queues.ts';
import type { Redis } from '../redis.ts';

export const linksKey = (prefix: string, queue: QueueName, jobId: string) => `${prefix}:links:${queue}:${jobId}`;

/**
 * Links between a job and the job its edited data was retried as: a small hash per job (not in the job's
 * data, which belongs to the processor), expiring as long after as the queue keeps any job.
 */
export class JobLinkStore {
  constructor(private readonly deps: { connection: Redis; prefix: string }) {}

  private ttl(queue: QueueName) {
    return Math.max(QUEUE_POLICIES[queue].keepCompletedSec, QUEUE_POLICIES[queue].keepFailedSec);
  }

  /** Records `from` was edited and retried as `to`, on both jobs (one transaction per key: on a cluster they may sit on different nodes). */
  async link(queue: QueueName, from: string, to: string): Promise<void> {
    const set = (jobId: string, field: keyof JobLinks, value: string) => {
      const key = linksKey(this.deps.prefix, queue, jobId);
      return this.deps.connection.multi().hset(key, field, value).expire(key, this.ttl(queue)).exec();
    };
    await Promise.all([set(from, 'retriedAs', to), set(to, 'editedFrom', from)]);
  }

  async read(queue: QueueName, jobId: string): Promise<JobLinks> {
    const h = await this.deps.connection.hgetall(linksKey(this.deps.prefix, queue, jobId));
    const links: JobLinks = {};
    if (h.retriedAs) links.retriedAs = h.retriedAs;
    if (h.editedFrom) links.editedFrom = h.editedFrom;
    return links;
  }
}
