import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Request, type Response, type NextFunction } from 'express';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import type { QueueActions } from '../monitoring/queue-actions.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { clientIp, requireUser } from './middleware/auth.ts';

export const BULL_BOARD_PATH = '/admin/queues';

function board(queueService: QueueService, readOnlyMode: boolean): express.Router {
  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    // Its adapter needs BullMQ's own Queue objects: the one place outside the queue layer that gets them.
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(queueService.queue(name), { readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'BizInsights Jobs' } },
  });
  const boardApp = serverAdapter.getRouter() as express.Express;
  boardApp.disable?.('x-powered-by'); // its own Express app: our app-level setting does not reach it
  return boardApp;
}

/**
 * Bull Board behind our own sign-in: admins get the full board, viewers a read-only one whose
 * server refuses writes (405). Admin writes are written to the audit log once they answered.
 */
export function bullBoardRouter(deps: { queueService: QueueService; actions: QueueActions }): express.Router {
  const adminBoard = board(deps.queueService, false);
  const viewerBoard = board(deps.queueService, true);
  const router = express.Router();
  router.use(requireUser);
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
