import type { z } from 'zod';

/**
 * Every stable error code the server reports to callers (REST `error.code`, tRPC `data.appCode`).
 * A closed list, so the HTTP layer's code → status table must name each one (server/http/errors.ts).
 */
export type AppErrorCode =
  | 'NOT_FOUND'
  // The queue layer's (server/queue/errors.ts).
  | 'UNKNOWN_QUEUE'
  | 'INVALID_JOB_DATA'
  | 'INVALID_JOB_OPTIONS'
  | 'INVALID_CRON'
  | 'JOB_NOT_FOUND'
  | 'INVALID_JOB_STATE'
  // A schedule the scheduler owns, changed in a way that would not last (server/services/schedules-service.ts).
  | 'MANAGED_SCHEDULE'
  // Users, invites and personal tokens (server/users): a value the schema let through but a rule refuses
  // (a common password, a token role above its owner's), an email that already has an account, the last admin.
  | 'INVALID_INPUT'
  | 'USER_EXISTS'
  | 'LAST_ADMIN';

/** Field errors keyed by dotted path ("recipientEmails.0"), as the console shows them inline. */
export type FieldErrors = Record<string, string[]>;

/**
 * A failure the caller can act on: `code` is stable and names the kind, the message is for people.
 * Anything else that escapes to the HTTP layer is an internal error (500, no details).
 */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Which inputs were wrong, when the error is about input. */
    readonly fieldErrors?: FieldErrors,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Something asked for by id (an organization, alert, schedule, email…) does not exist. */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = prefix + (issue.path.length ? issue.path.join('.') : '(root)');
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** "field: message, message; other: message", for log lines and error messages. */
export function describeFieldErrors(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([k, msgs]) => `${k}: ${msgs.join(', ')}`)
    .join('; ');
}
