import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { REST_ACTIONS, cleanInputSchema, metricRangeSchema, restRetrySchema } from '../../../shared/api.ts';
import { isQueueName, type QueueName } from '../../../shared/queues.ts';
import type { QueueActions, Actor } from '../../monitoring/queue-actions.ts';
import { UnknownQueueError } from '../../queue/errors.ts';
import type { LatencyService } from '../../observability/latency-service.ts';
import type { QueueService } from '../../queue/queue-service.ts';
import { sendError } from '../errors.ts';
import type { Role } from '../../../shared/auth.ts';
import { clientIp, requireOperator, requireRole, requireUser } from '../middleware/auth.ts';

export interface RestDeps {
  queueService: QueueService;
  actions: QueueActions;
  latency: LatencyService;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;
/** Express 5 forwards rejected promises to the error handler; this keeps the envelope on success. */
const ok = (fn: Handler) => async (req: Request, res: Response, next: NextFunction) => {
  try {
    const data = await fn(req, res);
    if (!res.headersSent) res.json({ success: true, data });
  } catch (err) {
    next(err);
  }
};

type RestAction = (typeof REST_ACTIONS)[number];
/** Pausing and resuming are an operator's; empty and clean delete jobs, the admin's alone. */
const ACTION_ROLE: Record<RestAction, Role> = { pause: 'operator', resume: 'operator', empty: 'admin', clean: 'admin' };
const ACTION_GUARD = Object.fromEntries(REST_ACTIONS.map((a) => [a, requireRole(ACTION_ROLE[a])])) as Record<RestAction, RequestHandler>;

const actor = (req: Request): Actor => ({ user: req.user!, ip: clientIp(req), source: 'rest' });

function queueParam(req: Request): QueueName {
  const name = String(req.params.queue);
  if (!isQueueName(name)) throw new UnknownQueueError(name);
  return name;
}

/** Reads a value from the query string or the JSON body (the guide's clean takes either). */
const param = (req: Request, key: string): unknown => (req.query[key] as unknown) ?? (req.body as Record<string, unknown> | undefined)?.[key];
const num = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));

/** Largest `start`/`end` of the failed-jobs window: far past any real list, and always an integer Redis accepts. */
const MAX_LIST_INDEX = 100_000_000;
/** One whole number ≥ 0 in decimal digits ("1e20", "0x10", "1.5" and repeated keys are refused, not coerced). */
const listIndex = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string({ error: 'must be a whole number ≥ 0' })
    .regex(/^\d{1,12}$/, 'must be a whole number ≥ 0')
    .transform(Number)
    .pipe(z.number().max(MAX_LIST_INDEX, `must be at most ${MAX_LIST_INDEX}`))
    .optional(),
);
const failedWindowQuery = z.object({ start: listIndex, end: listIndex });

/** The guide's REST endpoints, for curl and other services. */
export function jobsRestRoutes(deps: RestDeps): express.Router {
  const router = express.Router();

  router.get(
    '/monitoring',
    requireUser,
    ok(() => deps.queueService.getAllQueueStats()),
  );

  router.post(
    '/monitoring/retry',
    requireOperator,
    ok(async (req) => {
      const { queueName, jobId } = restRetrySchema.parse(req.body ?? {});
      if (!isQueueName(queueName)) throw new UnknownQueueError(queueName);
      if (jobId) {
        await deps.actions.retryJob(actor(req), queueName, jobId);
        return { queueName, jobId, retried: 1 };
      }
      return { queueName, retried: await deps.actions.retryAll(actor(req), queueName) };
    }),
  );

  // Wait and processing p50/p95/p99 in seconds over every worker process: ?range=1h (default), 24h or 7d.
  router.get(
    '/:queue/latency',
    requireUser,
    ok(async (req) => {
      const queue = queueParam(req);
      const range = z.object({ range: metricRangeSchema.default('1h') }).parse(req.query).range;
      return deps.latency.queue(queue, range);
    }),
  );

  router.get(
    '/:queue',
    requireUser,
    ok(async (req) => {
      const queue = queueParam(req);
      const window = failedWindowQuery.parse({ start: req.query.start, end: req.query.end });
      const start = window.start ?? 0;
      const end = Math.min(start + 199, Math.max(start, window.end ?? start + 49));
      const [stats, failedJobs] = await Promise.all([deps.queueService.getQueueStats(queue), deps.queueService.getFailedJobs(queue, { start, end })]);
      return { queueName: queue, stats, failedJobs };
    }),
  );

  router.post(
    '/:queue',
    (req, res, next) => {
      // An unknown queue is 404 and a bad action 400 before the role check, for every caller.
      if (!isQueueName(String(req.params.queue))) return next(new UnknownQueueError(String(req.params.queue)));
      const action = String(req.query.action ?? '');
      if (!(REST_ACTIONS as readonly string[]).includes(action)) {
        return sendError(res, 400, 'BAD_ACTION', `action must be one of ${REST_ACTIONS.join(', ')}`);
      }
      next();
    },
    (req, res, next) => ACTION_GUARD[String(req.query.action) as RestAction](req, res, next),
    ok(async (req) => {
      const queue = queueParam(req);
      const action = String(req.query.action) as RestAction;
      switch (action) {
        case 'pause':
          await deps.actions.pause(actor(req), queue);
          return { queueName: queue, action, paused: true };
        case 'resume':
          await deps.actions.resume(actor(req), queue);
          return { queueName: queue, action, paused: false };
        case 'empty':
          return { queueName: queue, action, removed: await deps.actions.empty(actor(req), queue) };
        case 'clean': {
          const input = cleanInputSchema.parse({
            queue,
            state: param(req, 'state'),
            graceMs: num(param(req, 'grace') ?? param(req, 'graceMs')),
            limit: num(param(req, 'limit')),
          });
          return { queueName: queue, action, state: input.state, graceMs: input.graceMs, removed: await deps.actions.clean(actor(req), input) };
        }
      }
    }),
  );

  return router;
}
