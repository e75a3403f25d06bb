import { z } from 'zod';
import type { Role } from '../../../../shared/auth.ts';
import {
  BULK_ACTIONS,
  bulkFilterSchema,
  bulkIdInputSchema,
  bulkPreviewSchema,
  bulkStartInputSchema,
  bulkStatusSchema,
  type BulkAction,
} from '../../../../shared/bulk.ts';
import { queueNameSchema } from '../../../../shared/queues.ts';
import { NotFoundError } from '../../../errors.ts';
import { assertRole, operatorProcedure, router } from '../init.ts';

/** Who may run each bulk action: removing is the admin's, as removing one job is. */
const BULK_ROLE: Record<BulkAction, Role> = { retry: 'operator', promote: 'operator', remove: 'admin' };

/**
 * Acting on every job a filter matches: an operator's for retry and promote, the admin's for remove. The action is in
 * the input (or, for cancel, in the stored operation), so its level is checked here, server side, after the operator
 * check every call passes first. A viewer sees none of it.
 */
export const bulkRouter = router({
  /** How many jobs the filter matches now (the confirmation's N); with an action, also checks it applies. */
  preview: operatorProcedure
    .input(z.object({ filter: bulkFilterSchema, action: z.enum(BULK_ACTIONS).optional() }))
    .output(bulkPreviewSchema)
    .query(({ ctx, input }) => {
      if (input.action) assertRole(ctx.user, BULK_ROLE[input.action]);
      return ctx.services.bulk.preview(input.filter, input.action);
    }),
  start: operatorProcedure
    .input(bulkStartInputSchema)
    .output(bulkStatusSchema)
    .mutation(({ ctx, input }) => {
      assertRole(ctx.user, BULK_ROLE[input.action]);
      return ctx.services.bulk.start(ctx.actor, input.filter, input.action);
    }),
  status: operatorProcedure
    .input(bulkIdInputSchema)
    .output(bulkStatusSchema)
    .query(async ({ ctx, input }) => {
      const status = await ctx.services.bulk.status(input.id);
      if (!status) throw new NotFoundError(`Bulk operation ${input.id} not found`);
      return status;
    }),
  /** The latest operations (of a queue): the console finds one still running after a reload. */
  recent: operatorProcedure
    .input(z.object({ queue: queueNameSchema.optional() }))
    .output(z.array(bulkStatusSchema))
    .query(({ ctx, input }) => ctx.services.bulk.recent(input.queue)),
  /** Cancelling takes the role of the operation's action: an operator does not stop an admin's removal halfway. */
  cancel: operatorProcedure
    .input(bulkIdInputSchema)
    .output(bulkStatusSchema)
    .mutation(async ({ ctx, input }) => {
      const status = await ctx.services.bulk.status(input.id);
      if (!status) throw new NotFoundError(`Bulk operation ${input.id} not found`);
      assertRole(ctx.user, BULK_ROLE[status.action]);
      return ctx.services.bulk.cancel(ctx.actor, input.id);
    }),
});
