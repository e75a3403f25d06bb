import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import type { ReportJobData } from '../shared/jobs.ts';
import { QueueService } from '../server/queue/queue-service.ts';
import { createRedisConnection, type Redis } from '../server/redis.ts';
import { addJob, shot, signIn, trpcQuery, uid, waitForJobState } from './helpers.ts';

/**
 * Triage on a bad night. Against a second e2e/serve.ts started here with E2E_WORKERS=off (the shared one
 * runs a worker for every queue): a queue with waiting jobs and no worker shows "No workers"; a job planted
 * 50,000 deep is found with "Search deeper"; page 1000 is one step away. Against the shared server: a failed
 * job's reason and stack trace at 390 px wide, the job page on a phone, and a new tab's loading state.
 */

const QUEUE = 'report-generation';
const DEPTH = 50_000;
const tag = uid();
const PLANTED = `org-deep-${tag}`;
const report = (organizationId: string, n: number): ReportJobData => ({
  reportId: `rep-${n}`,
  organizationId,
  reportType: 'weekly',
  period: `2026-W${(n % 52) + 1}`,
});

/** A free port, found as playwright.config.ts finds the shared server's. */
const freePort = () =>
  execFileSync(
    process.execPath,
    ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"],
    {
      encoding: 'utf8',
    },
  ).trim();

