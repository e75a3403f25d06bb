import { router, viewerProcedure } from '../init.ts';

export const workersRouter = router({
  /** Every worker process seen within the hour, live or gone; the same list as GET /api/workers. */
  list: viewerProcedure.query(({ ctx }) => ctx.services.workers.list()),
});
