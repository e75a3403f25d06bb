import type { Request, Response } from 'express';
import type { WorkerRuntime } from '../queue/worker.ts';

/** What the probes need of a Redis client (a single node or a cluster): PING, and its connection state. */
export interface Pingable {
  ping(): Promise<unknown>;
  readonly status?: string;
}

export interface HealthDeps {
  connection: Pingable;
  workers?: WorkerRuntime;
  workersExpected: boolean;
}

/** How long a probe waits for PING: an orchestrator's probe times out after a few seconds, we answer well before. */
export const PING_TIMEOUT_MS = 1_000;

/**
 * True when Redis answers PING within `timeoutMs`. A client that is not connected is down at once: with
 * `maxRetriesPerRequest: null` ioredis would queue the PING until Redis returns, so every probe during an
 * outage would add one to the queue. The timer is cleared either way, so probes leave nothing behind.
 */
export async function pingWithin(connection: Pingable, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  if (connection.status !== undefined && connection.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      connection.ping().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function workerStates(workers: WorkerRuntime | undefined): Record<string, boolean> {
  return workers ? Object.fromEntries([...workers.workers].map(([q, w]) => [q, w.isRunning()])) : {};
}

/** GET /healthz: 200 when Redis answers PING within a second and the workers (if run here) are up. */
export function healthHandler(deps: HealthDeps) {
  return async (_req: Request, res: Response) => {
    const redisUp = await pingWithin(deps.connection);
    const workers = workerStates(deps.workers);
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

/**
 * GET /livez: the event loop runs. Never looks at Redis, so an orchestrator does not restart a process
 * during a Redis outage it rides out by itself.
 */
export function livezHandler() {
  return (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ status: 'alive' });
  };
}

export interface Readiness {
  ready: boolean;
  checks: { started: boolean; redis: 'up' | 'down' | 'unknown'; workers: Record<string, boolean> | 'not run in this process' | 'unknown' };
  /** Why not ready, one entry per failed check; empty when ready. */
  reasons: string[];
}

/**
 * Ready: the process finished starting (compose() returned, so the store is open and migrated and the
 * workers were started), Redis answers PING within `timeoutMs`, and the workers (where this process runs
 * them) are running. `deps` is undefined while the process is still starting.
 */
export async function checkReadiness(deps: HealthDeps | undefined, timeoutMs = PING_TIMEOUT_MS): Promise<Readiness> {
  if (!deps) {
    return {
      ready: false,
      checks: { started: false, redis: 'unknown', workers: 'unknown' },
      reasons: ['starting: the store (migrations), Redis and the workers are not ready yet'],
    };
  }
  const reasons: string[] = [];
  const redisUp = await pingWithin(deps.connection, timeoutMs);
  if (!redisUp) reasons.push(`redis: no answer to PING within ${timeoutMs} ms`);
  const workers = workerStates(deps.workers);
  const stopped = Object.entries(workers)
    .filter(([, running]) => !running)
    .map(([q]) => q);
  if (deps.workersExpected && !deps.workers) reasons.push('workers: not started');
  else if (deps.workersExpected && stopped.length) reasons.push(`workers: not running for ${stopped.join(', ')}`);
  return {
    ready: reasons.length === 0,
    checks: { started: true, redis: redisUp ? 'up' : 'down', workers: deps.workersExpected ? workers : 'not run in this process' },
    reasons,
  };
}

/**
 * GET /readyz: 200 when ready to take traffic and jobs, else 503 naming the reasons. Answers within about
 * `timeoutMs` whatever Redis does. `deps` is read per request: a process may serve its probes before it
 * has finished starting (the worker's HTTP server does), and answers "starting" until then.
 */
export function readyzHandler(deps: () => HealthDeps | undefined, timeoutMs = PING_TIMEOUT_MS) {
  return async (_req: Request, res: Response) => {
    const r = await checkReadiness(deps(), timeoutMs);
    res
      .status(r.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: r.ready ? 'ready' : 'not ready', ...r.checks, reasons: r.reasons });
  };
}
