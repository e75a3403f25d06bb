import express from 'express';
import { z } from 'zod';
import { isQueueName } from '../../../shared/queues.ts';
import { UnknownQueueError } from '../../queue/errors.ts';
import type { SchedulesService } from '../../services/schedules-service.ts';
import { requireUser } from '../middleware/auth.ts';

const query = z.object({ queue: z.string().optional() });

/**
 * GET /api/schedules[?queue=<q>] (viewers may read it): every schedule as the console's schedules.list has it, with
 * its rule, next and last run and its owner when managed. 404 for an unknown queue.
 */
export function schedulesRestRoutes(deps: { schedules: Pick<SchedulesService, 'list'> }): express.Router {
  const router = express.Router();
  // Express 5 hands a rejection (bad query, Redis unavailable) to the error handler.
  router.get('/', requireUser, async (req, res) => {
    const { queue } = query.parse({ queue: req.query.queue });
    if (queue !== undefined && !isQueueName(queue)) throw new UnknownQueueError(queue);
    res.json({ success: true, data: await deps.schedules.list(queue) });
  });
  return router;
}
