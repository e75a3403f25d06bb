import type { User } from '../../shared/auth.ts';
import type { JobOptions } from '../../shared/jobs.ts';
import type { CleanState, QueueName } from '../../shared/queues.ts';
import { actorFields } from '../audit/actor-fields.ts';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import { AppError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { toJobView, type JobView } from '../queue/job-view.ts';
import type { QueueService, RecurringJob } from '../queue/queue-service.ts';

export interface Actor {
  user: User;
  ip: string;
  source: AuditEntry['source'];
}

export interface BulkResult {
  done: string[];
  failed: Array<{ id: string; error: string }>;
}

/**
 * Every state-changing action of the monitoring API, written to the audit log whether it worked or
 * not. tRPC routers, REST handlers and the console's services all call these, so none can forget the audit.
 */
export class QueueActions {
  constructor(private readonly deps: { queueService: QueueService; audit: AuditLog; log?: Logger }) {}

  /** Runs an operator action and records it: the one way an action reaches the audit log. */
  async audited<T>(
    actor: Actor,
    action: string,
    target: { queue?: string; jobIds?: string[]; detail?: Record<string, unknown> },
    fn: () => Promise<T>,
    countOf?: (result: T) => number | undefined,
    createdOf?: (result: T) => string[],
  ): Promise<T> {
    const base = { ...actorFields(actor), action, ...target };
    try {
      const result = await fn();
      const count = countOf?.(result);
      // Actions that create a job record its id, so the entry leads to it.
      const jobIds = createdOf ? createdOf(result) : target.jobIds;
      await this.deps.audit.record({ ...base, jobIds, ok: true, count });
      this.deps.log?.info({ action, queue: target.queue, user: actor.user.name, userId: actor.user.id, count }, `Queue action ${action}`);
      return result;
    } catch (err) {
      await this.deps.audit.record({ ...base, ok: false, error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  pause(actor: Actor, queue: QueueName) {
    return this.audited(actor, 'queue.pause', { queue }, () => this.deps.queueService.pauseQueue(queue));
  }

  resume(actor: Actor, queue: QueueName) {
    return this.audited(actor, 'queue.resume', { queue }, () => this.deps.queueService.resumeQueue(queue));
  }

  empty(actor: Actor, queue: QueueName) {
    return this.audited(
      actor,
      'queue.empty',
      { queue },
      () => this.deps.queueService.emptyQueue(queue),
      (n) => n,
    );
  }

  clean(actor: Actor, input: { queue: QueueName; state: CleanState; graceMs: number; limit?: number }) {
    return this.audited(
      actor,
      'queue.clean',
      { queue: input.queue, detail: { state: input.state, graceMs: input.graceMs, limit: input.limit } },
      () => this.deps.queueService.cleanQueue(input.queue, input.graceMs, input.state, input.limit),
      (n) => n,
    );
  }

  retryAll(actor: Actor, queue: QueueName) {
    return this.audited(
      actor,
      'queue.retryAll',
      { queue },
      () => this.deps.queueService.retryAllFailedJobs(queue),
      (n) => n,
    );
  }

  promoteAll(actor: Actor, queue: QueueName) {
    return this.audited(
      actor,
      'queue.promoteAll',
      { queue },
      () => this.deps.queueService.promoteAllDelayed(queue),
      (n) => n,
    );
  }

  retryJob(actor: Actor, queue: QueueName, id: string) {
    return this.audited(actor, 'job.retry', { queue, jobIds: [id] }, () => this.deps.queueService.retryFailedJob(queue, id));
  }

  promoteJob(actor: Actor, queue: QueueName, id: string) {
    return this.audited(actor, 'job.promote', { queue, jobIds: [id] }, () => this.deps.queueService.promoteJob(queue, id));
  }

  retryJobs(actor: Actor, queue: QueueName, ids: string[]) {
    const retry = (id: string) => this.deps.queueService.retryFailedJob(queue, id);
    return this.audited(
      actor,
      'jobs.retry',
      { queue, jobIds: ids },
      () => this.each(ids, retry),
      (r) => r.done.length,
    );
  }

  removeJobs(actor: Actor, queue: QueueName, ids: string[]) {
    const remove = (id: string) => this.deps.queueService.removeJob(queue, id);
    return this.audited(
      actor,
      'jobs.remove',
      { queue, jobIds: ids },
      () => this.each(ids, remove),
      (r) => r.done.length,
    );
  }

  promoteJobs(actor: Actor, queue: QueueName, ids: string[]) {
    const promote = (id: string) => this.deps.queueService.promoteJob(queue, id);
    return this.audited(
      actor,
      'jobs.promote',
      { queue, jobIds: ids },
      () => this.each(ids, promote),
      (r) => r.done.length,
    );
  }

  addJob(actor: Actor, queue: QueueName, data: unknown, opts?: JobOptions): Promise<JobView> {
    const add = async () => toJobView(await this.deps.queueService.addJob(queue, data as never, opts));
    return this.audited(actor, 'job.add', { queue, detail: { opts } }, add, undefined, (job) => [job.id]);
  }

  upsertSchedule(actor: Actor, input: { queue: QueueName; name: string; cron: string; tz?: string; data: unknown }): Promise<RecurringJob> {
    return this.audited(actor, 'schedule.upsert', { queue: input.queue, detail: { name: input.name, cron: input.cron, tz: input.tz } }, () =>
      this.deps.queueService.addRecurringJob(input.queue, input.name, input.data as never, input.cron, input.tz),
    );
  }

  removeSchedule(actor: Actor, queue: QueueName, name: string) {
    return this.audited(actor, 'schedule.remove', { queue, detail: { name } }, async () => {
      const removed = await this.deps.queueService.removeRecurringJob(queue, name);
      if (!removed) throw new NotFoundError(`Schedule "${name}" not found in queue "${queue}"`);
      return removed;
    });
  }

  /** Runs a schedule's job now, once, without moving its next run. */
  runSchedule(actor: Actor, queue: QueueName, name: string): Promise<JobView> {
    return this.audited(
      actor,
      'schedule.runNow',
      { queue, detail: { name } },
      async () => {
        const schedule = await this.deps.queueService.getRecurringJob(queue, name);
        if (!schedule) throw new NotFoundError(`Schedule "${name}" not found in queue "${queue}"`);
        return toJobView(await this.deps.queueService.addJob(queue, schedule.data as never));
      },
      undefined,
      (job) => [job.id],
    );
  }

  /** Bull Board's own write calls, recorded after they answered. */
  recordBullBoard(actor: Actor, method: string, path: string, ok: boolean, status: number) {
    const m = /\/api\/queues\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?/.exec(path);
    const queue = m?.[1] ? decodeURIComponent(m[1]) : undefined;
    const jobId = m?.[2] && !['pause', 'resume', 'empty', 'clean', 'retry', 'promote', 'add'].includes(m[2]) ? decodeURIComponent(m[2]) : undefined;
    return this.deps.audit.record({
      ...actorFields({ ...actor, source: 'bullboard' }),
      action: `bullboard.${method} ${path.replace(/^\/admin\/queues/, '')}`,
      queue,
      jobIds: jobId ? [jobId] : undefined,
      ok,
      detail: { status },
    });
  }

  private async each(ids: string[], fn: (id: string) => Promise<void>): Promise<BulkResult> {
    const result: BulkResult = { done: [], failed: [] };
    for (const id of ids) {
      try {
        await fn(id);
        result.done.push(id);
      } catch (err) {
        // A job that is missing or in the wrong state fails alone; anything else (Redis down) stops the batch.
        if (!(err instanceof AppError)) throw err;
        result.failed.push({ id, error: err.message });
      }
    }
    return result;
  }
}
