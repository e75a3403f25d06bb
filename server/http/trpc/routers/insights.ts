import { insightsInputSchema } from '../../../../shared/console-api.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

export const insightsRouter = router({
  /** The latest stored insights for an organization and period (null before the first run). */
  get: viewerProcedure.input(insightsInputSchema).query(({ ctx, input }) => ctx.services.insights.get(input.organizationId, input.period)),
  /** Generates them now (the guide's scheduleImmediateInsights). */
  generate: adminProcedure
    .input(insightsInputSchema)
    .mutation(({ ctx, input }) => ctx.services.insights.generate(ctx.actor, input.organizationId, input.period)),
});
