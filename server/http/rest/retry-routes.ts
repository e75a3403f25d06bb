import express from 'express';
import { jobRefsSchema } from '../../../shared/api.ts';
import { isQueueName, type QueueName } from '../../../shared/queues.ts';
import type { QueueActions } from '../../monitoring/queue-actions.ts';
import { UnknownQueueError } from '../../queue/errors.ts';
import { clientIp, requireOperator } from '../middleware/auth.ts';

const body = jobRefsSchema.pick({ ids: true });

/**
 * POST /api/jobs/:queue/retry {ids} (operator role): retries the failed jobs named, as one audited action
 * (`jobs.retry`). Each id that is missing or not failed is listed in `failed` with the reason; the rest are retried.
 * 404 for an unknown queue (before the role check, as POST /api/jobs/:queue), 400 naming `ids` for a bad list.
 */
export function retryRestRoutes(deps: { actions: Pick<QueueActions, 'retryJobs'> }): express.Router {
  const router = express.Router();
  router.post(
    '/:queue/retry',
    (req, _res, next) => next(isQueueName(String(req.params.queue)) ? undefined : new UnknownQueueError(String(req.params.queue))),
    requireOperator,
    async (req, res) => {
      const queue = String(req.params.queue) as QueueName; // checked by the first handler
      const { ids } = body.parse(req.body ?? {});
      const result = await deps.actions.retryJobs({ user: req.user!, ip: clientIp(req), source: 'rest' }, queue, ids);
      res.json({ success: true, data: { queueName: queue, retried: result.done.length, ...result } });
    },
  );
  return router;
}
