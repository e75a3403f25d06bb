import { ErrorCode } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import { roleAtLeast } from '../../shared/auth.ts';
import { isQueueName, type QueueName } from '../../shared/queues.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import { STATUS_BY_CODE } from './errors.ts';
import { clientIp } from './middleware/auth.ts';

/** A reply in Bull Board's shape: its UI shows `error` as a toast's title and `message` under it. */
export interface BoardReply {
  status: 200 | 204 | 400 | 404 | 409 | 500;
  body: { error?: string | { key: string }; message?: string; code?: string } & Record<string, unknown>;
}

/** Bull Board's grace for Clean all (handlers/cleanAll.js): jobs that finished in the last 5 s stay. */
const BOARD_CLEAN_GRACE_MS = 5000;
/** The statuses the console's Clean covers, and the ones Bull Board's UI offers Clean all for. */
const CONSOLE_CLEAN_STATES = ['completed', 'failed', 'delayed'] as const;

type Action = (actor: Actor, queue: QueueName, params: Record<string, string>) => Promise<BoardReply | undefined>;

const DONE: BoardReply = { status: 200, body: {} };

/**
 * Bull Board's bulk writes (Empty, Clean all, Retry all failed, Promote all) and its Promote of one
 * job, answered by QueueActions as the console's are: in batches, so Redis never stalls on a big
 * queue; audited there, once and with a count, so the router's per-write audit is not attached to
 * them; and a job in the wrong state is a 409 naming its state. Roles were checked before this runs
 * (bull-board.ts); queues that are not ours and other statuses go on to Bull Board (404, its own
 * handlers over our batched adapter).
 */
export function bullBoardActions(actions: QueueActions, log?: Logger): express.Router {
  const router = express.Router();
  const put = (path: string, action: Action) =>
    router.put(path, async (req: Request, res: Response, next: NextFunction) => {
      const { queueName } = req.params;
      // The role of each route was checked before (bull-board.ts); a viewer goes on to the read-only board.
      if (!req.user || !roleAtLeast(req.user.role, 'operator') || !isQueueName(queueName)) return next();
      let reply: BoardReply | undefined;
      try {
        // Named route parameters are strings; only wildcards give arrays.
        reply = await action({ user: req.user, ip: clientIp(req), source: 'bullboard' }, queueName, req.params as Record<string, string>);
      } catch (err) {
        reply = boardErrorReply(err, req.log ?? log);
      }
      if (!reply) return next();
      res.status(reply.status).json(reply.body);
    });

  // Bull Board's Empty removes the waiting jobs (BullMQ's drain): kept, but in batches of 1,000.
  put('/api/queues/:queueName/empty', async (actor, queue) => {
    await actions.clean(actor, { queue, state: 'waiting', graceMs: 0 });
    return DONE;
  });
  put('/api/queues/:queueName/clean/:queueStatus', async (actor, queue, { queueStatus }) => {
    const state = CONSOLE_CLEAN_STATES.find((s) => s === queueStatus);
    if (!state) return undefined;
    await actions.clean(actor, { queue, state, graceMs: BOARD_CLEAN_GRACE_MS });
    return DONE;
  });
  // Retry all completed has no console action; Bull Board retries those 100 jobs a call.
  put('/api/queues/:queueName/retry/:queueStatus', async (actor, queue, { queueStatus }) => {
    if (queueStatus !== 'failed') return undefined;
    const retried = await actions.retryAll(actor, queue);
    return { status: 200, body: { retried, skipped: 0 } };
  });
  put('/api/queues/:queueName/promote', async (actor, queue) => {
    await actions.promoteAll(actor, queue);
    return DONE;
  });
  // Bull Board's own promote calls BullMQ blindly, which throws (a 500) for a job that is not delayed.
  put('/api/queues/:queueName/:jobId/promote', async (actor, queue, { jobId }) => {
    await actions.promoteJob(actor, queue, jobId);
    return { status: 204, body: {} };
  });
  return router;
}

const HEADLINES = { 400: 'Invalid request', 404: 'Not found', 409: 'Wrong job state' } as const;

/** BullMQ's refusals, said again: its own messages name Redis keys and script commands. */
const BULLMQ_REFUSALS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.JobNotExist]: 'The job no longer exists',
  [ErrorCode.JobLockNotExist]: 'The job is no longer held by a worker',
  [ErrorCode.JobPendingChildren]: 'The job still has children that have not finished',
  [ErrorCode.JobLockMismatch]: 'Another worker holds the job',
  [ErrorCode.JobBelongsToJobScheduler]: 'The job is the next run of a schedule: remove the schedule instead',
  [ErrorCode.JobHasFailedChildren]: 'The job has failed children',
};

/**
 * What Bull Board answers for an error thrown by one of its handlers or by ours. Bull Board's own
 * reply is a 500 carrying the error's message (and its stack when NODE_ENV=development); here typed
 * errors and BullMQ's refusals (a job missing or in the wrong state, often a race with a worker) are
 * 4xx saying so, and anything else is a bare 500, logged.
 */
export function boardErrorReply(err: unknown, log?: Logger): BoardReply {
  if (err instanceof AppError) {
    const status = STATUS_BY_CODE[err.code];
    return { status, body: { error: HEADLINES[status], message: err.message, code: err.code } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && Object.values(ErrorCode).includes(code)) {
    const status = code === ErrorCode.JobNotExist ? 404 : 409;
    const notInState = code === ErrorCode.JobNotInState ? /^Job (.+) is not in the (\S+) state\./.exec((err as Error).message) : null;
    const message = notInState ? `Job ${notInState[1]} is not ${notInState[2]}` : (BULLMQ_REFUSALS[code as ErrorCode] ?? "The job's state does not allow this");
    return { status, body: { error: HEADLINES[status], message, code: status === 404 ? 'JOB_NOT_FOUND' : 'INVALID_JOB_STATE' } };
  }
  log?.error({ err }, 'Bull Board request failed');
  return { status: 500, body: { error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' } } };
}
