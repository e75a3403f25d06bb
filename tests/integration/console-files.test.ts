/** How the built console is served: cache headers that survive a deploy, 404 for a missing asset, gzip but not for live streams. */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressResponses, consoleFiles } from '../../server/http/console-files.ts';

let dir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(20_000))});`);
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
  const app = express();
  app.use(compressResponses());
  app.get('/api/live', (_req, res) => {
    res.setHeader('Content-Type', 'text/event-stream');
    res.write(`data: ${'y'.repeat(5_000)}\n\n`);
    res.end();
  });
  app.use(consoleFiles(dir));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the built console', () => {
  it('revalidates the page on every load, at / and at any client route', async () => {
    for (const p of ['/', '/queues/alerts', '/jobs/alerts/42']) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('caches hashed assets for a year as immutable', async () => {
    const res = await fetch(`${base}/assets/index-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing asset 404, never the page (a browser would run the HTML as JavaScript)', async () => {
    const res = await fetch(`${base}/assets/index-old999.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).not.toContain('html');
  });

  it('gzips text for clients that accept it, and never a live event stream', async () => {
    const js = await fetch(`${base}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect((await js.text()).length).toBeGreaterThan(20_000);
    const sse = await fetch(`${base}/api/live`, { headers: { 'accept-encoding': 'gzip', accept: 'text/event-stream' } });
    expect(sse.headers.get('content-encoding')).toBeNull();
    expect(await sse.text()).toContain('data: yyy');
  });
});
