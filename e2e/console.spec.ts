import { expect, test } from '@playwright/test';
import { addJob, shot, signIn } from './helpers.ts';

test('an anonymous visit shows the sign-in page; signing in opens the overview with six queues', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'BizInsights Jobs' })).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  await shot(page, 'login');
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('queue-cards').locator('[data-testid^="queue-card-"]')).toHaveCount(6);
  await shot(page, 'overview');
});

test('the overview counts change live when jobs are added', async ({ page }) => {
  await signIn(page);
  const card = page.getByTestId('queue-card-alerts');
  const completed = card.locator('[data-stat="completed"]');
  const before = Number((await completed.textContent())?.replace(/,/g, ''));
  await addJob(page, 'alerts', { organizationId: 'org-1', alertType: 'LIVE', severity: 'LOW', message: 'hello', metadata: {} });
  await expect(completed).toHaveText(String(before + 1));
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-mode', 'live');
});
