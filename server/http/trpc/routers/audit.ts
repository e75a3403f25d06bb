import { auditListInputSchema } from '../../../../shared/api.ts';
import { router, viewerProcedure } from '../init.ts';

export const auditRouter = router({
  /** Newest first, paginated. Viewers may read who did what; only admins act. */
  list: viewerProcedure.input(auditListInputSchema).query(({ ctx, input }) => ctx.services.audit.list(input.page, input.pageSize)),
});