test.describe('on a server with no worker', () => {
  const port = freePort();
  test.use({ baseURL: `http://127.0.0.1:${port}` });

  let server: ChildProcess | undefined;
  let connection: Redis | undefined;
  let queues: QueueService | undefined;
  let plantedId = '';

  test.beforeAll(async () => {
    test.setTimeout(90_000);
    server = spawn(process.execPath, ['--import', 'tsx', 'e2e/serve.ts'], {
      env: { ...process.env, E2E_PORT: port, E2E_WORKERS: 'off' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // serve.ts says where it runs: "e2e server on <url> (redis <url>, prefix <prefix>)".
    const started = await new Promise<RegExpExecArray>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /e2e server on \S+ \(redis (\S+), prefix ([^)]+)\)/.exec(out);
        if (m) resolve(m);
      });
      server!.once('exit', (code) => reject(new Error(`the second e2e server exited (${code}) before it was ready:\n${out}`)));
    });
    server.stdout!.resume();
    connection = createRedisConnection(started[1]);
    queues = new QueueService({ connection, prefix: started[2] });
    // The planted job first, then DEPTH newer ones: newest first, it is the 50,001st.
    [plantedId] = (await queues.addJobs(QUEUE, [{ data: report(PLANTED, 0) }])).map((j) => String(j.id));
    const items = Array.from({ length: DEPTH }, (_, i) => ({ data: report(`org-bulk-${i}`, i) }));
    await queues.addJobs(QUEUE, items);
  });

  test.afterAll(async () => {
    test.setTimeout(60_000);
    // The 50,000 go at once; stopping the server then removes every key of its prefix.
    await queues?.queue(QUEUE).obliterate({ force: true });
    await queues?.close();
    await connection?.quit();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  test('a queue with waiting jobs and no worker shows a red "No workers", 0 workers and its oldest wait, on its card and its page', async ({ page }) => {
    await signIn(page);
    const card = page.getByTestId(`queue-card-${QUEUE}`);
    await expect(card.locator('[data-stat="waiting"]')).toHaveText('50,001');
    const badge = card.getByText('No workers', { exact: true });
    await expect(badge).toBeVisible();
    await expect(badge).toHaveClass(/bg-red-100/);
    const presence = card.getByTestId('queue-presence');
    await expect(presence.getByTestId('worker-count')).toHaveText('0 workers');
    await expect(presence.getByTestId('oldest-wait')).toHaveText(/^oldest waiting (under 1 s|[\d.]+ s|\d+ min \d+ s)$/);
    const waits = await trpcQuery<{ ageMs: Record<string, number | null> }>(page, 'queues.oldestWaits');
    expect(waits.ageMs[QUEUE]).toBeGreaterThanOrEqual(0);
    await shot(page, 'triage-no-workers-overview');

    await card.click();
    await expect(page).toHaveURL(new RegExp(`/queues/${QUEUE}$`));
    const header = page.getByRole('heading', { level: 1, name: QUEUE }).locator('..');
    await expect(header.getByText('No workers', { exact: true })).toHaveClass(/bg-red-100/);
    await expect(page.getByTestId('queue-presence').getByTestId('worker-count')).toHaveText('0 workers');
    await expect(page.getByTestId('queue-presence').getByTestId('oldest-wait')).toHaveText(/^oldest waiting /);
  });

  test('a job planted 50,000 deep is found with "Search deeper"; its progress shows, and Cancel stops it', async ({ page }) => {
    await signIn(page);
    await page.goto(`/queues/${QUEUE}`);
    const box = page.getByRole('searchbox', { name: 'Search jobs' });
    const results = page.getByTestId('search-results');
    const summary = results.getByTestId('search-summary');

    // Cancel: the deeper calls are held at the network until Cancel is pressed, so the progress is seen.
    const nothing = `zz-none-${tag}`;
    await box.fill(nothing);
    await box.press('Enter');
    await expect(summary).toHaveText(`0 matches for “${nothing}” · read 5,000 of 50,001 jobs`);
    const held: Array<() => Promise<void>> = [];
    await page.route(
      (url) => url.pathname.includes('jobs.search') && decodeURIComponent(url.search).includes('"from":'),
      (route) => void held.push(() => route.continue().catch(() => undefined)),
    );
    await results.getByRole('button', { name: 'Search deeper' }).click();
    const bar = results.getByRole('progressbar', { name: 'Search progress' });
    await expect(bar).toHaveAttribute('aria-valuetext', 'read 5,000 of 50,001 jobs');
    await expect(results.getByTestId('search-progress')).toHaveText('read 5,000 of 50,001');
    await results.getByRole('button', { name: 'Cancel' }).click();
    await expect(summary).toHaveText(`0 matches for “${nothing}” · cancelled after reading 5,000 of 50,001 jobs`);
    await expect(bar).toHaveCount(0);
    await expect(results.getByRole('button', { name: 'Search deeper' })).toBeVisible();
    await Promise.all(held.map((release) => release()));
    await page.unrouteAll();

    // The planted job: not among the newest 5,000; found by reading on, with the state it is in.
    await box.fill(PLANTED);
    await box.press('Enter');
    await expect(summary).toHaveText(`0 matches for “${PLANTED}” · read 5,000 of 50,001 jobs`);
    await expect(results.getByRole('status')).toHaveText(/No match in the jobs read/);
    await results.getByRole('button', { name: 'Search deeper' }).click();
    await expect(summary).toHaveText(`1 match for “${PLANTED}” · read all 50,001 jobs`, { timeout: 30_000 });
    const row = results.getByTestId(`job-row-${plantedId}`);
    await expect(row).toBeVisible();
    await expect(row.getByRole('cell').nth(1)).toHaveText('waiting');
    await expect(results.getByRole('button', { name: 'Search deeper' })).toHaveCount(0);
    await shot(page, 'triage-search-deeper');
  });

  test('page 1000 is one step away (the page box); past page 1 the list stays put and says how many jobs came since', async ({ page }) => {
    await signIn(page);
    await page.goto(`/queues/${QUEUE}?tab=waiting`);
    const pager = page.getByRole('navigation', { name: 'Pagination' });
    await expect(pager).toContainText('50,001 jobs · page 1 of 2,001');
    await pager.getByRole('spinbutton', { name: /Go to page/ }).fill('1000');
    await pager.getByRole('spinbutton', { name: /Go to page/ }).press('Enter');
    await expect(page).toHaveURL(/[?&]page=1000(&|$)/);
    await expect(pager).toContainText('50,001 jobs · page 1,000 of 2,001');
    await expect(pager.getByRole('button', { name: 'Page 1000' })).toHaveAttribute('aria-current', 'page');
    const expected = await trpcQuery<{ jobs: Array<{ id: string }> }>(page, 'jobs.list', { queue: QUEUE, state: 'waiting', page: 1000, pageSize: 25 });
    const table = page.getByTestId('job-table');
    await expect(table.getByRole('row')).toHaveCount(26);
    await expect(table.getByTestId(`job-row-${expected.jobs[0].id}`)).toBeVisible();
    await expect(table.getByTestId(`job-row-${expected.jobs[24].id}`)).toBeVisible();

    // New jobs do not move this page; it counts them (from the live overview) and links back to page 1.
    await queues!.addJobs(
      QUEUE,
      [1, 2, 3].map((n) => ({ data: report(`org-new-${tag}`, n) })),
    );
    const note = page.getByTestId('new-jobs');
    await expect(note).toHaveText('3 new waiting jobs since you opened this page · back to page 1');
    await expect(table.getByTestId(`job-row-${expected.jobs[0].id}`)).toBeVisible();
    await shot(page, 'triage-page-1000');
    await note.getByRole('link', { name: 'back to page 1' }).click();
    await expect(page).not.toHaveURL(/[?&]page=/);
    await expect(pager).toContainText('50,004 jobs · page 1 of 2,001');
    await expect(note).toHaveCount(0);
  });
});

