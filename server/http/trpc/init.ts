import { TRPCError, initTRPC } from '@trpc/server';
import { z } from 'zod';
import { JobValidationError, QueueError, fieldErrorsOf, type FieldErrors } from '../../queue/errors.ts';
import type { Context } from './context.ts';

class CsrfError extends Error {
  readonly code = 'CSRF';
  constructor() {
    super('Cross-site request refused');
  }
}

const TRPC_CODE_BY_QUEUE_CODE: Record<QueueError['code'], TRPCError['code']> = {
  UNKNOWN_QUEUE: 'NOT_FOUND',
  JOB_NOT_FOUND: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_JOB_DATA: 'BAD_REQUEST',
  INVALID_JOB_OPTIONS: 'BAD_REQUEST',
  INVALID_CRON: 'BAD_REQUEST',
  INVALID_JOB_STATE: 'CONFLICT',
};

/** tRPC is initialised here and only here. Errors carry our code and zod field errors. */
const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let fieldErrors: FieldErrors | undefined;
    if (cause instanceof z.ZodError) fieldErrors = fieldErrorsOf(cause);
    else if (cause instanceof JobValidationError) fieldErrors = cause.fieldErrors;
    return {
      ...shape,
      message: cause instanceof z.ZodError ? `Invalid input: ${Object.entries(fieldErrors ?? {}).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}` : shape.message,
      data: { ...shape.data, stack: undefined, appCode: cause instanceof QueueError || cause instanceof CsrfError ? cause.code : undefined, fieldErrors },
    };
  },
});

/** Turns the queue layer's typed errors into tRPC errors with the right code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof QueueError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE_BY_QUEUE_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/** A mutation carried by the session cookie must come from our own origin (CSRF). */
const csrf = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation' && ctx.user?.via === 'session' && !ctx.sameOrigin) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-site request refused', cause: new CsrfError() });
  }
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(csrf);

export const viewerProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in or send an API token' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const adminProcedure = viewerProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'This action needs the admin role' });
  return next({ ctx: { ...ctx, actor: { user: ctx.user, ip: ctx.ip, source: 'trpc' as const } } });
});
