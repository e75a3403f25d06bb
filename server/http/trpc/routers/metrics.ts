import { metricsInputSchema } from '../../../../shared/api.ts';
import { QUEUE_NAMES } from '../../../../shared/queues.ts';
import { readRate, readThroughput, type ThroughputPoint } from '../../../monitoring/throughput.ts';
import { router, viewerProcedure } from '../init.ts';

export const metricsRouter = router({
  /** Completed and failed per bucket (one queue, or all summed) over 1 h / 24 h / 7 d. */
  throughput: viewerProcedure.input(metricsInputSchema).query(async ({ ctx, input }) => {
    const names = input.queue ? [input.queue] : QUEUE_NAMES;
    const now = Date.now();
    const series = await Promise.all(names.map((n) => readThroughput(ctx.services.queueService.queue(n), input.range, now)));
    const points: ThroughputPoint[] = series[0].points.map((p, i) => ({
      t: p.t,
      completed: series.reduce((sum, s) => sum + s.points[i].completed, 0),
      failed: series.reduce((sum, s) => sum + s.points[i].failed, 0),
    }));
    return { range: input.range, bucketMinutes: series[0].bucketMinutes, points };
  }),

  /** Per queue: jobs finished per minute over the last 5 minutes (the overview cards' rate). */
  rates: viewerProcedure.query(async ({ ctx }) => {
    const now = Date.now();
    const rates = await Promise.all(QUEUE_NAMES.map((n) => readRate(ctx.services.queueService.queue(n), 5, now)));
    return Object.fromEntries(QUEUE_NAMES.map((n, i) => [n, rates[i]]));
  }),

  /** Waiting, active and failed over time, from the sampled depth history. */
  depth: viewerProcedure.input(metricsInputSchema).query(async ({ ctx, input }) => ({
    range: input.range,
    points: await ctx.services.depth.read(input.range, input.queue),
  })),
});
