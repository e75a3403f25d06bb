import type { Authenticator } from '../auth/authenticator.ts';
import type { RateLimiter } from '../auth/rate-limit.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logger.ts';
import type { DepthHistory } from '../monitoring/depth-history.ts';
import type { QueueActions } from '../monitoring/queue-actions.ts';
import type { StatsHub } from '../monitoring/stats-hub.ts';
import type { JobScheduler } from '../queue/job-scheduler.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { WebhookSecretLookup } from '../webhooks/secrets.ts';
import type { Store } from '../domain/store/store.ts';

/** Everything the HTTP layer calls; built once by createApiServices and passed in. */
export interface ApiServices {
  queueService: QueueService;
  /** The domain store: organizations, alerts, insights, reports, the outbox. */
  store: Store;
  jobScheduler: JobScheduler;
  actions: QueueActions;
  audit: AuditLog;
  auth: Authenticator;
  loginLimiter: RateLimiter;
  statsHub: StatsHub;
  depth: DepthHistory;
  webhookSecret: WebhookSecretLookup;
  log: Logger;
  bodyLimit: string;
}

import type { Config } from '../config.ts';
import type { Redis } from '../redis.ts';
import { Authenticator as AuthenticatorImpl } from '../auth/authenticator.ts';
import { RateLimiter as RateLimiterImpl } from '../auth/rate-limit.ts';
import { SessionStore } from '../auth/sessions.ts';
import { hashPassword, type AdminCredential } from '../auth/passwords.ts';
import { AuditLog as AuditLogImpl } from '../audit/audit-log.ts';
import { DepthHistory as DepthHistoryImpl } from '../monitoring/depth-history.ts';
import { QueueActions as QueueActionsImpl } from '../monitoring/queue-actions.ts';
import { StatsHub as StatsHubImpl } from '../monitoring/stats-hub.ts';
import { secretsFromConfig } from '../webhooks/secrets.ts';

export interface ApiServicesInput {
  config: Pick<Config, 'QUEUE_PREFIX' | 'SESSION_TTL_SEC' | 'LOGIN_MAX_ATTEMPTS' | 'BODY_LIMIT' | 'VIEWER_PASSWORD' | 'API_TOKEN' | 'VIEWER_API_TOKEN'> & Record<string, unknown>;
  connection: Redis;
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
  const auth = new AuthenticatorImpl(
    {
      adminPasswordHash: input.admin.hash,
      viewerPasswordHash: config.VIEWER_PASSWORD ? hashPassword(config.VIEWER_PASSWORD) : undefined,
      apiToken: config.API_TOKEN,
      viewerApiToken: config.VIEWER_API_TOKEN,
    },
    sessions,
  );
  const readOverview = () => queueService.getOverview();
  return {
    queueService,
    store: input.store,
    jobScheduler: input.jobScheduler,
    audit,
    actions: new QueueActionsImpl({ queueService, audit, log }),
    auth,
    loginLimiter: new RateLimiterImpl(connection, { prefix: keys, max: config.LOGIN_MAX_ATTEMPTS, windowSec: 15 * 60 }),
    statsHub: new StatsHubImpl(readOverview, input.statsIntervalMs ?? 1500, (err) => log.warn({ err: err.message }, 'Live stats poll failed')),
    depth: new DepthHistoryImpl(connection, keys, readOverview),
    webhookSecret: input.webhookSecret ?? secretsFromConfig(config),
    log,
    bodyLimit: config.BODY_LIMIT,
  };
}
