// The real app for the scenarios that go through HTTP or the API's services: compose() as `npm start` does it.
// A module of its own so the child processes (which import shared.ts) do not load the whole server.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { compose, type System } from '../../server/app/compose.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import type { BenchContext } from './shared.ts';

export interface BenchApp {
  system: System;
  port: number;
  /** Headers of an admin API call (`Authorization: Bearer <API_TOKEN>`). */
  auth: Record<string, string>;
  close(): Promise<void>;
}

/** HTTP server, no workers, no scheduler, no demo, over queues under `prefix`; its store in a temp dir. */
export async function startApp(ctx: BenchContext, prefix: string): Promise<BenchApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-bench-app-'));
  const token = `bench-${randomUUID()}`;
  try {
    const config = loadConfig({
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      API_TOKEN: token,
      ADMIN_PASSWORD: `bench-${randomUUID()}`,
      LOG_LEVEL: 'silent',
      WORKER_STATS_INTERVAL_MS: '0',
    });
    const system = await compose({ config, log: createLogger('silent', false), http: true, runWorkers: false, runScheduler: false, demo: false });
    const { port } = await system.listen(0, '127.0.0.1');
    return {
      system,
      port,
      auth: { authorization: `Bearer ${token}` },
      async close() {
        await system.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** A GET on 127.0.0.1 with the whole body read (so the time includes the server writing it). */
export function httpGet(agent: http.Agent, port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end();
  });
}
