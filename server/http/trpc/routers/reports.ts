import { reportGenerateInputSchema, reportsListInputSchema } from '../../../../shared/console-api.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

export const reportsRouter = router({
  list: viewerProcedure.input(reportsListInputSchema).query(({ ctx, input }) => ctx.services.reports.list(input)),
  generate: adminProcedure.input(reportGenerateInputSchema).mutation(({ ctx, input }) => ctx.services.reports.generate(ctx.actor, input)),
});
