import { idInputSchema, outboxListInputSchema } from '../../../../shared/console-api.ts';
import { router, viewerProcedure } from '../init.ts';

export const outboxRouter = router({
  list: viewerProcedure.input(outboxListInputSchema).query(({ ctx, input }) => ctx.services.outbox.list(input)),
  /** One email with its rendered HTML and text, for the preview. */
  get: viewerProcedure.input(idInputSchema).query(({ ctx, input }) => ctx.services.outbox.get(input.id)),
});
