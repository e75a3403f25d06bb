import type { JobStateName, QueueName } from '../../shared/queues.ts';
import { searchJobs, type JobScanSource } from '../monitoring/job-search.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { PageInput } from './paging.ts';

export type JobsSource = Pick<QueueService, 'listJobs' | 'getJobDetail'> & JobScanSource;

/** Reading jobs for the console: pages of a state, one job in detail, search. Changes go through QueueActions. */
export class JobsService {
  constructor(private readonly queueService: JobsSource) {}

  /** One page of a state's jobs, newest first, with the page count. */
  async list(input: PageInput & { queue: QueueName; state: JobStateName }) {
    const { jobs, total } = await this.queueService.listJobs(input.queue, input.state, input.page, input.pageSize);
    return { jobs, total, page: input.page, pageSize: input.pageSize, pages: Math.max(1, Math.ceil(total / input.pageSize)) };
  }

  get(queue: QueueName, id: string) {
    return this.queueService.getJobDetail(queue, id);
  }

  /** Text search over ids, names and data; bounded by maxScan, says when it stopped early and where a further call resumes. */
  search(input: { queue: QueueName; text: string; state?: JobStateName; limit: number; maxScan: number; from?: number }) {
    const { text, state, limit, maxScan, from } = input;
    return searchJobs(this.queueService, input.queue, { text, state, limit, maxScan, from });
  }
}
