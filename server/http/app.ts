import express from 'express';
import type { Runtime } from '../runtime.ts';
import { healthHandler } from './health.ts';

export interface AppDeps {
  runtime: Runtime;
  workersExpected: boolean;
}

/** The HTTP app. The monitoring API, webhooks, Bull Board and the console mount here as they land. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', healthHandler({ connection: deps.runtime.connection, workers: deps.runtime.workers, workersExpected: deps.workersExpected }));
  return app;
}
