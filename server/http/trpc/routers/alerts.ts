import { alertsListInputSchema, idInputSchema } from '../../../../shared/console-api.ts';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init.ts';

export const alertsRouter = router({
  list: viewerProcedure.input(alertsListInputSchema).query(({ ctx, input }) => ctx.services.alerts.list(input)),
  acknowledge: operatorProcedure.input(idInputSchema).mutation(({ ctx, input }) => ctx.services.alerts.acknowledge(ctx.actor, input.id)),
  /** Queue-health notification channels (SLACK_WEBHOOK_URL, ALERT_WEBHOOK_URL, OPS_EMAILS) and each one's last delivery. */
  notificationChannels: viewerProcedure.query(({ ctx }) => ctx.services.alerts.notificationChannels()),
  sendTestNotification: adminProcedure.mutation(({ ctx }) => ctx.services.alerts.sendTestNotification(ctx.actor)),
});
