import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { healthHandler, livezHandler, readyzHandler, type HealthDeps } from './health.ts';

export interface WorkerHttpOptions {
  /** What the probes check; undefined while the process is still starting (before compose() returns). */
  health: () => HealthDeps | undefined;
}

export interface WorkerHttp {
  /** Mount more endpoints here (e.g. /metrics); they come before the 404 answer, also once listening. */
  routes: express.Router;
  /** Starts serving; resolves with the port once listening. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops serving and drops idle keep-alive connections (probes hold them open). */
  close(): Promise<void>;
}

/**
 * The small HTTP server of `npm run worker` (WORKER_HTTP_PORT): /livez, /readyz and /healthz for an
 * orchestrator or a load balancer, no auth, no console. Not logged per request: probes come every few
 * seconds, and an outage is logged once by the Redis connection.
 */
export function createWorkerHttp(opts: WorkerHttpOptions): WorkerHttp {
  const app = express();
  app.disable('x-powered-by');
  const routes = express.Router();
  routes.get('/livez', livezHandler());
  routes.get('/readyz', readyzHandler(opts.health));
  routes.get('/healthz', (req, res) => {
    const deps = opts.health();
    if (!deps) return void res.status(503).json({ status: 'starting' });
    return healthHandler(deps)(req, res);
  });
  app.use(routes);
  app.use((_req, res) => void res.status(404).json({ error: 'Not found' }));

  let server: Server | undefined;
  return {
    routes,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const s = host ? app.listen(port, host) : app.listen(port);
        s.once('error', reject);
        s.once('listening', () => {
          server = s;
          resolve((s.address() as AddressInfo).port);
        });
      });
    },
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
