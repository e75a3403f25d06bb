import { AppError, describeFieldErrors, type AppErrorCode, type FieldErrors } from '../errors.ts';

// Re-exported: queue-layer callers and tests have always found these here.
export { fieldErrorsOf, type FieldErrors } from '../errors.ts';

export type QueueErrorCode = Exclude<AppErrorCode, 'NOT_FOUND'>;

/**
 * Typed errors of the queue layer, and only of it: unknown queue, invalid job data or options,
 * invalid cron, job not found, job in the wrong state. `code` is stable; the message is for people.
 */
export class QueueError extends AppError {
  constructor(
    override readonly code: QueueErrorCode,
    message: string,
    fieldErrors?: FieldErrors,
  ) {
    super(code, message, fieldErrors);
  }
}

export class UnknownQueueError extends QueueError {
  constructor(readonly queue: string) {
    super('UNKNOWN_QUEUE', `Unknown queue "${queue}"`);
  }
}

export class JobValidationError extends QueueError {
  declare readonly fieldErrors: FieldErrors;

  constructor(
    readonly queue: string,
    fieldErrors: FieldErrors,
    what: 'data' | 'options' = 'data',
  ) {
    super(what === 'data' ? 'INVALID_JOB_DATA' : 'INVALID_JOB_OPTIONS', `Invalid job ${what} for "${queue}": ${describeFieldErrors(fieldErrors)}`, fieldErrors);
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
