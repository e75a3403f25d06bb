import { router } from './init.ts';
import { auditRouter } from './routers/audit.ts';
import { jobsRouter } from './routers/jobs.ts';
import { metricsRouter } from './routers/metrics.ts';
import { meRouter, queuesRouter } from './routers/queues.ts';
import { schedulesRouter } from './routers/schedules.ts';
import { alertsRouter, insightsRouter, orgsRouter, outboxRouter, reportsRouter } from './routers/organizations.ts';

/** The console's whole API. The client imports only `type AppRouter`. */
export const appRouter = router({
  auth: meRouter,
  queues: queuesRouter,
  jobs: jobsRouter,
  metrics: metricsRouter,
  schedules: schedulesRouter,
  audit: auditRouter,
  orgs: orgsRouter,
  alerts: alertsRouter,
  insights: insightsRouter,
  reports: reportsRouter,
  outbox: outboxRouter,
});

export type AppRouter = typeof appRouter;