/** Adds an alerts job that fails at once (the e2e server's test hook: its message contains "fail"). */
async function failingJob(page: Page, message: string, metadata: Record<string, unknown> = {}): Promise<string> {
  const id = await addJob(
    page,
    'alerts',
    { organizationId: `org-triage-${tag}`, alertType: 'E2E_TRIAGE', severity: 'HIGH', message, metadata },
    { attempts: 1 },
  );
  await waitForJobState(page, 'alerts', id, 'failed');
  return id;
}

const longToken = (c: string) => `${c.repeat(40)}/${'9'.repeat(80)}`;

test('at 390 px a failed job’s reason shows under its name without scrolling sideways; its stack trace opens in the row; the list comes before the charts', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  const id = await failingJob(page, `please fail ${tag} https://example.com/${longToken('r')}`);
  await page.goto('/queues/alerts');
  await expect(page.getByRole('tab', { name: /^failed/ })).toHaveAttribute('aria-selected', 'true');
  const row = page.getByTestId(`job-row-${id}`);
  const reason = row.getByTestId('job-reason');
  await expect(reason).toContainText(`Alert delivery failed: please fail ${tag}`);
  await reason.scrollIntoViewIfNeeded();
  await expect(reason).toBeInViewport();
  const box = (await reason.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // Nor does the table scroll sideways inside its own box.
  expect(await page.getByTestId('job-table').evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth)).toBe(true);

  // The stack trace opens in the row.
  await row.getByText('Stack trace').click();
  await expect(row.getByTestId('job-stack')).toContainText(`Error: Alert delivery failed: please fail ${tag}`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // On a phone the jobs come before the charts.
  const tableTop = (await page.getByTestId('job-table').boundingBox())!.y;
  const activityTop = (await page.getByRole('heading', { name: 'Activity', level: 2 }).boundingBox())!.y;
  expect(tableTop).toBeLessThan(activityTop);
  await shot(page, 'triage-failed-390');
});

test('the job page at 390 px: long values wrap; tabbing back to Remove leaves it below the sticky header', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  const id = await failingJob(page, `please fail ${tag} ${longToken('q')}`, { url: `https://example.com/${longToken('u')}`, body: longToken('b') });
  await page.goto(`/queues/alerts/jobs/${id}`);
  await expect(page.getByTestId('failed-reason')).toContainText(`please fail ${tag}`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const reason = (await page.getByTestId('failed-reason').boundingBox())!;
  expect(reason.x + reason.width).toBeLessThanOrEqual(390);

  // Shift+Tab back to Retry and Remove while they sit just under the sticky header (in the viewport, but
  // covered): the page scrolls each to below the header.
  const actions = page.getByTestId('job-actions');
  const headerBottom = await page
    .locator('header')
    .first()
    .evaluate((h) => h.getBoundingClientRect().bottom);
  for (const [name, next] of [
    ['Remove', page.getByRole('button', { name: 'Copy Job data' })],
    // On a failed job the next control after Retry is "Edit data and retry".
    ['Retry', actions.getByRole('button', { name: 'Edit data and retry' })],
  ] as const) {
    const button = actions.getByRole('button', { name, exact: true });
    await button.evaluate((b) => window.scrollTo(0, b.getBoundingClientRect().top + window.scrollY - 10));
    await next.evaluate((b) => (b as HTMLElement).focus({ preventScroll: true }));
    expect(await button.evaluate((b) => b.getBoundingClientRect().top)).toBeLessThan(headerBottom);
    await page.keyboard.press('Shift+Tab');
    await expect(button).toBeFocused();
    expect(await button.evaluate((b) => b.getBoundingClientRect().top), `${name} below the header`).toBeGreaterThanOrEqual(headerBottom);
  }
});

test('a new tab shows a loading state, not the previous tab’s rows, while its list loads', async ({ page }) => {
  await signIn(page);
  const id = await failingJob(page, `please fail ${tag} tab switch`);
  await page.goto('/queues/alerts');
  await expect(page.getByTestId(`job-row-${id}`)).toBeVisible();
  const held: Array<() => Promise<void>> = [];
  await page.route(
    (url) => url.pathname.includes('jobs.list') && decodeURIComponent(url.search).includes('"state":"delayed"'),
    (route) => void held.push(() => route.continue().catch(() => undefined)),
  );
  await page.getByRole('tab', { name: /^delayed/ }).click();
  await expect(page.getByRole('tab', { name: /^delayed/ })).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => held.length, { message: 'the delayed list is asked for' }).toBeGreaterThan(0);
  await expect(page.getByTestId(`job-row-${id}`)).toHaveCount(0);
  await expect(page.getByTestId('job-table')).toHaveCount(0);
  await Promise.all(held.map((release) => release()));
  await page.unrouteAll();
  await expect(page.getByTestId('job-table').or(page.getByText('No delayed jobs'))).toBeVisible();
});
