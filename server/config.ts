import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { roleSchema } from '../shared/auth.ts';

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** `a, b,c` → ['a', 'b', 'c'] (blanks dropped). */
const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** OIDC_ROLE_MAP: `claim-value=role,…`; the last `=` splits, so a value may contain one. */
const roleMapSchema = commaList.transform((pairs, ctx) =>
  pairs.flatMap((pair) => {
    const i = pair.lastIndexOf('=');
    const value = pair.slice(0, i).trim();
    const role = roleSchema.safeParse(pair.slice(i + 1).trim());
    if (i <= 0 || !value || !role.success) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" must be claim-value=viewer|operator|admin` });
      return [];
    }
    return [{ value, role: role.data }];
  }),
);

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** Every setting the system reads, with its default. `.env.example` lists the same names. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: use 127.0.0.1:6379 if it answers, else start a private redis-server under DATA_DIR. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, hostname: /./, message: 'must be a redis:// or rediss:// URL' }).optional(),
  /** Redis Cluster seed nodes, `host:port,host:port,…`: every connection becomes an ioredis Cluster. */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s:,]+:\d+\s*(,\s*[^\s:,]+:\d+\s*)*$/, 'must be host:port,host:port,…')
    .transform((v) =>
      v.split(',').map((n) => {
        const [host, port] = n.trim().split(/:(?=\d+$)/);
        return { host, port: Number(port) };
      }),
    )
    .optional(),
  /** Password for REDIS_CLUSTER_NODES (a REDIS_URL carries its own). */
  REDIS_PASSWORD: z.string().optional(),
  /** TLS to the cluster nodes (a REDIS_URL says it with rediss://). */
  REDIS_TLS: bool.default(false),
  /** Allow the private redis-server when no Redis is configured; on by default except in production. */
  EMBEDDED_REDIS: bool.optional(),
  /** `npm run worker` serves /livez, /readyz and /metrics on this port when set. */
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** This process's name on the Workers page, in heartbeats and in BullMQ (CLIENT LIST); default hostname:pid. */
  WORKER_NAME: z.string().min(1).max(200).optional(),
  /** GET /metrics needs `Authorization: Bearer <this>` when set; otherwise the API's own auth (a viewer is enough). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** OpenTelemetry: spans go to this OTLP/HTTP endpoint when set (e.g. http://otel-collector:4318); off otherwise. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().default('bizinsights-jobs'),
  /** BullMQ key prefix. On Redis Cluster each queue gets its own hash tag (see README, Redis Cluster). */
  QUEUE_PREFIX: z.string().min(1).default('bizinsights'),
  /** Unset: SQLite under DATA_DIR. postgres://… once workers run on several machines. */
  DATABASE_URL: z.string().optional(),
  /** Seals integration credentials at rest; unset: a key generated once under DATA_DIR/secrets. */
  ENCRYPTION_KEY: z.string().min(16).optional(),
  /** Calls one integration may make per minute, across every worker (the platforms' limits are per account). */
  SYNC_CALLS_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Run workers + scheduler inside `npm start` (the product card's flag; on by default). */
  RUN_WORKERS: bool.default(true),
  RUN_SCHEDULER: bool.default(true),
  WORKER_STATS_INTERVAL_MS: ms(30_000),
  SHUTDOWN_TIMEOUT_MS: ms(30_000),
  /**
   * A crashed worker's jobs are taken over once its lock lapses and a stalled check runs: at worst
   * lockDuration + stalledInterval, plus timer drift on a loaded machine (seen up to ~2 s). 5 s + 2.5 s
   * keeps takeover within 10 s (6 s + 3 s once took 11 s), at the cost of a lock renewal every 2.5 s per
   * active job and one stalled-check script every 2.5 s per queue (only one process runs it per interval).
   */
  LOCK_DURATION_MS: ms(5_000),
  STALLED_INTERVAL_MS: ms(2_500),
  ADMIN_PASSWORD: z.string().optional(),
  /** The first admin account's email, created at first start (signs in as `admin` + ADMIN_PASSWORD, or by this email). */
  // name@host, not zod's email(): the default's host has no dot.
  ADMIN_EMAIL: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
    .default('admin@localhost'),
  VIEWER_PASSWORD: z.string().optional(),
  API_TOKEN: z.string().optional(),
  VIEWER_API_TOKEN: z.string().optional(),
  /** Signed-in sessions last this long (seconds); logout ends them at once. */
  SESSION_TTL_SEC: z.coerce
    .number()
    .int()
    .min(60)
    .default(12 * 3600),
  /** Failed logins allowed per client address per 15 minutes. */
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  /** Largest JSON or webhook body accepted (413 beyond). */
  BODY_LIMIT: z.string().default('1mb'),
  /**
   * Behind a reverse proxy: whose X-Forwarded-For / -Proto count. true (or 1): proxies on loopback and private
   * networks; a list of addresses, subnets, loopback/linklocal/uniquelocal; 2+: a hop count (server/http/middleware/auth.ts).
   */
  TRUST_PROXY: z.string().optional(),
  /** Webhook signing secrets per platform (the store's per-integration secrets take over with data sync). */
  WEBHOOK_SECRET_SHOPIFY: z.string().optional(),
  WEBHOOK_SECRET_WOOCOMMERCE: z.string().optional(),
  WEBHOOK_SECRET_STRIPE: z.string().optional(),
  WEBHOOK_SECRET_GOOGLE_ANALYTICS: z.string().optional(),
  WEBHOOK_SECRET_FACEBOOK_ADS: z.string().optional(),
  /** Platform API versions the connectors speak (defaults in server/domain/connectors/api-versions.ts). */
  FACEBOOK_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v24.0')
    .optional(),
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-(01|04|07|10)$/, 'must be a quarterly version like 2026-10')
    .optional(),
  STRIPE_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, 'must look like 2026-08-26.dahlia')
    .optional(),
  RESEND_API_KEY: z.string().optional(),
  /** Resend's API address (tests point it at a local stand-in). */
  RESEND_BASE_URL: z.url().optional(),
  /** smtp://user:pass@host:587 or smtps://…: send through SMTP when no RESEND_API_KEY. */
  SMTP_URL: z.string().optional(),
  /** The console's address as users reach it, for links in emails (default http://localhost:PORT). */
  PUBLIC_URL: z.url().optional(),
  /** Repeats of an alert type for one organization within this window fold into one alert. */
  ALERT_FOLD_WINDOW_MS: z.coerce.number().int().min(0).default(3600_000),
  /** Queue-health alerts: waiting jobs on one queue, and the failed share of recent jobs. */
  HEALTH_MAX_WAITING: z.coerce.number().int().min(1).default(100),
  HEALTH_MAX_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.2),
  HEALTH_CHECK_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Queue-health alert when a queue's oldest waiting job has waited longer than this (seconds). */
  HEALTH_MAX_WAIT_SECONDS: z.coerce.number().int().min(1).default(600),
  /** Queue-health notifications: a Slack incoming webhook, a JSON webhook (signed with ALERT_WEBHOOK_SECRET), emails. */
  SLACK_WEBHOOK_URL: z.url().optional(),
  ALERT_WEBHOOK_URL: z.url().optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Comma-separated addresses that receive queue-health notifications by email. */
  OPS_EMAILS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.email({ message: 'must be comma-separated email addresses' })))
    .optional(),
  /** How long generated insights are reused before a scheduled run computes them again. */
  INSIGHTS_CACHE_TTL_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .default(6 * 3600),
  /** Robust z-score beyond which a day raises a DATA_ANOMALY alert. */
  ANOMALY_ALERT_THRESHOLD: z.coerce.number().positive().default(3.5),
  EMAIL_FROM: z.string().default('BizInsights <noreply@bizinsights.com>'),
  /** Single sign-on (OpenID Connect, server/oidc): the provider's issuer URL; with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, all or none. */
  OIDC_ISSUER: z.url({ protocol: /^https?$/, message: 'must be an https:// URL' }).optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** Email domains allowed to sign in with SSO, comma-separated (e.g. `example.com,example.org`); unset: any. */
  OIDC_ALLOWED_DOMAINS: commaList
    .transform((domains) => domains.map((d) => d.toLowerCase().replace(/^@/, '')))
    .pipe(z.array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be comma-separated email domains like example.com')))
    .default([]),
  /** The ID token / userinfo claim whose value(s) OIDC_ROLE_MAP turns into a role, e.g. `groups`; unset: roles are set in the console. */
  OIDC_ROLE_CLAIM: z.string().trim().min(1).optional(),
  /** `claim-value=role,…` (e.g. `bizjobs-admins=admin,bizjobs-ops=operator`); the highest match wins, none: viewer. */
  OIDC_ROLE_MAP: roleMapSchema.default([]),
  /** The sign-in page's SSO button. */
  OIDC_LABEL: z.string().trim().min(1).max(60).default('Sign in with SSO'),
  /** The callback address registered at the provider; default <PUBLIC_URL or the request's origin>/api/auth/oidc/callback. */
  OIDC_REDIRECT_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s):// URL' }).optional(),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string };

