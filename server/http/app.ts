import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Runtime } from '../runtime.ts';
import { healthHandler } from './health.ts';

export interface AppDeps {
  runtime: Runtime;
  workersExpected: boolean;
  /** The console's built files (`npm run build`); served at / when present. */
  clientDir?: string;
}

/** The HTTP app. The monitoring API, webhooks and Bull Board mount here as they land. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', healthHandler({ connection: deps.runtime.connection, workers: deps.runtime.workers, workersExpected: deps.workersExpected }));

  const clientDir = deps.clientDir ?? path.resolve('dist/client');
  if (fs.existsSync(path.join(clientDir, 'index.html'))) {
    app.use(express.static(clientDir, { index: 'index.html', maxAge: '1h' }));
  }
  return app;
}
