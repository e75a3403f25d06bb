import { z } from 'zod';
import { BULK_ACTIONS, bulkFilterSchema, bulkIdInputSchema, bulkPreviewSchema, bulkStartInputSchema, bulkStatusSchema } from '../../../../shared/bulk.ts';
import { queueNameSchema } from '../../../../shared/queues.ts';
import { NotFoundError } from '../../../errors.ts';
import { adminProcedure, router } from '../init.ts';

/** Acting on every job a filter matches. All of it is the admin's: a viewer sees none of it. */
export const bulkRouter = router({
  /** How many jobs the filter matches now (the confirmation's N); with an action, also checks it applies. */
  preview: adminProcedure
    .input(z.object({ filter: bulkFilterSchema, action: z.enum(BULK_ACTIONS).optional() }))
    .output(bulkPreviewSchema)
    .query(({ ctx, input }) => ctx.services.bulk.preview(input.filter, input.action)),
  start: adminProcedure
    .input(bulkStartInputSchema)
    .output(bulkStatusSchema)
    .mutation(({ ctx, input }) => ctx.services.bulk.start(ctx.actor, input.filter, input.action)),
  status: adminProcedure
    .input(bulkIdInputSchema)
    .output(bulkStatusSchema)
    .query(async ({ ctx, input }) => {
      const status = await ctx.services.bulk.status(input.id);
      if (!status) throw new NotFoundError(`Bulk operation ${input.id} not found`);
      return status;
    }),
  /** The latest operations (of a queue): the console finds one still running after a reload. */
  recent: adminProcedure
    .input(z.object({ queue: queueNameSchema.optional() }))
    .output(z.array(bulkStatusSchema))
    .query(({ ctx, input }) => ctx.services.bulk.recent(input.queue)),
  cancel: adminProcedure
    .input(bulkIdInputSchema)
    .output(bulkStatusSchema)
    .mutation(({ ctx, input }) => ctx.services.bulk.cancel(ctx.actor, input.id)),
});
