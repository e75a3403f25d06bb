import { router } from './init.ts';
import { alertsRouter } from './routers/alerts.ts';
import { auditRouter } from './routers/audit.ts';
import { authRouter } from './routers/auth.ts';
import { bulkRouter } from './routers/bulk.ts';
import { failuresRouter } from './routers/failures.ts';
import { insightsRouter } from './routers/insights.ts';
import { jobsRouter } from './routers/jobs.ts';
import { metricsRouter } from './routers/metrics.ts';
import { orgsRouter } from './routers/orgs.ts';
import { outboxRouter } from './routers/outbox.ts';
import { queuesRouter } from './routers/queues.ts';
import { reportsRouter } from './routers/reports.ts';
import { schedulesRouter } from './routers/schedules.ts';
import { tokensRouter } from './routers/tokens.ts';
import { usersRouter } from './routers/users.ts';
import { workersRouter } from './routers/workers.ts';

/** The console's whole API. The client imports only `type AppRouter`. */
export const appRouter = router({
  auth: authRouter,
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
  workers: workersRouter,
  failures: failuresRouter,
  bulk: bulkRouter,
  users: usersRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
