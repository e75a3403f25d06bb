import { failureGroupInputSchema, failureGroupsInputSchema } from '../../../../shared/failures.ts';
import { router, viewerProcedure } from '../init.ts';

export const failuresRouter = router({
  /** Error groups seen within the range, on one queue or all, newest spike first (the Failures page). */
  groups: viewerProcedure.input(failureGroupsInputSchema).query(({ ctx, input }) => ctx.services.failures.groups(input)),
  /** One group: sample message and stack, 24 h sparkline, and a page of its jobs still failed. */
  group: viewerProcedure.input(failureGroupInputSchema).query(({ ctx, input }) => ctx.services.failures.group(input.fingerprint, input.page)),
});
