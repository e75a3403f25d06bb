import type { QueueName } from '../../shared/queues.ts';
import { parseCron } from '../queue/cron.ts';
import type { QueueService } from '../queue/queue-service.ts';

/** The last time a cron pattern fired before now (BullMQ keeps no "last run" of a scheduler). */
function lastRun(pattern: string | null, tz: string | null): number | null {
  if (!pattern) return null;
  try {
    return parseCron(pattern, tz ?? undefined)
      .prev()
      .getTime();
  } catch {
    return null;
  }
}

/** The schedules as the console lists them. Changes go through QueueActions (audited). */
export class SchedulesService {
  constructor(private readonly queueService: Pick<QueueService, 'listRecurringJobs'>) {}

  /** Every schedule (of one queue or all) with its next run and, once it has fired, its last. */
  async list(queue?: QueueName) {
    const schedules = await this.queueService.listRecurringJobs(queue);
    // BullMQ counts the pending next run in iterationCount: above 1 means it has fired before.
    return schedules.map((s) => ({ ...s, last: s.iterationCount > 1 ? lastRun(s.pattern, s.tz) : null }));
  }
}
