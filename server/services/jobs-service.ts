import type { AttemptEntry, EditRetryResult, JobLinks } from '../../shared/job-history.ts';
import type { JobStateName, QueueName } from '../../shared/queues.ts';
import type { AttemptLog } from '../job-history/attempt-log.ts';
import { editAndRetry } from '../job-history/edit-retry.ts';
import type { JobLinkStore } from '../job-history/job-links.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import { buildTimeline } from '../job-history/timeline.ts';
import { searchJobs, type JobScanSource } from '../monitoring/job-search.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { PageInput } from './paging.ts';

export type JobsSource = Pick<QueueService, 'listJobs' | 'getJobDetail' | 'getJob' | 'addJob' | 'removeJob'> & JobScanSource;

/** A job's history beyond BullMQ's hash: failed attempts (written by the workers), edit-and-retry links, and the audited actions. */
export interface JobHistoryDeps {
  attempts: AttemptLog;
  links: JobLinkStore;
  actions: Pick<QueueActions, 'audited'>;
}

/** Reading jobs for the console: pages of a state, one job in detail, search. Changes go through QueueActions. */
export class JobsService {
  constructor(
    private readonly queueService: JobsSource,
    /** Where the workers record failed attempts and edit-and-retry its links; without them a job's detail has neither. */
    private readonly history?: JobHistoryDeps,
  ) {}

  /** One page of a state's jobs, newest first, with the page count. */
  async list(input: PageInput & { queue: QueueName; state: JobStateName }) {
    const { jobs, total } = await this.queueService.listJobs(input.queue, input.state, input.page, input.pageSize);
    return { jobs, total, page: input.page, pageSize: input.pageSize, pages: Math.max(1, Math.ceil(total / input.pageSize)) };
  }

  /** A job in detail, with its attempts (oldest first) and the jobs an edit-and-retry linked it to. */
  async get(queue: QueueName, id: string) {
    const [detail, recorded, links] = await Promise.all([
      this.queueService.getJobDetail(queue, id),
      this.history?.attempts.read(queue, id) ?? [],
      this.history?.links.read(queue, id) ?? {},
    ]);
    const attempts: AttemptEntry[] = buildTimeline(recorded, detail);
    return { ...detail, attempts, links: links as JobLinks };
  }

  /** "Edit data and retry" on a failed job (admin): a new job with the fixed data, linked both ways, audited with the diff. */
  editRetry(actor: Actor, input: { queue: QueueName; id: string; data: unknown; removeOriginal: boolean }): Promise<EditRetryResult> {
    if (!this.history) throw new Error('Edit and retry needs the job history (createApiServices passes it)');
    return editAndRetry({ queueService: this.queueService, actions: this.history.actions, links: this.history.links }, actor, input);
  }

  /** Text search over ids, names and data; bounded by maxScan, says when it stopped early and where a further call resumes. */
  search(input: { queue: QueueName; text: string; state?: JobStateName; limit: number; maxScan: number; from?: number }) {
    const { text, state, limit, maxScan, from } = input;
    return searchJobs(this.queueService, input.queue, { text, state, limit, maxScan, from });
  }
}
