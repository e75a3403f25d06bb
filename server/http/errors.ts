import type { TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import { AppError, describeFieldErrors, fieldErrorsOf, type AppErrorCode, type FieldErrors } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * The HTTP status of every AppError code: the one table, read by REST (below) and by tRPC, which
 * derives its own code from the status (trpc/init.ts).
 */
export const STATUS_BY_CODE = {
  NOT_FOUND: 404,
  UNKNOWN_QUEUE: 404,
  JOB_NOT_FOUND: 404,
  INVALID_JOB_DATA: 400,
  INVALID_JOB_OPTIONS: 400,
  INVALID_CRON: 400,
  INVALID_JOB_STATE: 409,
  MANAGED_SCHEDULE: 409,
  INVALID_INPUT: 400,
  USER_EXISTS: 409,
  LAST_ADMIN: 409,
} as const satisfies Record<AppErrorCode, number>;

export type AppErrorStatus = (typeof STATUS_BY_CODE)[AppErrorCode];

/**
 * Redis is down or did not answer in time: the request path gives up within about a second (runtime.ts,
 * createRequestConnection) and the caller is told when to come back, in REST's envelope (REDIS_UNAVAILABLE) and in
 * tRPC's (SERVICE_UNAVAILABLE). Beside the table, not in it: nothing throws it as an AppError; it is recognised
 * from the Redis client's own errors (isRedisUnavailable).
 */
export const REDIS_UNAVAILABLE = {
  code: 'REDIS_UNAVAILABLE',
  status: 503,
  trpcCode: 'SERVICE_UNAVAILABLE',
  retryAfterSec: 1,
  message: 'Redis is unavailable; try again in a moment',
} as const;

/** How ioredis says a command could not be run or answered (the message's start). */
const REDIS_DOWN_MESSAGES = [
  "Stream isn't writeable", // not connected, and no offline queue to wait in
  "Cluster isn't ready", // the same on a cluster
  'Command timed out', // commandTimeout
  'Connection is closed', // cut off mid-command
  'Reached the max retries per request limit', // MaxRetriesPerRequestError
  'Too many Cluster redirections', // a cluster that keeps failing over
  'Failed to refresh slots cache', // no cluster node answers
];

/** A failure of Redis itself (down, unreachable, too slow), as opposed to a bug or a bad request. */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || (err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  return REDIS_DOWN_MESSAGES.some((m) => err.message.startsWith(m));
}

/**
 * 503 with Retry-After. A tRPC call refused before its procedure ran (the session lookup in `authenticate`) gets
 * tRPC's error shape, as a procedure's own failure does (relabelRedisUnavailable), so the console's client reads both.
 */
export function sendRedisUnavailable(req: Request, res: Response): void {
  const { status, trpcCode, message } = REDIS_UNAVAILABLE;
  res.setHeader('Retry-After', String(REDIS_UNAVAILABLE.retryAfterSec));
  if (req.originalUrl.startsWith('/trpc/')) {
    res
      .status(status)
      .json({ error: { message, code: TRPC_ERROR_CODES_BY_KEY[trpcCode], data: { code: trpcCode, httpStatus: status, appCode: REDIS_UNAVAILABLE.code } } });
  } else {
    sendError(res, status, REDIS_UNAVAILABLE.code, message);
  }
}

/**
 * The tRPC side, called from the adapter's onError (app.ts), which gets each error before tRPC formats that same
 * object: a Redis failure becomes SERVICE_UNAVAILABLE (503) instead of an internal error. Says whether it did.
 */
export function relabelRedisUnavailable(error: TRPCError): boolean {
  if (!isRedisUnavailable(error.cause)) return false;
  Object.assign(error, { code: REDIS_UNAVAILABLE.trpcCode, message: REDIS_UNAVAILABLE.message });
  return true;
}

export interface ApiErrorBody {
  success: false;
  error: { code: string; message: string; fieldErrors?: FieldErrors };
}

export function sendError(res: Response, status: number, code: string, message: string, fieldErrors?: FieldErrors): void {
  const body: ApiErrorBody = { success: false, error: { code, message, ...(fieldErrors ? { fieldErrors } : {}) } };
  res.status(status).json(body);
}

/** The REST envelope for any error: typed errors keep their code, the rest are 500s with no internals. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof AppError) return sendError(res, STATUS_BY_CODE[err.code], err.code, err.message, err.fieldErrors);
    // Not logged per request: the runtime's connection logs the outage once.
    if (isRedisUnavailable(err)) return sendRedisUnavailable(req, res);
    if (err instanceof z.ZodError) {
      const fields = fieldErrorsOf(err);
      return sendError(res, 400, 'BAD_REQUEST', `Invalid request: ${describeFieldErrors(fields)}`, fields);
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'BAD_REQUEST', e.message ?? 'Bad request');
    (req.log ?? log).error({ err, method: req.method, url: req.originalUrl }, 'Request failed');
    return sendError(res, 500, 'INTERNAL', 'Internal server error');
  };
}
