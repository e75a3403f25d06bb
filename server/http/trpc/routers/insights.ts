import { insightsInputSchema } from '../../../../shared/console-api.ts';
import { insightsViewSchema } from '../../../../shared/insights.ts';
import { operatorProcedure, router, viewerProcedure } from '../init.ts';

export const insightsRouter = router({
  /** The latest insights for an organization and period as the console shows them (null before the first run). */
  get: viewerProcedure
    .input(insightsInputSchema)
    .output(insightsViewSchema.nullable())
    .query(({ ctx, input }) => ctx.services.insights.get(input.organizationId, input.period)),
  /** Generates them now (the guide's scheduleImmediateInsights). */
  generate: operatorProcedure
    .input(insightsInputSchema)
    .mutation(({ ctx, input }) => ctx.services.insights.generate(ctx.actor, input.organizationId, input.period)),
});
