import { z } from 'zod';

/**
 * Typed errors of the queue layer. `code` is stable (the HTTP layer maps it to a status);
 * the message is for people.
 */
export class QueueError extends Error {
  constructor(
    readonly code: 'UNKNOWN_QUEUE' | 'INVALID_JOB_DATA' | 'INVALID_JOB_OPTIONS' | 'INVALID_CRON' | 'JOB_NOT_FOUND' | 'INVALID_JOB_STATE' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnknownQueueError extends QueueError {
  constructor(readonly queue: string) {
    super('UNKNOWN_QUEUE', `Unknown queue "${queue}"`);
  }
}

export type FieldErrors = Record<string, string[]>;

/** Field errors keyed by dotted path ("recipientEmails.0"), as the console shows them inline. */
export function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = prefix + (issue.path.length ? issue.path.join('.') : '(root)');
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function describe(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([k, msgs]) => `${k}: ${msgs.join(', ')}`)
    .join('; ');
}

export class JobValidationError extends QueueError {
  constructor(
    readonly queue: string,
    readonly fieldErrors: FieldErrors,
    what: 'data' | 'options' = 'data',
  ) {
    super(what === 'data' ? 'INVALID_JOB_DATA' : 'INVALID_JOB_OPTIONS', `Invalid job ${what} for "${queue}": ${describe(fieldErrors)}`);
  }
}

export class InvalidCronError extends QueueError {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super('INVALID_CRON', `Invalid cron expression "${pattern}": ${reason}`);
  }
}

export class JobNotFoundError extends QueueError {
  constructor(queue: string, jobId: string) {
    super('JOB_NOT_FOUND', `Job "${jobId}" not found in queue "${queue}"`);
  }
}

export class JobStateError extends QueueError {
  constructor(queue: string, jobId: string, state: string, wanted: string) {
    super('INVALID_JOB_STATE', `Job "${jobId}" in queue "${queue}" is ${state}, not ${wanted}`);
  }
}
