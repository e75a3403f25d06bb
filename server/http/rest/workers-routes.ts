import express from 'express';
import type { WorkerRegistry } from '../../workers/worker-registry.ts';
import { requireUser } from '../middleware/auth.ts';

/** GET /api/workers: every worker process seen within the hour, live or gone (viewers may read it). */
export function workersRestRoutes(deps: { workers: WorkerRegistry }): express.Router {
  const router = express.Router();
  // Express 5 hands a rejection (Redis unavailable: 503) to the error handler.
  router.get('/', requireUser, async (_req, res) => {
    res.json({ success: true, data: await deps.workers.list() });
  });
  return router;
}
