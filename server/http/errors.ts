import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { JobValidationError, QueueError, fieldErrorsOf, type FieldErrors } from '../queue/errors.ts';
import type { Logger } from '../logger.ts';

/** HTTP status for each queue-layer error code. */
export const STATUS_BY_CODE: Record<QueueError['code'], number> = {
  UNKNOWN_QUEUE: 404,
  JOB_NOT_FOUND: 404,
  NOT_FOUND: 404,
  INVALID_JOB_DATA: 400,
  INVALID_JOB_OPTIONS: 400,
  INVALID_CRON: 400,
  INVALID_JOB_STATE: 409,
};

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
    if (err instanceof QueueError) {
      return sendError(res, STATUS_BY_CODE[err.code], err.code, err.message, err instanceof JobValidationError ? err.fieldErrors : undefined);
    }
    if (err instanceof z.ZodError) {
      const fields = fieldErrorsOf(err);
      return sendError(res, 400, 'BAD_REQUEST', `Invalid request: ${Object.entries(fields).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}`, fields);
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'BAD_REQUEST', e.message ?? 'Bad request');
    log.error({ err, method: req.method, url: req.originalUrl }, 'Request failed');
    return sendError(res, 500, 'INTERNAL', 'Internal server error');
  };
}
