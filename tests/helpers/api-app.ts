import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.ts';
import { compose } from '../../server/app/compose.ts';
import type { HttpParts } from '../../server/http/build.ts';
import type { Domain } from '../../server/domain/domain.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import type { ProcessorRegistry } from '../../server/jobs/contract.ts';
import type { Logger } from '../../server/logger.ts';
import type { TracingOptions } from '../../server/tracing/tracing.ts';
import type { Runtime } from '../../server/runtime.ts';
import type { Metrics } from '../../server/observability/prometheus.ts';
import { connect, redisUrl, removeKeys, testPrefix } from './redis.ts';
import { silentLogger } from './silent-logger.ts';

export const ADMIN_PASSWORD = 'admin-pass-for-tests';
export const VIEWER_PASSWORD = 'viewer-pass-for-tests';
export const API_TOKEN = 'admin-token-for-tests';
export const VIEWER_API_TOKEN = 'viewer-token-for-tests';
export const WEBHOOK_SECRETS = { shopify: 'shopify-secret', stripe: 'whsec_test', woocommerce: 'woo-secret', 'facebook-ads': 'fb-secret' };

export interface ApiApp extends HttpParts {
  domain: Domain;
  metrics: Metrics;
  base: string;
  prefix: string;
  config: Config;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * The real HTTP app on a free port, over real Redis under a prefix of its own, with known
 * passwords, tokens and webhook secrets. Workers only for the processors given (none by default).
 * `log` reads what the app logs (silent by default); `tracing` turns tracing on with the given span processor.
 */
export async function startApiApp(
  opts: { env?: Record<string, string>; processors?: ProcessorRegistry; log?: Logger; tracing?: TracingOptions } = {},
): Promise<ApiApp> {
  const prefix = testPrefix('api');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-api-'));
  const config = loadConfig({
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix,
    DATA_DIR: dataDir,
    WORKER_STATS_INTERVAL_MS: '0',
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    API_TOKEN,
    VIEWER_API_TOKEN,
    WEBHOOK_SECRET_SHOPIFY: WEBHOOK_SECRETS.shopify,
    WEBHOOK_SECRET_STRIPE: WEBHOOK_SECRETS.stripe,
    WEBHOOK_SECRET_WOOCOMMERCE: WEBHOOK_SECRETS.woocommerce,
    WEBHOOK_SECRET_FACEBOOK_ADS: WEBHOOK_SECRETS['facebook-ads'],
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const processors = opts.processors ?? {};
  const system = await compose({
    config,
    log: opts.log ?? silentLogger,
    http: true,
    runWorkers: Object.keys(processors).length > 0,
    runScheduler: false,
    demo: false,
    overrides: { processors: () => processors, scheduleSource: emptyScheduleSource, sampleDepth: false, tracing: opts.tracing },
  });
  const { runtime, domain } = system;
  const parts = system.http!;
  const { port } = await system.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return {
    ...parts,
    domain,
    metrics: system.metrics,
    base,
    prefix,
    config,
    runtime,
    async close() {
      await system.stop();
      const c = connect();
      await removeKeys(c, prefix);
      await c.quit();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the real endpoint and returns the Cookie header value. */
export async function login(base: string, username: 'admin' | 'viewer', password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0];
}
