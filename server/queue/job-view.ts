import type { Job } from 'bullmq';

/** What callers see of a job: plain JSON, the same for the API, the console and the guide's examples. */
export interface JobView {
  id: string;
  name: string;
  queue: string;
  data: unknown;
  opts: Record<string, unknown>;
  progress: unknown;
  attemptsMade: number;
  failedReason: string | null;
  stacktrace: string[];
  returnvalue: unknown;
  timestamp: number;
  processedOn: number | null;
  finishedOn: number | null;
  delay: number;
  priority: number;
}

export function toJobView(job: Job): JobView {
  return {
    id: String(job.id),
    name: job.name,
    queue: job.queueName,
    data: job.data,
    opts: { ...job.opts } as Record<string, unknown>,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason ?? null,
    stacktrace: job.stacktrace ?? [],
    returnvalue: job.returnvalue ?? null,
    timestamp: job.timestamp,
    processedOn: job.processedOn ?? null,
    finishedOn: job.finishedOn ?? null,
    delay: job.delay ?? 0,
    priority: job.priority ?? 0,
  };
}
