import { z } from 'zod';
import { metricRangeSchema, metricsInputSchema } from '../../../../shared/api.ts';
import { queueNameSchema } from '../../../../shared/queues.ts';
import { router, viewerProcedure } from '../init.ts';

export const metricsRouter = router({
  /** Completed and failed per bucket (one queue, or all summed) over 1 h / 24 h / 7 d. */
  throughput: viewerProcedure.input(metricsInputSchema).query(({ ctx, input }) => ctx.services.metrics.throughput(input.range, input.queue)),
  /** Per queue: jobs finished per minute over the last 5 minutes (the overview cards' rate). */
  rates: viewerProcedure.query(({ ctx }) => ctx.services.metrics.rates()),
  /** Waiting, active and failed over time, from the sampled depth history. */
  /** Every queue's wait and processing p50/p95/p99 (seconds) over the range, across all worker processes. */
  latency: viewerProcedure.input(z.object({ range: metricRangeSchema.default('1h') })).query(({ ctx, input }) => ctx.services.latency.all(input.range)),
  /** One queue's percentiles per minute (1 h) or hour (24 h, 7 d): the queue page's latency chart. */
  latencySeries: viewerProcedure
    .input(z.object({ queue: queueNameSchema, range: metricRangeSchema.default('1h') }))
    .query(({ ctx, input }) => ctx.services.latency.series(input.queue, input.range)),
  depth: viewerProcedure.input(metricsInputSchema).query(({ ctx, input }) => ctx.services.metrics.depth(input.range, input.queue)),
});
