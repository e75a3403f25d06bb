import { TRPCError, initTRPC } from '@trpc/server';
import { z } from 'zod';
import { roleAtLeast, type Role, type User } from '../../../shared/auth.ts';
import { AppError, describeFieldErrors, fieldErrorsOf, type FieldErrors } from '../../errors.ts';
import { REDIS_UNAVAILABLE, STATUS_BY_CODE, type AppErrorStatus } from '../errors.ts';
import type { Context } from './context.ts';

class CsrfError extends Error {
  readonly code = 'CSRF';
  constructor() {
    super('Cross-site request refused');
  }
}

/** Our stable code for the client: an AppError's or CSRF's own, and REDIS_UNAVAILABLE for the outage relabelled in app.ts. */
function appCodeOf(trpcCode: string, cause: unknown): string | undefined {
  if (cause instanceof AppError || cause instanceof CsrfError) return cause.code;
  return trpcCode === REDIS_UNAVAILABLE.trpcCode ? REDIS_UNAVAILABLE.code : undefined;
}

/** tRPC's code for each status STATUS_BY_CODE uses; tRPC answers with that same HTTP status. */
const TRPC_CODE_BY_STATUS: Record<AppErrorStatus, TRPCError['code']> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
};

/** tRPC is initialised here and only here. Errors carry our code and zod field errors. */
const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let fieldErrors: FieldErrors | undefined;
    if (cause instanceof z.ZodError) fieldErrors = fieldErrorsOf(cause);
    else if (cause instanceof AppError) fieldErrors = cause.fieldErrors;
    // An unexpected failure's message is for the log (app.ts onError), not the caller: it can name hosts, paths or internals.
    const internal = shape.data.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      message: internal ? 'Internal server error' : cause instanceof z.ZodError ? `Invalid input: ${describeFieldErrors(fieldErrors ?? {})}` : shape.message,
      data: { ...shape.data, stack: undefined, appCode: appCodeOf(shape.data.code, cause), fieldErrors },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/**
 * What every procedure goes through, as one middleware (each level of tRPC's middleware chain copies its options, a
 * measurable part of a poll's cost):
 * - a read the fast path (fast-queries.ts) already ran and saw fail is answered with that same error, not run again
 *   (a Redis that does not answer would otherwise cost its timeout twice);
 * - a mutation carried by the session cookie must come from our own origin (CSRF);
 * - an AppError becomes a tRPC error with the status of the one table (REST answers the same).
 */
const base = t.middleware(async ({ ctx, type, path, next }) => {
  const failed = ctx.failedReads?.get(path);
  if (failed) throw failed;
  if (type === 'mutation' && ctx.user?.via === 'session' && !ctx.sameOrigin) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-site request refused', cause: new CsrfError() });
  }
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE_BY_STATUS[STATUS_BY_CODE[cause.code]], message: cause.message, cause });
  }
  return result;
});

export const publicProcedure = t.procedure.use(base);

export const viewerProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in or send an API token' });
  // tRPC merges this into the context: only what changes (the user, now known to be there).
  return next({ ctx: { user: ctx.user } });
});

/** The 403 every level answers: it names the role the action needs (the same words as REST's requireRole). */
export function assertRole(user: User, needed: Role): void {
  if (!roleAtLeast(user.role, needed)) throw new TRPCError({ code: 'FORBIDDEN', message: `This action needs the ${needed} role` });
}

/** A procedure that acts: at least `needed`, and the actor its action is audited under. */
const actingProcedure = (needed: Role) =>
  viewerProcedure.use(({ ctx, next }) => {
    assertRole(ctx.user, needed);
    return next({ ctx: { actor: { user: ctx.user, ip: ctx.ip, source: 'trpc' as const } } });
  });

/** Every queue action except empty, clean and removing jobs or schedules (shared/auth.ts). */
export const operatorProcedure = actingProcedure('operator');

export const adminProcedure = actingProcedure('admin');
