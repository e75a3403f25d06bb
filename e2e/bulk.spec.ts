import { expect, test } from '@playwright/test';
import { addJob, jobInfo, shot, signIn, trpcQuery, uid } from './helpers.ts';

/**
 * "Retry all N matching": on the alerts queue's failed tab with a search, the bar offers to retry every
 * matching job (not just the page), the confirmation names how many, a progress bar follows it, and exactly
 * those jobs run again (e2e/serve.ts fails an alert whose message says "fail", so each comes back failed
 * with one more attempt). Failed alerts the search does not match are left alone.
 */
test('Retry all matching: a confirmation naming the count, progress, and exactly those jobs retried', async ({ page }) => {
  test.setTimeout(120_000);
  const tag = `bulk${uid()}`;
  await signIn(page);
  const alert = (i: number, kind: string) => ({
    organizationId: `tenant_${i % 3}`,
    alertType: 'INCIDENT',
    severity: 'HIGH',
    message: `fail: ${kind} ${tag} request ${i}`,
    metadata: {},
  });
  const matching = await Promise.all(Array.from({ length: 30 }, (_, i) => addJob(page, 'alerts', alert(i, 'matching'), { attempts: 1 })));
  const others = await Promise.all(Array.from({ length: 5 }, (_, i) => addJob(page, 'alerts', alert(i, 'other'), { attempts: 1 })));
  for (const id of [...matching, ...others]) await expect.poll(async () => (await jobInfo(page, 'alerts', id)).state, { timeout: 30_000 }).toBe('failed');

  await page.goto(`/queues/alerts?tab=failed&q=${encodeURIComponent(`matching ${tag}`)}`);
  const bar = page.getByTestId('bulk-bar');
  const retryAll = bar.getByRole('button', { name: 'Retry all 30 matching' });
  await expect(retryAll).toBeVisible();
  await expect(bar.getByRole('button', { name: 'Remove all 30 matching' })).toBeVisible();

  // The confirmation names the count; Cancel backs out.
  await retryAll.click();
  const dialog = page.getByRole('dialog', { name: /Retry 30 failed jobs matching/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('bulk-confirm-count')).toHaveText('30');
  await shot(page, 'bulk-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await jobInfo(page, 'alerts', matching[0])).attemptsMade).toBe(1);

  await retryAll.click();
  await dialog.getByRole('button', { name: 'Retry 30' }).click();
  const progress = page.getByTestId('bulk-progress');
  await expect(progress).toHaveAttribute('data-phase', 'done', { timeout: 30_000 });
  await expect(progress.getByRole('status')).toHaveText('Done: 30 of 30 retried');
  await expect(progress.getByRole('progressbar')).toHaveAttribute('value', '30');
  await shot(page, 'bulk-done');

  // Exactly the matching jobs ran again (and failed again): one more attempt each; the others none.
  for (const id of matching) await expect.poll(async () => (await jobInfo(page, 'alerts', id)).attemptsMade, { timeout: 30_000 }).toBe(2);
  for (const id of others) expect((await jobInfo(page, 'alerts', id)).attemptsMade).toBe(1);

  // The audit log has the filter and the count.
  const audit = await trpcQuery<{ entries: Array<{ action: string; count?: number; detail?: { filter?: unknown } }> }>(page, 'audit.list', {
    page: 1,
    pageSize: 50,
  });
  const entry = audit.entries.find((e) => e.action === 'bulk.retry' && JSON.stringify(e.detail?.filter).includes(tag));
  expect(entry).toMatchObject({ count: 30, detail: { filter: { queue: 'alerts', state: 'failed', search: `matching ${tag}` } } });
});

test('A viewer sees no bulk bar', async ({ page }) => {
  await signIn(page, 'viewer');
  await page.goto('/queues/alerts?tab=failed');
  await expect(page.getByRole('heading', { name: 'alerts', level: 1 })).toBeVisible();
  await expect(page.getByTestId('bulk-bar')).toHaveCount(0);
});
