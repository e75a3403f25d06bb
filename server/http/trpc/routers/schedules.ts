import { z } from 'zod';
import { scheduleRefSchema, scheduleUpsertSchema } from '../../../../shared/api.ts';
import { queueNameSchema } from '../../../../shared/queues.ts';
import { scheduleIntervalInputSchema } from '../../../../shared/schedules.ts';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init.ts';

/**
 * Changes go through the schedules service: it keeps managed schedules' edits where they last, or refuses them.
 * Creating, changing and removing a schedule is the admin's; an operator runs one now or sets a sync's interval.
 */
export const schedulesRouter = router({
  list: viewerProcedure.input(z.object({ queue: queueNameSchema.optional() }).optional()).query(({ ctx, input }) => ctx.services.schedules.list(input?.queue)),
  upsert: adminProcedure.input(scheduleUpsertSchema).mutation(({ ctx, input }) => ctx.services.schedules.upsert(ctx.actor, input)),
  /** A managed sync schedule's interval, stored on its integration (null: the platform's default). */
  setInterval: operatorProcedure.input(scheduleIntervalInputSchema).mutation(({ ctx, input }) => ctx.services.schedules.setInterval(ctx.actor, input)),
  remove: adminProcedure
    .input(scheduleRefSchema)
    .mutation(async ({ ctx, input }) => ({ removed: await ctx.services.schedules.remove(ctx.actor, input.queue, input.name) })),
  runNow: operatorProcedure.input(scheduleRefSchema).mutation(({ ctx, input }) => ctx.services.actions.runSchedule(ctx.actor, input.queue, input.name)),
});
