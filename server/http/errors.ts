import type { ErrorRequestHandler, Response } from 'express';
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
} as const satisfies Record<AppErrorCode, number>;

export type AppErrorStatus = (typeof STATUS_BY_CODE)[AppErrorCode];

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
    if (err instanceof z.ZodError) {
      const fields = fieldErrorsOf(err);
      return sendError(res, 400, 'BAD_REQUEST', `Invalid request: ${describeFieldErrors(fields)}`, fields);
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'BAD_REQUEST', e.message ?? 'Bad request');
    log.error({ err, method: req.method, url: req.originalUrl }, 'Request failed');
    return sendError(res, 500, 'INTERNAL', 'Internal server error');
  };
}
