import { z } from 'zod';
import { scheduleRefSchema, scheduleUpsertSchema } from '../../../../shared/api.ts';
import { queueNameSchema } from '../../../../shared/queues.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

export const schedulesRouter = router({
  list: viewerProcedure.input(z.object({ queue: queueNameSchema.optional() }).optional()).query(({ ctx, input }) => ctx.services.schedules.list(input?.queue)),
  upsert: adminProcedure.input(scheduleUpsertSchema).mutation(({ ctx, input }) => ctx.services.actions.upsertSchedule(ctx.actor, input)),
  remove: adminProcedure
    .input(scheduleRefSchema)
    .mutation(async ({ ctx, input }) => ({ removed: await ctx.services.actions.removeSchedule(ctx.actor, input.queue, input.name) })),
  runNow: adminProcedure.input(scheduleRefSchema).mutation(({ ctx, input }) => ctx.services.actions.runSchedule(ctx.actor, input.queue, input.name)),
});
