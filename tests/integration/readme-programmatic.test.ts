/**
 * The README's Programmatic API block, run verbatim as a script in a process of its own that sets only
 * REDIS_URL, QUEUE_PREFIX and DATA_DIR: the producer client must connect lazily, start no workers, do
 * everything the block asks and let the process exit after `queueService.close()`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { seedDemo } from '../../server/demo/seed-demo.ts';
import { openDomain } from '../../server/domain/domain.ts';
import { QueueService } from '../../server/queue/queue-service.ts';
import { connect, redisUrl, removeKeys, testPrefix } from '../helpers/redis.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const prefix = testPrefix('readme');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bj-readme-'));
const script = path.join(ROOT, `.readme-programmatic-${prefix}.ts`);

/** The first ```typescript block under "## Programmatic API". */
function programmaticBlock(readme: string): string {
  const section = readme.slice(readme.indexOf('## Programmatic API'));
  const m = /```typescript\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README has no typescript block under "## Programmatic API"');
  return m[1];
}

beforeAll(async () => {
  // The block's scheduler lines name the demo's integration and organization: seed them into the store it will open.
  const domain = await openDomain(loadConfig({ DATA_DIR: dataDir }));
  await seedDemo(domain.store);
  await domain.close();
});

afterAll(async () => {
  fs.rmSync(script, { force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
  const c = connect();
  await removeKeys(c, prefix);
  await c.quit();
});

it('runs verbatim against a real Redis with nothing but REDIS_URL (and QUEUE_PREFIX, DATA_DIR) set', async () => {
  const block = programmaticBlock(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  expect(block).toContain("from './server/queue/index.ts'");
  // A script at the repository root, so the block's relative import resolves as the README shows it.
  fs.writeFileSync(script, block);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: redisUrl(), QUEUE_PREFIX: prefix, DATA_DIR: dataDir };
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);

  // What the block left behind: its jobs (the empty removed the waiting and delayed ones, not the schedules' runs).
  const qs = new QueueService({ connection: connect(), prefix });
  try {
    const sync = await qs.getQueueStats('data-sync');
    expect(sync.waiting + sync.delayed).toBe(1); // scheduleImmediateSync after the empty
    const insights = await qs.getQueueStats('insights-generation');
    expect(insights.waiting + insights.delayed).toBe(1);
    expect((await qs.listRecurringJobs('report-generation')).map((r) => r.name)).not.toContain('weekly-report-org123');
  } finally {
    await qs.close();
  }
});