/** This process's worker name: WORKER_NAME, else hostname:pid. */
export function workerNameOf(config: Pick<Config, 'WORKER_NAME'>): string {
  return config.WORKER_NAME ?? `${os.hostname()}:${process.pid}`;
}

/**
 * Production refuses to guess: the demo's fallbacks (probing 127.0.0.1:6379 or starting a private
 * redis-server, a generated encryption key, a generated admin password) would let a scaled-out worker
 * join the wrong Redis or fail to decrypt. One line per missing value.
 */
function productionProblems(c: z.infer<typeof configSchema>): string[] {
  if (c.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!c.REDIS_URL && !c.REDIS_CLUSTER_NODES && !c.EMBEDDED_REDIS) {
    problems.push('REDIS_URL is required in production (or REDIS_CLUSTER_NODES; EMBEDDED_REDIS=true to run a private redis-server)');
  }
  if (!c.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY is required in production (the same on every machine that shares the database)');
  if (!c.ADMIN_PASSWORD) problems.push('ADMIN_PASSWORD is required in production (no generated password)');
  if (c.ALERT_WEBHOOK_URL && !c.ALERT_WEBHOOK_SECRET)
    problems.push('ALERT_WEBHOOK_SECRET is required with ALERT_WEBHOOK_URL in production (receivers check the signature)');
  return problems;
}

/** Single sign-on is all or nothing: a half-configured provider names the key that is missing. */
function oidcProblems(c: z.infer<typeof configSchema>): string[] {
  const keys = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
  const set = keys.filter((k) => c[k]);
  if (set.length === 0) return c.OIDC_ROLE_MAP.length ? ['OIDC_ROLE_MAP is set but single sign-on is not (OIDC_ISSUER)'] : [];
  const problems = keys.filter((k) => !c[k]).map((k) => `${k} is required with ${set.join(' and ')} (single sign-on)`);
  if (c.OIDC_ROLE_MAP.length && !c.OIDC_ROLE_CLAIM) problems.push('OIDC_ROLE_CLAIM is required with OIDC_ROLE_MAP (the claim whose values the map reads)');
  // Plain http is for a provider on this machine in development and tests; in production the ID token must not travel in the clear.
  if (c.NODE_ENV === 'production' && c.OIDC_ISSUER?.startsWith('http:')) problems.push('OIDC_ISSUER must be an https:// URL in production');
  return problems;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; a bad value stops the process with one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { producerOnly?: boolean } = {}): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  // A producer client (queueService in another app) needs only its Redis; the server and workers need all.
  const problems = opts.producerOnly ? [] : [...productionProblems(parsed.data), ...oidcProblems(parsed.data)];
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}

/**
 * Reads `.env` from the working directory when there is one (Node's own parser); variables already in
 * the environment win. Entry points call it before loadConfig.
 */
export function loadEnvFile(file = '.env'): boolean {
  try {
    process.loadEnvFile(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ConfigError(`Cannot read ${file}: ${(err as Error).message}`);
  }
}
