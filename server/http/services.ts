import type { Authenticator } from '../auth/authenticator.ts';
import type { UserService } from '../users/user-service.ts';
import { createOidcLogin, type OidcConfig, type OidcLogin } from '../oidc/oidc-login.ts';
import type { LoginLimiter } from '../auth/rate-limit.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logger.ts';
import type { DepthHistory } from '../monitoring/depth-history.ts';
import type { MetricsService } from '../monitoring/metrics-service.ts';
import type { QueueActions } from '../monitoring/queue-actions.ts';
import type { StatsHub } from '../monitoring/stats-hub.ts';
import type { JobScheduler } from '../queue/job-scheduler.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { AlertsService } from '../services/alerts-service.ts';
import type { InsightsService } from '../services/insights-service.ts';
import type { JobsService } from '../services/jobs-service.ts';
import type { OrganizationsService } from '../services/organizations-service.ts';
import type { OutboxService } from '../services/outbox-service.ts';
import type { ReportsService } from '../services/reports-service.ts';
import type { SchedulesService } from '../services/schedules-service.ts';
import type { WebhookSecretLookup } from '../webhooks/secrets.ts';
import type { Store } from '../domain/store/store.ts';
import type { WorkerRegistry } from '../workers/worker-registry.ts';
import { LatencyService } from '../observability/latency-service.ts';
import { FailureReader } from '../failures/failure-reader.ts';
import { BulkEngine } from '../bulk/bulk-engine.ts';
import type { GroupJobIds } from '../bulk/matching-jobs.ts';

/** Everything the HTTP layer calls; built once by createApiServices and passed in. */
export interface ApiServices {
  queueService: QueueService;
  /** The domain store: organizations, alerts, insights, reports, the outbox. */
  store: Store;
  jobScheduler: JobScheduler;
  /** Every audited state change of queues, jobs and schedules. */
  actions: QueueActions;
  /** What the routers read and do, one service per area of the console. */
  jobs: JobsService;
  metrics: MetricsService;
  schedules: SchedulesService;
  organizations: OrganizationsService;
  alerts: AlertsService;
  insights: InsightsService;
  reports: ReportsService;
  outbox: OutboxService;
  audit: AuditLog;
  auth: Authenticator;
  /** Accounts, invites and personal API tokens (server/users); the same object as auth.users. */
  users: UserService;
  /** Single sign-on (server/oidc); undefined unless OIDC_ISSUER is set. */
  oidc?: OidcLogin;
  loginLimiter: LoginLimiter;
  statsHub: StatsHub;
  depth: DepthHistory;
  /** Wait and processing percentiles over every worker process (the overview cards, the queue page, REST). */
  latency: LatencyService;
  /** The worker processes' heartbeats: the Workers page and GET /api/workers. */
  workers: WorkerRegistry;
  /** Error groups recorded by the workers: the Failures page and GET /api/failures. */
  failures: FailureReader;
  /** Acting on every job a filter matches, in batches, resumable (server/bulk). */
  bulk: BulkEngine;
  webhookSecret: WebhookSecretLookup;
  log: Logger;
  bodyLimit: string;
}

import type { Config } from '../config.ts';
import type { Redis } from '../redis.ts';
import { Authenticator as AuthenticatorImpl } from '../auth/authenticator.ts';
import { LoginLimiter as LoginLimiterImpl } from '../auth/rate-limit.ts';
import { SessionStore } from '../auth/sessions.ts';
import { hashPassword, type AdminCredential } from '../auth/passwords.ts';
import { UserService as UserServiceImpl } from '../users/user-service.ts';
import { UserStore } from '../users/user-store.ts';
import { AuditLog as AuditLogImpl } from '../audit/audit-log.ts';
import { DepthHistory as DepthHistoryImpl } from '../monitoring/depth-history.ts';
import { MetricsService as MetricsServiceImpl } from '../monitoring/metrics-service.ts';
import { QueueActions as QueueActionsImpl } from '../monitoring/queue-actions.ts';
import { StatsHub as StatsHubImpl } from '../monitoring/stats-hub.ts';
import { AlertsService as AlertsServiceImpl } from '../services/alerts-service.ts';
import { createNotificationCenter } from '../monitoring/notifications/center.ts';
import type { NotificationConfig } from '../monitoring/notifications/channels.ts';
import { InsightsService as InsightsServiceImpl } from '../services/insights-service.ts';
import { JobsService as JobsServiceImpl } from '../services/jobs-service.ts';
import { AttemptLog } from '../job-history/attempt-log.ts';
import { JobLinkStore } from '../job-history/job-links.ts';
import { OrganizationsService as OrganizationsServiceImpl } from '../services/organizations-service.ts';
import { OutboxService as OutboxServiceImpl } from '../services/outbox-service.ts';
import { ReportsService as ReportsServiceImpl } from '../services/reports-service.ts';
import { SchedulesService as SchedulesServiceImpl } from '../services/schedules-service.ts';
import { secretsFromConfig } from '../webhooks/secrets.ts';
import { WorkerRegistry as WorkerRegistryImpl } from '../workers/worker-registry.ts';
import { isRedisUnavailable } from './errors.ts';

