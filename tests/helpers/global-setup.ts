import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { pingRedis, startRedisServer, type RedisServerHandle } from '../../server/embedded-redis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let server: RedisServerHandle | undefined;

/**
 * Tests need a real Redis: TEST_REDIS_URL or REDIS_URL when set, else the one on 127.0.0.1:6379
 * when it answers, else a private redis-server started here (and stopped at the end).
 */
export async function setup(project: TestProject) {
  let url = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
  if (!url && (await pingRedis('127.0.0.1', 6379))) url = 'redis://127.0.0.1:6379';
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-test-redis-'));
    server = await startRedisServer({ dir, args: ['--appendonly', 'no'] });
    url = server.url;
  }
  project.provide('redisUrl', url);
}

export async function teardown() {
  await server?.stop();
}
