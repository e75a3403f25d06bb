import type { JobStateName } from '../../shared/queues.ts';
import type { JobListType } from './queue-service.ts';

/** BullMQ's lists behind each state the console shows; `waiting` and `paused` are the same lists (the queue's flag tells). */
export const LISTS_BY_STATE: Record<JobStateName, JobListType[]> = {
  waiting: ['wait', 'prioritized'],
  paused: ['wait', 'prioritized'],
  active: ['active'],
  delayed: ['delayed'],
  failed: ['failed'],
  completed: ['completed'],
};
