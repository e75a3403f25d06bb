import { expect, test } from '@playwright/test';
import { addJob, signIn, trpcMutate, uid, waitForJobState } from './helpers.ts';

/** The view lives in the URL (deep links, reload, back button); dark mode is a class on <html>. */

test('a deep link opens the tab it names; tabs and range go into the URL and Back returns', async ({ page }) => {
  const tag = uid();
  await signIn(page);
  const id = await addJob(page, 'alerts', { organizationId: `org-url-${tag}`, alertType: 'E2E_URL', severity: 'LOW', message: `url ${tag}`, metadata: {} });
  await waitForJobState(page, 'alerts', id, 'completed');

  await page.goto('/queues/alerts?tab=completed');
  const tabs = page.getByRole('tablist', { name: 'Job states' });
  await expect(tabs.getByRole('tab', { name: /^completed/ })).toHaveAttribute('aria-selected', 'true');
  await expect(tabs.getByRole('tab', { name: /^failed/ })).toHaveAttribute('aria-selected', 'false');
  await expect(tabs.getByRole('tab', { selected: true })).toHaveCount(1);
  await expect(page.getByTestId(`job-row-${id}`)).toBeVisible();

  // A click changes the URL; Back brings the deep-linked tab back.
  await tabs.getByRole('tab', { name: /^delayed/ }).click();
  await expect(page).toHaveURL(/\/queues\/alerts\?tab=delayed$/);
  await expect(tabs.getByRole('tab', { name: /^delayed/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId(`job-row-${id}`)).toHaveCount(0);
  await page.goBack();
  await expect(page).toHaveURL(/\/queues\/alerts\?tab=completed$/);
  await expect(tabs.getByRole('tab', { name: /^completed/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId(`job-row-${id}`)).toBeVisible();

  // The range is kept next to the tab, and a reload keeps both.
  await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '24h' }).click();
  await expect(page).toHaveURL(/\/queues\/alerts\?tab=completed&range=24h$/);
  await page.reload();
  await expect(page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '24h' })).toHaveAttribute('aria-pressed', 'true');
  await expect(tabs.getByRole('tab', { name: /^completed/ })).toHaveAttribute('aria-selected', 'true');

  // An unknown tab falls back to failed.
  await page.goto('/queues/alerts?tab=nonsense');
  await expect(tabs.getByRole('tab', { name: /^failed/ })).toHaveAttribute('aria-selected', 'true');
});

test('a job page’s back link opens the tab that lists the job, also when its queue is paused', async ({ page }) => {
  const queue = 'insights-generation';
  const tag = uid();
  await signIn(page);
  const back = page.getByRole('link', { name: `← ${queue}` });
  const selectedTab = page.getByRole('tablist', { name: 'Job states' }).getByRole('tab', { selected: true });
  // A delayed job (every queue has a worker here, so only a delay keeps it still).
  const delayedId = await addJob(page, queue, { organizationId: `org-back-${tag}`, period: '7d' }, { delay: 3_600_000 });
  let pausedId: string | undefined;
  try {
    await page.goto(`/queues/${queue}/jobs/${delayedId}`);
    await back.click();
    await expect(page).toHaveURL(new RegExp(`/queues/${queue}\\?tab=delayed$`));
    await expect(selectedTab).toHaveText(/^delayed/);
    await expect(page.getByTestId(`job-row-${delayedId}`)).toBeVisible();

    // Paused, the queue lists its waiting jobs under "paused" (and its waiting tab is empty): the
    // back link must lead there, not to the empty waiting tab.
    await trpcMutate(page, 'queues.pause', { queue });
    pausedId = await addJob(page, queue, { organizationId: `org-back-${tag}`, period: '30d' });
    await page.goto(`/queues/${queue}?tab=paused`);
    await expect(page.getByTestId(`job-row-${pausedId}`)).toBeVisible();
    await page.getByTestId(`job-row-${pausedId}`).getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1, name: pausedId, exact: true })).toBeVisible();
    await back.click();
    await expect(selectedTab).toHaveText(/^paused/, { timeout: 5000 });
    await expect(page.getByTestId(`job-row-${pausedId}`)).toBeVisible();
  } finally {
    await trpcMutate(page, 'jobs.remove', { queue, ids: [delayedId, ...(pausedId ? [pausedId] : [])] });
    await trpcMutate(page, 'queues.resume', { queue });
  }
});

test('the dark-mode toggle switches the html class, is remembered, and wins over the system setting', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await signIn(page);
  const html = page.locator('html');
  await expect(html).not.toHaveClass(/\bdark\b/);

  await page.getByRole('button', { name: 'Switch to dark mode' }).click();
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(page.getByRole('button', { name: 'Switch to light mode' })).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await expect(html).toHaveClass(/\bdark\b/);

  await page.getByRole('button', { name: 'Switch to light mode' }).click();
  await expect(html).not.toHaveClass(/\bdark\b/);
  // The pick (light) stays even when the system turns dark.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await expect(html).not.toHaveClass(/\bdark\b/);

  // With no pick, the system's dark setting is followed.
  await page.evaluate(() => localStorage.removeItem('bj-theme'));
  await page.reload();
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await expect(html).toHaveClass(/\bdark\b/);
});
