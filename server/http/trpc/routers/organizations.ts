import { TRPCError } from '@trpc/server';
import { randomUUID } from 'node:crypto';
import { alertsListInputSchema, idInputSchema, insightsInputSchema, outboxListInputSchema, reportGenerateInputSchema, reportsListInputSchema } from '../../../../shared/console-api.ts';
import { QueueName } from '../../../../shared/queues.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

const offset = (i: { page: number; pageSize: number }) => ({ limit: i.pageSize, offset: (i.page - 1) * i.pageSize });

export const orgsRouter = router({
  /** Organizations with their integrations (no credentials) for the console's pickers and pages. */
  list: viewerProcedure.query(async ({ ctx }) => {
    const [orgs, integrations] = await Promise.all([ctx.services.store.listOrganizations(), ctx.services.store.listIntegrations()]);
    return orgs.map((o) => ({ ...o, integrations: integrations.filter((i) => i.organizationId === o.id) }));
  }),
});

export const alertsRouter = router({
  list: viewerProcedure.input(alertsListInputSchema).query(async ({ ctx, input }) => {
    const r = await ctx.services.store.alerts.list({ organizationId: input.organizationId, severity: input.severity, status: input.status, ...offset(input) });
    return { ...r, page: input.page, pageSize: input.pageSize };
  }),
  acknowledge: adminProcedure.input(idInputSchema).mutation(({ ctx, input }) => ctx.services.actions.acknowledgeAlert(ctx.actor, ctx.services.store, input.id)),
});

export const insightsRouter = router({
  /** The latest stored insights for an organization and period (null before the first run). */
  get: viewerProcedure.input(insightsInputSchema).query(async ({ ctx, input }) => (await ctx.services.store.insights.get(input.organizationId, input.period)) ?? null),
  /** Generates them now (the guide's scheduleImmediateInsights). */
  generate: adminProcedure.input(insightsInputSchema).mutation(async ({ ctx, input }) => {
    if (!(await ctx.services.store.getOrganization(input.organizationId))) throw new TRPCError({ code: 'NOT_FOUND', message: `Organization "${input.organizationId}" not found` });
    const job = await ctx.services.actions.addJob(ctx.actor, QueueName.INSIGHTS_GENERATION, { organizationId: input.organizationId, period: input.period, forceRegenerate: true }, { priority: 1 });
    return { jobId: job.id };
  }),
});

export const reportsRouter = router({
  list: viewerProcedure.input(reportsListInputSchema).query(async ({ ctx, input }) => {
    const r = await ctx.services.store.reports.list({ organizationId: input.organizationId, ...offset(input) });
    return { ...r, page: input.page, pageSize: input.pageSize };
  }),
  generate: adminProcedure.input(reportGenerateInputSchema).mutation(async ({ ctx, input }) => {
    if (!(await ctx.services.store.getOrganization(input.organizationId))) throw new TRPCError({ code: 'NOT_FOUND', message: `Organization "${input.organizationId}" not found` });
    const reportId = `${input.organizationId}-${input.reportType}-${randomUUID().slice(0, 8)}`;
    const job = await ctx.services.actions.addJob(ctx.actor, QueueName.REPORT_GENERATION, {
      reportId, organizationId: input.organizationId, reportType: input.reportType,
      period: input.reportType === 'weekly' ? '7d' : input.reportType === 'monthly' ? '30d' : '90d', recipientEmails: input.recipientEmails,
    });
    return { jobId: job.id, reportId };
  }),
});

export const outboxRouter = router({
  list: viewerProcedure.input(outboxListInputSchema).query(async ({ ctx, input }) => {
    const r = await ctx.services.store.outbox.list({ status: input.status, ...offset(input) });
    return { ...r, page: input.page, pageSize: input.pageSize };
  }),
  /** One email with its rendered HTML and text, for the preview. */
  get: viewerProcedure.input(idInputSchema).query(async ({ ctx, input }) => {
    const e = await ctx.services.store.outbox.get(input.id);
    if (!e) throw new TRPCError({ code: 'NOT_FOUND', message: `Email "${input.id}" not found` });
    return e;
  }),
});
