import type { AttemptEntry } from '../../shared/job-history.ts';
import type { RecordedAttempt } from './attempt-log.ts';

/** What the timeline reads of the job itself. */
export interface JobTimes {
  state: string;
  attemptsMade: number;
  processedOn: number | null;
  finishedOn: number | null;
  failedReason: string | null;
}

/**
 * The job's attempts, oldest first: the failed ones the workers recorded, then the current or last attempt
 * from the job's own times when no record covers it (it is running, it completed, or it failed where no
 * recorder ran). A record covers the last attempt when it started at the job's processedOn.
 */
export function buildTimeline(recorded: readonly RecordedAttempt[], job: JobTimes): AttemptEntry[] {
  const entries: AttemptEntry[] = recorded.map((r) => ({ attempt: r.n, startedAt: r.s, endedAt: r.e, outcome: 'failed', error: r.m }));
  if (job.processedOn === null) return entries;
  if (recorded.some((r) => r.s === job.processedOn)) return entries;
  const lastNumber = entries.length ? entries[entries.length - 1].attempt : 0;
  if (job.state === 'active') {
    entries.push({ attempt: Math.max(lastNumber, job.attemptsMade) + 1, startedAt: job.processedOn, endedAt: null, outcome: 'running' });
  } else if (job.state === 'completed') {
    entries.push({ attempt: Math.max(lastNumber + 1, job.attemptsMade), startedAt: job.processedOn, endedAt: job.finishedOn, outcome: 'completed' });
  } else if (job.state === 'failed') {
    entries.push({
      attempt: Math.max(lastNumber + 1, job.attemptsMade),
      startedAt: job.processedOn,
      endedAt: job.finishedOn,
      outcome: 'failed',
      error: job.failedReason ?? undefined,
    });
  }
  // Waiting or delayed after a failure not recorded here: the job's own fields say no more than its stack trace.
  return entries;
}
