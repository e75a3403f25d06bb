import fs from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type RequestHandler } from 'express';
import { healthHandler, livezHandler, readyzHandler, type HealthDeps } from './health.ts';
import { authRoutes } from './auth-routes.ts';
import { oidcRoutes } from './oidc-routes.ts';
import { compressResponses, consoleFiles } from './console-files.ts';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.ts';
import { REDIS_UNAVAILABLE, errorHandler, relabelRedisUnavailable, sendError } from './errors.ts';
import { authenticate, csrfGuard, trustProxySetting } from './middleware/auth.ts';
import { requestId } from './middleware/request-id.ts';
import { requestLog } from './middleware/request-log.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { failuresRestRoutes } from './rest/failures-routes.ts';
import { exportRestRoutes } from './rest/export-routes.ts';
import { jobsRestRoutes } from './rest/jobs-routes.ts';
import { reportsRestRoutes } from './rest/reports-routes.ts';
import { retryRestRoutes } from './rest/retry-routes.ts';
import { schedulesRestRoutes } from './rest/schedules-routes.ts';
import { workersRestRoutes } from './rest/workers-routes.ts';
import { httpMetrics } from '../observability/http-metrics.ts';
import { metricsHandler } from '../observability/metrics-route.ts';
import type { Metrics } from '../observability/prometheus.ts';
import type { ApiServices } from './services.ts';
import { contextFromRequest } from './trpc/context.ts';
import { appRouter } from './trpc/router.ts';
import { fastQueries } from './trpc/fast-queries.ts';
import { createCallerFactory } from './trpc/init.ts';
import { webhookRoutes } from './webhooks-route.ts';

export interface AppDeps {
  services: ApiServices;
  health: HealthDeps;
  /** The console's built files (`npm run build`); served at / when present. */
  clientDir?: string;
  /** GET /metrics and the HTTP timings; METRICS_TOKEN, when set, is the scrape's own bearer token. */
  metrics?: { metrics: Metrics; token?: string };
  /** TRUST_PROXY: which peers' X-Forwarded-* headers count (client address and HTTPS); see trustProxySetting. */
  trustProxy?: string;
  /** Tracing's server spans (server/tracing), only when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  httpSpans?: RequestHandler;
}

/**
 * The HTTP app. Public: /healthz, /livez, /readyz, sign-in, static files, signed webhooks. Everything else needs a
 * session or a bearer token; actions need the admin role; cookie-borne writes must be same-origin.
 */
export function createApp(deps: AppDeps): express.Express {
  const { services } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(deps.trustProxy));
  // First: every response echoes X-Request-Id, and every line logged for a request carries it (req.log).
  app.use(requestId(services.log));
  app.use(securityHeaders());
  app.use(compressResponses());
  // Orchestrators' probes: public, cheap, and ahead of the request log, which would write an error line
  // for every 503 probe through a Redis outage (the outage itself is logged once by the connection).
  app.get('/livez', livezHandler());
  app.get(
    '/readyz',
    readyzHandler(() => deps.health),
  );
  if (deps.httpSpans) app.use(deps.httpSpans);
  if (deps.metrics) app.use(httpMetrics(deps.metrics.metrics));
  app.use(requestLog(services.log));

  app.get('/healthz', healthHandler(deps.health));
  // Webhooks carry their own signature and need the raw body: before any JSON parser and auth.
  app.use(
    '/api/webhooks',
    webhookRoutes({ queueService: services.queueService, secretFor: services.webhookSecret, bodyLimit: services.bodyLimit, log: services.log }),
  );

  // Only where a user matters: the console's page and assets need no session lookup, so during a Redis outage a
  // reload still gets them (and shows the outage) instead of the lookup's 503.
  app.use(['/api', '/trpc', BULL_BOARD_PATH, '/metrics'], authenticate(services.auth));
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics.metrics, { token: deps.metrics.token, apiAuth: true }));
  // tRPC right after authentication: the console's polls pass no layer they do not need (JSON parsing, CSRF and
  // every REST router are /api's). No requireUser here: every procedure checks the user and answers 401 in tRPC's
  // own format.
  // Successful reads skip tRPC's fetch adapter; everything else (errors included) goes on to it.
  const trpcContext = contextFromRequest(services);
  app.use('/trpc', fastQueries({ router: appRouter, createCaller: createCallerFactory(appRouter), createContext: (req) => trpcContext({ req }) }));
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req, res }) => ({ ...trpcContext({ req }), failedReads: res.locals.trpcFailedReads }),
      maxBodySize: parseBodyLimit(services.bodyLimit),
      onError: ({ error, path: p, req }) => {
        // Redis down or not answering: 503 as REST answers (not logged per call: the connection logs the outage once).
        if (relabelRedisUnavailable(error)) return;
        if (error.code === 'INTERNAL_SERVER_ERROR') (req.log ?? services.log).error({ err: error.cause ?? error, path: p }, 'tRPC procedure failed');
      },
      responseMeta: ({ errors }) =>
        errors.some((e) => e.code === REDIS_UNAVAILABLE.trpcCode) ? { headers: { 'Retry-After': String(REDIS_UNAVAILABLE.retryAfterSec) } } : {},
    }),
  );
  // Bull Board parses JSON itself (100 kb); parsing here first holds it to our limit too.
  app.use(['/api', BULL_BOARD_PATH], express.json({ limit: services.bodyLimit }));
  // tRPC checks CSRF inside (init.ts), so its refusals come back in the format its client reads.
  app.use(['/api', BULL_BOARD_PATH], csrfGuard);
  app.use('/api/auth', authRoutes({ auth: services.auth, loginLimiter: services.loginLimiter, log: services.log }));
  // Single sign-on: the browser's trips to the identity provider and back (server/oidc); no routes unless OIDC_ISSUER is set.
  app.use('/api/auth/oidc', oidcRoutes(services));
  // Before the guide's /api/jobs/:queue routes; GET /api/jobs/:queue/export streams a state's jobs as NDJSON or CSV.
  app.use(
    '/api/jobs',
    exportRestRoutes({
      queueService: services.queueService,
      groupJobIds: (queue, fingerprint, from, count) => services.failures.groupJobIds(queue, fingerprint, from, count),
      log: services.log,
    }),
  );
  app.use('/api/jobs', jobsRestRoutes({ queueService: services.queueService, actions: services.actions, latency: services.latency }));
  app.use('/api/reports', reportsRestRoutes({ store: services.store }));
  app.use('/api/workers', workersRestRoutes({ workers: services.workers }));
  app.use('/api/failures', failuresRestRoutes({ failures: services.failures }));
  app.use(BULL_BOARD_PATH, bullBoardRouter({ queueService: services.queueService, actions: services.actions, log: services.log }));
  // The operator CLI's (cli/): several ids retried as one action, and the schedules list.
  app.use('/api/jobs', retryRestRoutes({ actions: services.actions }));
  app.use('/api/schedules', schedulesRestRoutes({ schedules: services.schedules }));
  app.use('/api', (_req, res) => sendError(res, 404, 'NOT_FOUND', 'No such endpoint'));

  const clientDir = deps.clientDir ?? path.resolve('dist/client');
  if (fs.existsSync(path.join(clientDir, 'index.html'))) app.use(consoleFiles(clientDir));
  app.use(errorHandler(services.log));
  return app;
}

function parseBodyLimit(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!m) return 1024 * 1024;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.round(Number(m[1]) * unit);
}
