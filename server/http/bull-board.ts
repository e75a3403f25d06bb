import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Request, type Response, type NextFunction } from 'express';
import { roleAtLeast } from '../../shared/auth.ts';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { QueueActions } from '../monitoring/queue-actions.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { boardErrorReply, bullBoardActions } from './bull-board-actions.ts';
import { BatchedBullMQAdapter } from './bull-board-adapter.ts';
import { clientIp, requireUser } from './middleware/auth.ts';
import { boardRoleFor } from './bull-board-roles.ts';

export const BULL_BOARD_PATH = '/admin/queues';

function board(queueService: QueueService, readOnlyMode: boolean, log?: Logger): express.Router {
  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    // Its adapter needs BullMQ's own Queue objects: the one place outside the queue layer that gets them.
    queues: QUEUE_NAMES.map((name) => new BatchedBullMQAdapter(queueService, name, { readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'BizInsights Jobs' } },
  });
  // Replaces the handler createBullBoard installed, which replies with the error's message (and stack in development).
  serverAdapter.setErrorHandler((err) => boardErrorReply(err, log));
  const boardApp = serverAdapter.getRouter() as express.Express;
  boardApp.disable?.('x-powered-by'); // its own Express app: our app-level setting does not reach it
  return boardApp;
}

/**
 * Bull Board behind our own sign-in. Every write needs the role bull-board-roles.ts gives it, checked here before
 * Bull Board sees the request: a lower role gets a 403 in Bull Board's error shape, naming the role. Operators and
 * admins get the writable board, viewers a read-only one (its UI offers no writes, and its server refuses them
 * with 405 should one get past). Bull Board's bulk actions and Promote go through QueueActions
 * (bull-board-actions.ts), which audits them; every other write is written to the audit log here once it answered.
 */
export function bullBoardRouter(deps: { queueService: QueueService; actions: QueueActions; log?: Logger }): express.Router {
  const writableBoard = board(deps.queueService, false, deps.log);
  const viewerBoard = board(deps.queueService, true, deps.log);
  const router = express.Router();
  router.use(requireUser);
  router.use((req: Request, res: Response, next: NextFunction) => {
    const needed = boardRoleFor(req.method, req.path);
    if (needed && !roleAtLeast(req.user!.role, needed)) {
      res.status(403).json({ error: 'Forbidden', message: `This action needs the ${needed} role`, code: 'FORBIDDEN' });
      return;
    }
    next();
  });
  router.use(bullBoardActions(deps.actions, deps.log));
  router.use((req: Request, res: Response, next: NextFunction) => {
    const user = req.user!;
    const canWrite = roleAtLeast(user.role, 'operator');
    if (canWrite && boardRoleFor(req.method, req.path)) {
      const actor = { user, ip: clientIp(req), source: 'bullboard' as const };
      res.on('finish', () => {
        void deps.actions.recordBullBoard(actor, req.method, req.originalUrl.split('?')[0], res.statusCode < 400, res.statusCode).catch(() => undefined);
      });
    }
    (canWrite ? writableBoard : viewerBoard)(req, res, next);
  });
  return router;
}
