/**
 * A SIGTERM sent to the `npm start` / `npm run worker` process itself (what Docker, systemd and PM2 do
 * when the command is `npm …`) reaches node: the scripts `exec` node, so no shell sits between npm and
 * node, and npm forwards the signal. Active jobs finish, none is left active, and npm exits 0.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../shared/queues.ts';
import { loadConfig } from '../../server/config.ts';
import { startStandin, STANDIN_DEFAULTS, type StandinFor } from '../../server/demo/standins/index.ts';
import { openDomain } from '../../server/domain/domain.ts';
import { freePort } from '../../server/embedded-redis.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENCRYPTION_KEY = 'signals-test-encryption-key';

let shop: StandinFor<'shopify'>;

beforeAll(async () => {
  // npm start runs the compiled server: build it when this run has not (npm test builds before vitest).
  if (!fs.existsSync(path.join(ROOT, 'dist/server/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  shop = await startStandin('shopify', { days: 3 });
  shop.setDelay(1_500); // every API call takes 1.5 s: the syncs are mid-flight when the signal comes
}, 120_000);

afterAll(async () => {
  await shop?.close();
});

describe.each(['start', 'worker'] as const)('SIGTERM to `npm %s`', (script) => {
  it('lets the active jobs finish, leaves none active, and exits 0', async () => {
    const prefix = testPrefix(`sig-${script}`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bj-signals-'));
    const domain = await openDomain(loadConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY }));
    const org = await domain.store.createOrganization({ name: 'Signals' });
    const integration = await domain.store.createIntegration({
      organizationId: org.id,
      platform: 'shopify',
      name: 'slow shop',
      credentials: STANDIN_DEFAULTS.shopify.credentials,
      settings: STANDIN_DEFAULTS.shopify.settings,
      baseUrl: shop.url,
    });
    await domain.close();

    const client = connect();
    const svc = new QueueService({ connection: client, prefix });
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      ENCRYPTION_KEY,
      ADMIN_PASSWORD: 'signals-test-password',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      RUN_SCHEDULER: 'false',
      WORKER_STATS_INTERVAL_MS: '0',
      LOG_LEVEL: 'info',
    };
    // Its own process group, so a failing run can kill npm and node together; the signal under test goes to npm alone.
    const npm = spawn('npm', ['run', '--silent', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    npm.stdout.on('data', (b) => (output += b));
    npm.stderr.on('data', (b) => (output += b));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('Queue Worker is now running'), { timeoutMs: 30_000, message: () => `the worker to start: ${output}` });
      const data = { integrationId: integration.id, organizationId: org.id, platform: 'shopify' as const, syncType: 'full' as const };
      await svc.addJobs(QueueName.DATA_SYNC, [{ data }, { data }]);
      await waitFor(async () => (await svc.getQueueStats(QueueName.DATA_SYNC)).active === 2, { message: 'two syncs to be active' });
      const signalAt = Date.now();
      expect(npm.kill('SIGTERM')).toBe(true);
      expect(await exited).toBe(0);

      expect(output).toContain('Shutting down gracefully');
      expect(output).toContain('Shutdown complete');
      expect(await svc.getQueueStats(QueueName.DATA_SYNC)).toMatchObject({ active: 0, completed: 2, failed: 0 });
      // Both finished after the signal: they were drained, not abandoned and retried elsewhere.
      const { jobs } = await svc.listJobs(QueueName.DATA_SYNC, 'completed');
      expect(jobs.map((j) => j.finishedOn! >= signalAt)).toEqual([true, true]);
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await svc.close();
      await removeKeys(client, prefix);
      await client.quit();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
