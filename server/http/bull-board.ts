import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Request, type Response, type NextFunction } from 'express';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { QueueActions } from '../monitoring/queue-actions.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { boardErrorReply, bullBoardActions } from './bull-board-actions.ts';
import { BatchedBullMQAdapter } from './bull-board-adapter.ts';
import { clientIp, requireUser } from './middleware/auth.ts';

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
 * Bull Board behind our own sign-in: admins get the full board, viewers a read-only one whose
 * server refuses writes (405). Its bulk actions and Promote go through QueueActions (bull-board-actions.ts),
 * which audits them; every other admin write is written to the audit log here once it answered.
 */
export function bullBoardRouter(deps: { queueService: QueueService; actions: QueueActions; log?: Logger }): express.Router {
  const adminBoard = board(deps.queueService, false, deps.log);
  const viewerBoard = board(deps.queueService, true, deps.log);
  const router = express.Router();
  router.use(requireUser);
  router.use(bullBoardActions(deps.actions, deps.log));
  router.use((req: Request, res: Response, next: NextFunction) => {
    const isWrite = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    if (isWrite && req.user?.role === 'admin') {
      const actor = { user: req.user, ip: clientIp(req), source: 'bullboard' as const };
      res.on('finish', () => {
        void deps.actions.recordBullBoard(actor, req.method, req.originalUrl.split('?')[0], res.statusCode < 400, res.statusCode).catch(() => undefined);
      });
    }
    (req.user?.role === 'admin' ? adminBoard : viewerBoard)(req, res, next);
  });
  return router;
}
