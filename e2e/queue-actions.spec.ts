import { expect, test, type Page } from '@playwright/test';
import { addJob, queueInfo, shot, signIn, statOf, trpcMutate, uid, waitForJobState } from './helpers.ts';

/**
 * Queue actions on queues no other spec uses destructively: pause/resume on webhook-processing,
 * clean on email-sending (completed jobs only), empty on data-sync (no worker: jobs stay waiting).
 */

/** The paused/running badge next to the queue page's title. */
const titleBadge = (page: Page, text: 'paused' | 'running') => page.getByRole('heading', { level: 1 }).locator('..').getByText(text, { exact: true });
/** The paused/running badge next to a queue's name on its overview card. */
const cardBadge = (page: Page, queue: string, text: 'paused' | 'running') =>
  page.getByTestId(`queue-card-${queue}`).getByRole('heading', { name: queue }).locator('..').getByText(text, { exact: true });

test('Pause asks first, then the queue shows paused live and on the overview; Resume brings back running', async ({ page }) => {
  const queue = 'webhook-processing';
  await signIn(page);
  await page.goto(`/queues/${queue}`);
  await expect(titleBadge(page, 'running')).toBeVisible();
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-mode', 'live');
  const actions = page.getByTestId('queue-actions');

  // Cancel backs out.
  await actions.getByRole('button', { name: 'Pause' }).click();
  const dialog = page.getByRole('dialog', { name: `Pause ${queue}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`Workers stop taking new jobs from ${queue}`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await queueInfo(page, queue)).isPaused).toBe(false);
  await expect(titleBadge(page, 'running')).toBeVisible();

  // Confirmed: the badge turns within seconds, from the live stream.
  await actions.getByRole('button', { name: 'Pause' }).click();
  await dialog.getByRole('button', { name: 'Pause queue' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${queue} paused` })).toBeVisible();
  await expect(titleBadge(page, 'paused')).toBeVisible({ timeout: 5000 });
  await expect(actions.getByRole('button', { name: 'Resume' })).toBeVisible();
  expect((await queueInfo(page, queue)).isPaused).toBe(true);

  // The overview card says paused too.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  const card = page.getByTestId(`queue-card-${queue}`);
  await expect(cardBadge(page, queue, 'paused')).toBeVisible();
  await expect(cardBadge(page, queue, 'running')).toHaveCount(0);

  // Resume: running again, on the queue page and the overview.
  await card.click();
  await expect(page).toHaveURL(new RegExp(`/queues/${queue}$`));
  await actions.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${queue} resumed` })).toBeVisible();
  await expect(titleBadge(page, 'running')).toBeVisible({ timeout: 5000 });
  await expect(actions.getByRole('button', { name: 'Pause' })).toBeVisible();
  expect((await queueInfo(page, queue)).isPaused).toBe(false);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(cardBadge(page, queue, 'running')).toBeVisible();
  await expect(cardBadge(page, queue, 'paused')).toHaveCount(0);
});

test('Clean… says which jobs it removes, then removes the completed ones', async ({ page }) => {
  const queue = 'email-sending';
  const tag = uid();
  await signIn(page);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push(await addJob(page, queue, { to: `clean-${i}-${tag}@example.com`, subject: `clean ${tag}`, template: 'welcome', data: { name: `Clean ${i}` } }));
  for (const id of ids) await waitForJobState(page, queue, id, 'completed');

  await page.goto(`/queues/${queue}?tab=completed`);
  const completed = page.getByTestId('queue-stats').locator('[data-stat="completed"]');
  await expect.poll(() => statOf(page, 'queue-stats', 'completed')).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId(`job-row-${ids[2]}`)).toBeVisible();
  const before = await statOf(page, 'queue-stats', 'completed');

  await page.getByTestId('queue-actions').getByRole('button', { name: 'Clean…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clean jobs' });
  await expect(dialog).toBeVisible();
  const summary = dialog.getByTestId('clean-summary');
  // The summary follows the chosen state …
  await dialog.getByLabel('State').selectOption('failed');
  await expect(summary).toContainText('Permanently removes the failed jobs');
  await dialog.getByLabel('State').selectOption('completed');
  await expect(summary).toContainText('Permanently removes the completed jobs');
  // … and the age; a bad age disables Clean.
  await dialog.getByLabel('Age').fill('-1');
  await expect(dialog.getByRole('button', { name: 'Clean', exact: true })).toBeDisabled();
  await dialog.getByLabel('Age').fill('0');
  await expect(summary).toContainText('older than 0 hours');
  await expect(summary).toContainText(`of the ${before} completed job(s)`);
  await expect(dialog.getByRole('button', { name: 'Clean', exact: true })).toBeEnabled();

  await dialog.getByRole('button', { name: 'Clean', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `completed job(s) removed from ${queue}` })).toBeVisible();
  await expect(completed).toHaveText('0');
  await expect(page.getByText('No completed jobs')).toBeVisible();
  expect((await queueInfo(page, queue)).stats.completed).toBe(0);
});

test('Empty states what it removes; Cancel keeps the jobs, confirming removes them', async ({ page }) => {
  // A queue with no schedules (the demo schedules data-sync and insights), so every count is ours.
  const queue = 'report-generation';
  const tag = uid();
  await signIn(page);
  // Paused first, so the jobs stay waiting whatever runs.
  await trpcMutate(page, 'queues.pause', { queue });
  try {
    for (let i = 0; i < 3; i++)
      await addJob(page, queue, { reportId: `r-${tag}-${i}`, organizationId: `org-empty-${tag}`, reportType: 'weekly', period: '7d' });
    const info = await queueInfo(page, queue);
    expect(info.isPaused).toBe(true);
    expect(info.stats.paused).toBeGreaterThanOrEqual(3);

    await page.goto(`/queues/${queue}?tab=paused`);
    await expect(titleBadge(page, 'paused')).toBeVisible();
    await expect(page.getByTestId('queue-stats').locator('[data-stat="paused"]')).toHaveText(String(info.stats.paused));
    await expect(page.getByTestId('job-table').getByRole('row')).toHaveCount(Math.min(info.stats.paused, 25) + 1);

    const s = info.stats;
    const expected = `This permanently removes ${s.waiting + s.paused} waiting, ${s.delayed} delayed, ${s.completed} completed and ${s.failed} failed job(s).`;
    await page.getByTestId('queue-actions').getByRole('button', { name: 'Empty' }).click();
    const dialog = page.getByRole('dialog', { name: `Empty ${queue}?` });
    await expect(dialog).toContainText(expected);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    // Nothing changed.
    await page.waitForTimeout(1000);
    expect((await queueInfo(page, queue)).stats).toEqual(s);
    await expect(page.getByTestId('queue-stats').locator('[data-stat="paused"]')).toHaveText(String(s.paused));

    await page.getByTestId('queue-actions').getByRole('button', { name: 'Empty' }).click();
    await expect(dialog).toContainText(expected);
    await dialog.getByRole('button', { name: 'Empty queue' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: `${s.waiting + s.paused + s.delayed + s.completed + s.failed} job(s) removed from ${queue}` }),
    ).toBeVisible();
    await expect(page.getByTestId('queue-stats').locator('[data-stat="paused"]')).toHaveText('0');
    await expect(page.getByTestId('queue-stats').locator('[data-stat="waiting"]')).toHaveText('0');
    await expect(page.getByText('No paused jobs')).toBeVisible();
    const after = await queueInfo(page, queue);
    expect(after.stats).toMatchObject({ waiting: 0, paused: 0, delayed: 0, completed: 0, failed: 0 });
    // Emptying is not resuming.
    expect(after.isPaused).toBe(true);
    await shot(page, 'queue-emptied');
  } finally {
    await trpcMutate(page, 'queues.resume', { queue });
  }
});
