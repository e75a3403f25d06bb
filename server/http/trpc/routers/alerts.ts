import { alertsListInputSchema, idInputSchema } from '../../../../shared/console-api.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

export const alertsRouter = router({
  list: viewerProcedure.input(alertsListInputSchema).query(({ ctx, input }) => ctx.services.alerts.list(input)),
  acknowledge: adminProcedure.input(idInputSchema).mutation(({ ctx, input }) => ctx.services.alerts.acknowledge(ctx.actor, input.id)),
});
