import type { JobDataMap, Platform } from '../../shared/jobs.ts';
import type { QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';

/**
 * The job contract: what the worker hands a processor and what a processor may throw back, and what
 * the scheduler reads. Neutral ground: the queue layer and the domain both import it, never each other.
 */

/** What a processor gets beside its data. No BullMQ types: processors stay plain functions. */
export interface ProcessorContext {
  jobId: string;
  /** The job's id and creation time: unique even when BullMQ hands out an id again (Redis reset, new prefix). */
  jobKey: string;
  queue: QueueName;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** This attempt's timeout (the job's `timeout` option, else its queue's); `signal` aborts when it passes. */
  timeoutMs: number;
  /** Aborted on timeout, on shutdown past the deadline, or by a cancel; check it between steps. */
  signal: AbortSignal;
  log: Logger;
  progress(value: number | Record<string, unknown>): Promise<void>;
  /** The progress the previous attempt (or a delay) left: where to resume a long job. */
  lastProgress: unknown;
  /** Appends a line to the job's log (shown in the console's job page). */
  addLog(line: string): Promise<void>;
}

export type Processor<Q extends QueueName> = (data: JobDataMap[Q], ctx: ProcessorContext) => Promise<unknown>;

/** Queue → processor. Queues without a processor get no Worker in this process. */
export type ProcessorRegistry = { [Q in QueueName]?: Processor<Q> };

/** Thrown by a processor: stop this attempt and run the job again after `delayMs` (not a failure). */
export class DelayJobError extends Error {
  override name = 'DelayJobError';
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** Thrown by a processor: fail the job now, without the remaining attempts (bad input, revoked access). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface ScheduledIntegration {
  id: string;
  organizationId: string;
  platform: Platform;
  /** Only ACTIVE integrations are scheduled. */
  status: 'ACTIVE' | 'ERROR' | 'NEEDS_REAUTH' | 'DISABLED';
  /** Never synced (null): gets one full sync when the workers start. */
  lastSyncAt?: string | null;
  /** Minutes between syncs; null or absent: the platform's default (SYNC_EVERY_HOURS). */
  syncEveryMinutes?: number | null;
}

export interface ScheduledOrganization {
  id: string;
}

/** Where the scheduler reads what to schedule; the domain store provides it. */
export interface ScheduleSource {
  listIntegrations(): Promise<ScheduledIntegration[]>;
  listOrganizations(): Promise<ScheduledOrganization[]>;
  getIntegration(id: string): Promise<ScheduledIntegration | undefined>;
}
