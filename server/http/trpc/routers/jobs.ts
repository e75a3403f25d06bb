import { addJobInputSchema, jobRefSchema, jobRefsSchema, listJobsInputSchema, searchInputSchema } from '../../../../shared/api.ts';
import { searchJobs } from '../../../monitoring/job-search.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

export const jobsRouter = router({
  /** One page of a state's jobs, newest first. */
  list: viewerProcedure.input(listJobsInputSchema).query(async ({ ctx, input }) => {
    const { jobs, total } = await ctx.services.queueService.listJobs(input.queue, input.state, input.page, input.pageSize);
    return { jobs, total, page: input.page, pageSize: input.pageSize, pages: Math.max(1, Math.ceil(total / input.pageSize)) };
  }),

  get: viewerProcedure.input(jobRefSchema).query(({ ctx, input }) => ctx.services.queueService.getJobDetail(input.queue, input.id)),

  /** Text search over ids, names and data; bounded by maxScan and says when it stopped early. */
  search: viewerProcedure.input(searchInputSchema).query(({ ctx, input }) =>
    searchJobs(ctx.services.queueService.queue(input.queue), { text: input.text, state: input.state, limit: input.limit, maxScan: input.maxScan }),
  ),

  add: adminProcedure.input(addJobInputSchema).mutation(({ ctx, input }) => ctx.services.actions.addJob(ctx.actor, input.queue, input.data, input.opts)),
  retry: adminProcedure.input(jobRefsSchema).mutation(({ ctx, input }) => ctx.services.actions.retryJobs(ctx.actor, input.queue, input.ids)),
  remove: adminProcedure.input(jobRefsSchema).mutation(({ ctx, input }) => ctx.services.actions.removeJobs(ctx.actor, input.queue, input.ids)),
  promote: adminProcedure.input(jobRefsSchema).mutation(({ ctx, input }) => ctx.services.actions.promoteJobs(ctx.actor, input.queue, input.ids)),
});