export interface ApiServicesInput {
  config: Pick<
    Config,
    'QUEUE_PREFIX' | 'SESSION_TTL_SEC' | 'LOGIN_MAX_ATTEMPTS' | 'BODY_LIMIT' | 'VIEWER_PASSWORD' | 'API_TOKEN' | 'VIEWER_API_TOKEN' | 'ADMIN_EMAIL'
  > &
    OidcConfig &
    NotificationConfig &
    Record<string, unknown>;
  /** The request path's connection (runtime.requestConnection): sessions, the login limit, the audit log, depth history. */
  connection: Redis;
  /** Queue reads and actions for requests; over the request path's connection too (see build.ts). */
  queueService: QueueService;
  jobScheduler: JobScheduler;
  store: Store;
  admin: AdminCredential;
  log: Logger;
  webhookSecret?: WebhookSecretLookup;
  statsIntervalMs?: number;
}

/** Builds the HTTP layer's services. Its Redis keys live under `<QUEUE_PREFIX>:console:`. */
export function createApiServices(input: ApiServicesInput): ApiServices {
  const { config, connection, queueService, log } = input;
  const keys = `${config.QUEUE_PREFIX}:console`;
  const audit = new AuditLogImpl(connection, `${keys}:audit`);
  const sessions = new SessionStore(connection, { prefix: keys, ttlSec: config.SESSION_TTL_SEC });
  const { store } = input;
  const users = new UserServiceImpl({
    store: new UserStore(store.db),
    sessions,
    bootstrap: { email: config.ADMIN_EMAIL, passwordHash: input.admin.hash },
    log,
  });
  // The sign-in page offers single sign-on exactly when it is configured (one source: the OIDC settings).
  const oidc = createOidcLogin(config, { connection, prefix: keys, users, log });
  const auth = new AuthenticatorImpl(
    {
      viewerPasswordHash: config.VIEWER_PASSWORD ? hashPassword(config.VIEWER_PASSWORD) : undefined,
      apiToken: config.API_TOKEN,
      viewerApiToken: config.VIEWER_API_TOKEN,
      sso: oidc && { enabled: true, label: oidc.label },
    },
    sessions,
    users,
  );
  const readOverview = () => queueService.getOverview();
  const actions = new QueueActionsImpl({ queueService, audit, log });
  const depth = new DepthHistoryImpl(connection, keys, readOverview);
  const organizations = new OrganizationsServiceImpl(store);
  const failures = new FailureReader({ connection, prefix: config.QUEUE_PREFIX });
  return {
    queueService,
    store,
    jobScheduler: input.jobScheduler,
    audit,
    actions,
    jobs: new JobsServiceImpl(queueService, {
      attempts: new AttemptLog({ connection, prefix: config.QUEUE_PREFIX }),
      links: new JobLinkStore({ connection, prefix: config.QUEUE_PREFIX }),
      actions,
    }),
    metrics: new MetricsServiceImpl({ source: queueService, depth }),
    // Managed schedules (integration syncs, organization insights) are read against their owners in the store.
    schedules: new SchedulesServiceImpl({ queueService, owners: store, scheduler: input.jobScheduler, actions }),
    organizations,
    alerts: new AlertsServiceImpl({
      alerts: store.alerts,
      actions,
      notifications: createNotificationCenter({ config, connection, addJob: (data, opts) => queueService.addJob('alerts', data, opts) }),
    }),
    insights: new InsightsServiceImpl({ insights: store.insights, store, organizations, actions }),
    reports: new ReportsServiceImpl({ reports: store.reports, organizations, actions }),
    outbox: new OutboxServiceImpl(store.outbox),
    auth,
    users,
    oidc,
    // Per address twice the per-user limit: room for both users' mistakes, never reset by a success.
    loginLimiter: new LoginLimiterImpl(connection, {
      prefix: keys,
      maxPerUser: config.LOGIN_MAX_ATTEMPTS,
      maxPerAddress: 2 * config.LOGIN_MAX_ATTEMPTS,
      windowSec: 15 * 60,
    }),
    // A Redis outage fails every poll; the runtime's connection logs it once, not each poll.
    statsHub: new StatsHubImpl(readOverview, input.statsIntervalMs ?? 1500, (err) => {
      if (!isRedisUnavailable(err)) log.warn({ err: err.message }, 'Live stats poll failed');
    }),
    depth,
    latency: new LatencyService({ connection, prefix: config.QUEUE_PREFIX }),
    workers: new WorkerRegistryImpl({ connection, prefix: config.QUEUE_PREFIX }),
    failures,
    bulk: new BulkEngine({
      connection,
      queueService,
      prefix: config.QUEUE_PREFIX,
      audit,
      log,
      // An error group's job ids, once the failures module offers them (FailureReader.groupJobIds).
      groupJobIds: (failures as Partial<{ groupJobIds: GroupJobIds }>).groupJobIds?.bind(failures),
    }),
    webhookSecret: input.webhookSecret ?? secretsFromConfig(config),
    log,
    bodyLimit: config.BODY_LIMIT,
  };
}
