import { auditListInputSchema } from '../../../../shared/api.ts';
import { router, viewerProcedure } from '../init.ts';

export const auditRouter = router({
  /** Newest first, paginated; `user` keeps one person's (or token's) entries. Viewers may read who did what. */
  list: viewerProcedure.input(auditListInputSchema).query(({ ctx, input }) => ctx.services.audit.list(input.page, input.pageSize, { user: input.user })),
  /** The people and tokens with entries, most recently active first: the choices of the console's person filter. */
  people: viewerProcedure.query(({ ctx }) => ctx.services.audit.people()),
});
