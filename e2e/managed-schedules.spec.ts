import { expect, test } from '@playwright/test';
import { shot, signIn, trpcQuery } from './helpers.ts';

/**
 * Managed schedules on the Schedules page: the demo integrations' syncs and the demo organization's
 * insights are the scheduler's (it rewrites them at every start), and the page says so: owner, where
 * the interval comes from, an interval edit that is stored on the integration, and the reason an
 * insights schedule cannot change here. The interval is put back at the end (other specs share the server).
 */

interface Listed {
  name: string;
  pattern: string | null;
  managed: { owner: string; everyMinutes: number | null } | null;
}

const syncOf = async (page: Parameters<typeof trpcQuery>[0]) =>
  (await trpcQuery<Listed[]>(page, 'schedules.list', { queue: 'data-sync' })).find((s) => s.name === 'sync-demo-shopify');

test('a managed schedule shows its owner; its interval is changed on the integration; insights says why it cannot change here', async ({ page }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
  await expect(page.getByRole('heading', { name: 'Schedules', level: 1 })).toBeVisible();
  const table = page.getByTestId('schedules-table');

  // The sync schedule names its integration, platform and organization, and where its interval comes from.
  const sync = table.getByTestId('schedule-sync-demo-shopify');
  const owner = sync.getByTestId('schedule-owner');
  await expect(owner).toContainText('Managed');
  await expect(owner).toContainText('Integration demo-shopify — Demo shopify (Shopify, org Demo Company)');
  await expect(owner).toContainText('Shopify default: every 2 h');
  // The scheduler would put it back: no Remove.
  await expect(sync.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  const insights = table.getByTestId('schedule-insights-demo-org');
  await expect(insights.getByTestId('schedule-owner')).toContainText('Organization Demo Company (demo-org) insights');
  await expect(insights.getByTestId('schedule-owner')).toContainText('INSIGHTS default: every 6 h');
  await shot(page, 'managed-schedules');

  // Edit opens the interval, stored on the integration.
  await sync.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Sync interval' });
  await expect(page.getByTestId('managed-owner')).toHaveText('Integration demo-shopify — Demo shopify (Shopify, org Demo Company)');
  await expect(page.getByTestId('managed-note')).toContainText('A new interval is stored on the integration, so it lasts');
  await form.getByLabel('Sync every').selectOption({ label: '12 h' });
  await form.getByRole('button', { name: 'Save interval' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'sync-demo-shopify now syncs every 12 h; next run' })).toBeVisible();
  await expect(form).toHaveCount(0);
  await expect(owner).toContainText("integration's sync interval: 12 h, from the store");
  expect((await syncOf(page))?.managed?.everyMinutes).toBe(720);

  // An insights schedule: the reason, and nothing to save.
  await insights.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByTestId('managed-note')).toContainText('Set by the insights cadence: every 6 h for every organization');
  await expect(page.getByTestId('managed-edit').getByRole('button', { name: 'Save interval' })).toHaveCount(0);
  await page.getByTestId('managed-edit').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('managed-edit')).toHaveCount(0);

  // Back to the platform's default, from the page too.
  await sync.getByRole('button', { name: 'Edit' }).click();
  await form.getByLabel('Sync every').selectOption({ label: 'Platform default (2 h)' });
  await form.getByRole('button', { name: 'Save interval' }).click();
  await expect(owner).toContainText('Shopify default: every 2 h');
  expect((await syncOf(page))?.managed?.everyMinutes).toBe(120);

  // The audit log lists both interval changes.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  const audit = page.getByTestId('audit-table');
  await expect(audit.getByRole('row').filter({ hasText: 'schedule.interval' })).toHaveCount(2);
});
