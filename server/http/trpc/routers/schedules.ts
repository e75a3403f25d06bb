import { z } from 'zod';
import { scheduleRefSchema, scheduleUpsertSchema } from '../../../../shared/api.ts';
import { queueNameSchema } from '../../../../shared/queues.ts';
import { parseCron } from '../../../queue/cron.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

/** The last time a cron pattern fired before now (BullMQ keeps no "last run" of a scheduler). */
function lastRun(pattern: string | null, tz: string | null): number | null {
  if (!pattern) return null;
  try {
    return parseCron(pattern, tz ?? undefined).prev().getTime();
  } catch {
    return null;
  }
}

export const schedulesRouter = router({
  list: viewerProcedure.input(z.object({ queue: queueNameSchema.optional() }).optional()).query(async ({ ctx, input }) => {
    const schedules = await ctx.services.queueService.listRecurringJobs(input?.queue);
    return schedules.map((s) => ({ ...s, // BullMQ counts the pending next run in iterationCount: above 1 means it has fired before.
      last: s.iterationCount > 1 ? lastRun(s.pattern, s.tz) : null }));
  }),
  upsert: adminProcedure.input(scheduleUpsertSchema).mutation(({ ctx, input }) => ctx.services.actions.upsertSchedule(ctx.actor, input)),
  remove: adminProcedure.input(scheduleRefSchema).mutation(async ({ ctx, input }) => ({ removed: await ctx.services.actions.removeSchedule(ctx.actor, input.queue, input.name) })),
  runNow: adminProcedure.input(scheduleRefSchema).mutation(({ ctx, input }) => ctx.services.actions.runSchedule(ctx.actor, input.queue, input.name)),
});
