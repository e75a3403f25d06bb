import { reportGenerateInputSchema, reportsListInputSchema } from '../../../../shared/console-api.ts';
import { operatorProcedure, router, viewerProcedure } from '../init.ts';

export const reportsRouter = router({
  list: viewerProcedure.input(reportsListInputSchema).query(({ ctx, input }) => ctx.services.reports.list(input)),
  /** Queues a report job, as jobs.add does: an operator's action. */
  generate: operatorProcedure.input(reportGenerateInputSchema).mutation(({ ctx, input }) => ctx.services.reports.generate(ctx.actor, input)),
});
