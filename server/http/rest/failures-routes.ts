import express from 'express';
import { z } from 'zod';
import { metricRangeSchema } from '../../../shared/api.ts';
import { isQueueName } from '../../../shared/queues.ts';
import type { FailureReader } from '../../failures/failure-reader.ts';
import { UnknownQueueError } from '../../queue/errors.ts';
import { requireUser } from '../middleware/auth.ts';

const query = z.object({ queue: z.string().optional(), range: metricRangeSchema.default('24h') });

/**
 * GET /api/failures?queue=<q>&range=24h: error groups, biggest count over the range first (viewers may read it).
 * 404 for an unknown queue, 400 for a bad range (the error handler's envelope).
 */
export function failuresRestRoutes(deps: { failures: FailureReader }): express.Router {
  const router = express.Router();
  // Express 5 hands a rejection (bad query, Redis unavailable) to the error handler.
  router.get('/', requireUser, async (req, res) => {
    const q = query.parse({ queue: req.query.queue, range: req.query.range });
    if (q.queue !== undefined && !isQueueName(q.queue)) throw new UnknownQueueError(q.queue);
    const queue = q.queue !== undefined && isQueueName(q.queue) ? q.queue : undefined;
    res.json({ success: true, data: await deps.failures.rows({ queue, range: q.range }) });
  });
  return router;
}
