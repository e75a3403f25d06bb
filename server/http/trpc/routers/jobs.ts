import { addJobInputSchema, jobRefSchema, jobRefsSchema, listJobsInputSchema, searchInputSchema } from '../../../../shared/api.ts';
import { editRetryInputSchema } from '../../../../shared/job-history.ts';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init.ts';

export const jobsRouter = router({
  /** One page of a state's jobs, newest first. */
  list: viewerProcedure.input(listJobsInputSchema).query(({ ctx, input }) => ctx.services.jobs.list(input)),
  get: viewerProcedure.input(jobRefSchema).query(({ ctx, input }) => ctx.services.jobs.get(input.queue, input.id)),
  /** Text search over ids, names and data; bounded by maxScan and says when it stopped early. */
  search: viewerProcedure.input(searchInputSchema).query(({ ctx, input }) => ctx.services.jobs.search(input)),

  add: operatorProcedure.input(addJobInputSchema).mutation(({ ctx, input }) => ctx.services.actions.addJob(ctx.actor, input.queue, input.data, input.opts)),
  retry: operatorProcedure.input(jobRefsSchema).mutation(({ ctx, input }) => ctx.services.actions.retryJobs(ctx.actor, input.queue, input.ids)),
  /** Removing is the admin's: an operator retries and promotes, never deletes. */
  remove: adminProcedure.input(jobRefsSchema).mutation(({ ctx, input }) => ctx.services.actions.removeJobs(ctx.actor, input.queue, input.ids)),
  /** "Edit data and retry" on a failed job: a new job with the fixed data, linked both ways; audited with the diff. */
  editRetry: operatorProcedure.input(editRetryInputSchema).mutation(({ ctx, input }) => ctx.services.jobs.editRetry(ctx.actor, input)),
  promote: operatorProcedure.input(jobRefsSchema).mutation(({ ctx, input }) => ctx.services.actions.promoteJobs(ctx.actor, input.queue, input.ids)),
});
