/**
 * Outages as the on-call engineer sees them, on a server of the spec's own (e2e/outage-server.ts) over a private
 * redis-server the spec stops and starts: the red banner within 5 s, greyed numbers, a failed action in a toast,
 * and all of it gone by itself once Redis (or the server) is back. Also: the sign-in page and chart-less pages do
 * not fetch the charts chunk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freePort, startRedisServer, type RedisServerHandle } from '../server/embedded-redis.ts';
import { E2E } from './credentials.ts';

const CHARTS = /\/assets\/charts-[^/]*\.js/;

/** Every URL the page asked for from now on (scripts, module preloads, everything). */
function requestsOf(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => void urls.push(r.url()));
  return urls;
}

test.describe('delivery: the charts chunk', () => {
  test('is not fetched by the sign-in page nor by a page without charts, and is by the overview', async ({ page }) => {
    const scripts = requestsOf(page);
    await page.goto('/workers');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(
      scripts.filter((u) => CHARTS.test(u)),
      'the sign-in page',
    ).toEqual([]);
    expect(
      scripts.filter((u) => /\/assets\/index-[^/]*\.js/.test(u)),
      'the sign-in page loads its own script',
    ).toHaveLength(1);

    await page.getByLabel('Email').fill('admin');
    await page.getByLabel('Password').fill(E2E.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Workers', level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(
      scripts.filter((u) => CHARTS.test(u)),
      'the Workers page',
    ).toEqual([]);

    // The overview has charts: the chunk comes then (and the check above could have seen it).
    await page.getByRole('link', { name: 'Overview', exact: true }).first().click();
    await expect(page.getByTestId('queue-cards')).toBeVisible();
    await expect.poll(() => scripts.some((u) => CHARTS.test(u)), { message: 'the overview fetches the charts chunk' }).toBe(true);
  });
});

test.describe('outages', () => {
  test.describe.configure({ mode: 'serial' });
  test.setTimeout(120_000);

  const dirs: string[] = [];
  const tmp = (name: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `bj-e2e-outage-${name}-`));
    dirs.push(d);
    return d;
  };
  let redisDir = '';
  let redisPort = 0;
  let redis: RedisServerHandle | undefined;
  let dataDir = '';
  let port = 0;
  let base = '';
  let server: ChildProcess | undefined;
  let serverOutput = '';

  /** Redis with its AOF on (the default), so the session survives the restart. */
  const startRedis = async () => {
    redis = await startRedisServer({ dir: redisDir, port: redisPort });
  };

  const startServer = async () => {
    serverOutput = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/outage-server.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_ENV: 'test',
        REDIS_URL: redis!.url,
        DATA_DIR: dataDir,
        OUTAGE_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (serverOutput += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (serverOutput += s));
    await expect
      .poll(() => serverOutput.includes('outage server ready') || child.exitCode !== null, { timeout: 60_000, message: 'the outage server to start' })
      .toBe(true);
    expect(child.exitCode, serverOutput).toBeNull();
  };

  const stopServer = async (signal: NodeJS.Signals) => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  test.beforeAll(async () => {
    redisDir = tmp('redis');
    dataDir = tmp('data');
    redisPort = await freePort();
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await startRedis();
    await startServer();
  });

  test.afterAll(async () => {
    // Redis first, so the server's graceful stop finds it.
    if (redis && redis.process.exitCode !== null) await startRedis().catch(() => undefined);
    await stopServer('SIGTERM');
    await redis?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const banner = (page: Page) => page.getByTestId('outage-banner');
  const main = (page: Page) => page.getByRole('main');

  test('Redis stopped while the console is open: a red banner within 5 s, greyed numbers, a failed action in a toast; all gone once Redis is back', async ({
    page,
  }) => {
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill('admin');
    await page.getByLabel('Password').fill(E2E.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('queue-card-alerts').click();
    await expect(page.getByRole('heading', { name: 'alerts', level: 1 })).toBeVisible();
    await expect(page.getByTestId('queue-actions')).toBeVisible();
    await expect(banner(page)).toHaveCount(0);

    await redis!.stop();
    await expect(banner(page)).toBeVisible({ timeout: 5_000 });
    await expect(banner(page)).toContainText(/Redis unreachable since \d\d:\d\d/);
    await expect(banner(page)).toHaveAttribute('data-outage', 'redis-down');
    await expect(main(page)).toHaveAttribute('data-stale', 'true');

    // An action fails fast and says why, instead of hanging.
    await page.getByTestId('queue-actions').getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Pause queue' }).click();
    const toast = page.getByRole('alert').filter({ has: page.getByRole('button', { name: 'Dismiss' }) });
    await expect(toast.filter({ hasText: 'Redis is unavailable' })).toBeVisible();

    // A reload during the outage still shows the console (the page needs no Redis), with the banner.
    await page.reload();
    await expect(banner(page)).toContainText(/Redis unreachable since \d\d:\d\d/);

    await startRedis();
    await expect(banner(page)).toHaveCount(0, { timeout: 20_000 });
    await expect(main(page)).not.toHaveAttribute('data-stale', 'true');
    // Back signed in, on the page it was on, with live numbers again.
    await expect(page.getByTestId('current-user')).toHaveText('admin');
    await expect(page.getByRole('heading', { name: 'alerts', level: 1 })).toBeVisible();
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-mode', /live|polling/, { timeout: 15_000 });
  });

  test('the server itself gone: "Server unreachable" within seconds; gone once the server is back', async ({ page }) => {
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill('admin');
    await page.getByLabel('Password').fill(E2E.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('queue-cards')).toBeVisible();
    await expect(banner(page)).toHaveCount(0);

    await stopServer('SIGKILL');
    await expect(banner(page)).toContainText(/Server unreachable since \d\d:\d\d/, { timeout: 10_000 });
    await expect(banner(page)).toHaveAttribute('data-outage', 'server-down');
    await expect(main(page)).toHaveAttribute('data-stale', 'true');

    await startServer();
    await expect(banner(page)).toHaveCount(0, { timeout: 20_000 });
    await expect(main(page)).not.toHaveAttribute('data-stale', 'true');
    await expect(page.getByTestId('queue-cards')).toBeVisible();
  });
});
