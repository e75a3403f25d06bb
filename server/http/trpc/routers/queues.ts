import { cleanCountInputSchema, cleanCountSchema, cleanInputSchema, queueInput } from '../../../../shared/api.ts';
import { readOldestWaits } from '../../../monitoring/oldest-waits.ts';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init.ts';

export const queuesRouter = router({
  /** Every queue's stats and paused flag, in one Redis round trip. */
  overview: viewerProcedure.query(({ ctx }) => ctx.services.queueService.getOverview()),

  /** Live overview over SSE: one shared Redis poll for every subscriber. */
  live: viewerProcedure.subscription(async function* ({ ctx, signal }) {
    yield* ctx.services.statsHub.stream(signal);
  }),

  get: viewerProcedure.input(queueInput).query(({ ctx, input }) => ctx.services.queueService.getQueueOverview(input.queue)),

  /** Per queue, the age of its oldest waiting job: one small script call per queue, kept out of the overview's one round trip. */
  oldestWaits: viewerProcedure.query(({ ctx }) => readOldestWaits(ctx.services.queueService)),

  pause: operatorProcedure.input(queueInput).mutation(async ({ ctx, input }) => {
    await ctx.services.actions.pause(ctx.actor, input.queue);
    return { paused: true };
  }),
  resume: operatorProcedure.input(queueInput).mutation(async ({ ctx, input }) => {
    await ctx.services.actions.resume(ctx.actor, input.queue);
    return { paused: false };
  }),
  /** Empty and clean delete jobs: the admin's alone. */
  empty: adminProcedure.input(queueInput).mutation(async ({ ctx, input }) => ({ removed: await ctx.services.actions.empty(ctx.actor, input.queue) })),
  /**
   * How many jobs a clean would remove now, where one Redis call can tell (completed, failed). A read of counts the
   * overview already shows per state, so any signed-in role may ask; only the clean itself is the admin's.
   */
  cleanCount: viewerProcedure
    .input(cleanCountInputSchema)
    .output(cleanCountSchema)
    .query(async ({ ctx, input }) => ({ olderThanGrace: await ctx.services.queueService.countCleanable(input.queue, input.graceMs, input.state) })),
  clean: adminProcedure.input(cleanInputSchema).mutation(async ({ ctx, input }) => ({ removed: await ctx.services.actions.clean(ctx.actor, input) })),
  retryAll: operatorProcedure.input(queueInput).mutation(async ({ ctx, input }) => ({ retried: await ctx.services.actions.retryAll(ctx.actor, input.queue) })),
  promoteAll: operatorProcedure
    .input(queueInput)
    .mutation(async ({ ctx, input }) => ({ promoted: await ctx.services.actions.promoteAll(ctx.actor, input.queue) })),
});
