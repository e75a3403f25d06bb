import type { JobDataMap } from '../../../shared/jobs.ts';
import type { QueueName } from '../../../shared/queues.ts';
import type { Logger } from '../../logger.ts';

/** What a processor gets beside its data. No BullMQ types: processors stay plain functions. */
export interface ProcessorContext {
  jobId: string;
  queue: QueueName;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Aborted on timeout, on shutdown past the deadline, or by a cancel; check it between steps. */
  signal: AbortSignal;
  log: Logger;
  progress(value: number | Record<string, unknown>): Promise<void>;
  /** Appends a line to the job's log (shown in the console's job page). */
  addLog(line: string): Promise<void>;
}

export type Processor<Q extends QueueName> = (data: JobDataMap[Q], ctx: ProcessorContext) => Promise<unknown>;

/** Queue → processor. Queues without a processor get no Worker in this process. */
export type ProcessorRegistry = { [Q in QueueName]?: Processor<Q> };
