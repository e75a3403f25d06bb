import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { WorkerRuntime } from '../queue/worker.ts';

export interface HealthDeps {
  connection: Redis;
  workers?: WorkerRuntime;
  workersExpected: boolean;
}

/** GET /healthz: 200 when Redis answers PING within a second and the workers (if run here) are up. */
export function healthHandler(deps: HealthDeps) {
  return async (_req: Request, res: Response) => {
    const redisUp = await Promise.race([
      deps.connection.ping().then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 1_000).unref()),
    ]);
    const workers = deps.workers
      ? Object.fromEntries([...deps.workers.workers].map(([q, w]) => [q, w.isRunning()]))
      : {};
    const workersUp = !deps.workersExpected || Object.values(workers).every(Boolean);
    const ok = redisUp && workersUp;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      redis: redisUp ? 'up' : 'down',
      workers: deps.workersExpected ? workers : 'not run in this process',
      activeJobs: deps.workers?.activeCount() ?? 0,
    });
  };
}
