import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedisServer, type RedisServerHandle } from '../../server/embedded-redis.ts';

/**
 * Per-test resources released in order whatever happened: systems and processes first (they still talk
 * to Redis), then `beforeRedis` cleanups (keys on the shared Redis), then private redis-servers, then
 * temp directories. A failing cleanup does not stop the others; they are all reported.
 */
export function scratch(label: string) {
  const stoppers: Array<() => Promise<unknown>> = [];
  const beforeRedis: Array<() => Promise<unknown>> = [];
  const servers: RedisServerHandle[] = [];
  const dirs: string[] = [];
  return {
    /** Runs when the test ends, before any private Redis stops. */
    onStop(stop: () => Promise<unknown>) {
      stoppers.push(stop);
    },
    /** Runs after the stoppers, before the private redis-servers stop. */
    onCleanup(fn: () => Promise<unknown>) {
      beforeRedis.push(fn);
    },
    tempDir(name = 'tmp'): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bizinsights-${label}-${name}-`));
      dirs.push(dir);
      return dir;
    },
    /** A redis-server of the test's own (no AOF), stopped at cleanup. */
    async privateRedis(dir: string, port?: number): Promise<RedisServerHandle> {
      const handle = await startRedisServer({ dir, port, args: ['--appendonly', 'no'] });
      servers.push(handle);
      return handle;
    },
    /** Call from afterEach; `bound` wraps each stopper (e.g. settlesWithin) so a stuck one cannot hold the rest. */
    async cleanup(bound: (stop: Promise<unknown>) => Promise<unknown> = (p) => p): Promise<void> {
      const failures: unknown[] = [];
      const attempt = (fn: () => Promise<unknown>) => fn().catch((err) => failures.push(err));
      await Promise.all(stoppers.splice(0).map((stop) => attempt(() => bound(stop()))));
      for (const fn of beforeRedis.splice(0)) await attempt(fn);
      for (const s of servers.splice(0)) await attempt(() => s.stop());
      for (const d of dirs.splice(0)) await attempt(async () => fs.rmSync(d, { recursive: true, force: true }));
      if (failures.length) throw new AggregateError(failures, 'cleanup failed');
    },
  };
}
