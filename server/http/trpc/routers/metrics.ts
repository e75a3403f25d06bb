import { metricsInputSchema } from '../../../../shared/api.ts';
import { router, viewerProcedure } from '../init.ts';

export const metricsRouter = router({
  /** Completed and failed per bucket (one queue, or all summed) over 1 h / 24 h / 7 d. */
  throughput: viewerProcedure.input(metricsInputSchema).query(({ ctx, input }) => ctx.services.metrics.throughput(input.range, input.queue)),
  /** Per queue: jobs finished per minute over the last 5 minutes (the overview cards' rate). */
  rates: viewerProcedure.query(({ ctx }) => ctx.services.metrics.rates()),
  /** Waiting, active and failed over time, from the sampled depth history. */
  depth: viewerProcedure.input(metricsInputSchema).query(({ ctx, input }) => ctx.services.metrics.depth(input.range, input.queue)),
});
