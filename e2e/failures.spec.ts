import { expect, test } from '@playwright/test';
import { addJob, api, jobInfo, shot, signIn, trpcQuery } from './helpers.ts';

/**
 * An incident: 300 alerts fail for good with two causes (e2e/serve.ts fails an alert whose message says "fail"),
 * their messages carrying ids and numbers that differ per job. The Failures page shows two groups with the right
 * counts; a group opens its sample and its jobs, which link to the job page.
 */
const TOKEN = 'Alert delivery failed: fail: token expired for tenant <id> (request <n>)';
const QUOTA = 'Alert delivery failed: fail: quota exceeded for tenant, <n> calls in <n> s';

type Group = { fingerprint: string; message: string; count: number };

test('300 failures of two causes show as two groups with their counts', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  const alert = (i: number) => ({
    organizationId: `tenant_${i % 4}`,
    alertType: 'INCIDENT',
    severity: 'HIGH',
    message:
      i % 3 < 2
        ? `fail: token expired for tenant tenant_${i % 4} (request ${10_000 + i})`
        : `fail: quota exceeded for tenant, ${300 + i} calls in ${1 + (i % 50)} s`,
    metadata: {},
  });
  const ids: string[] = [];
  for (let start = 0; start < 300; start += 30) {
    ids.push(...(await Promise.all(Array.from({ length: 30 }, (_, k) => addJob(page, 'alerts', alert(start + k), { attempts: 1 })))));
  }
  const tokenIds = ids.filter((_, i) => i % 3 < 2);
  const quotaIds = ids.filter((_, i) => i % 3 === 2);

  // Every job has failed and been recorded (the workers run in the server process).
  const ours = async () =>
    (await trpcQuery<Group[]>(page, 'failures.groups', { queue: 'alerts', range: '24h' })).filter((g) => g.message === TOKEN || g.message === QUOTA);
  await expect.poll(async () => (await ours()).map((g) => `${g.message}=${g.count}`).sort(), { timeout: 60_000 }).toEqual([`${QUOTA}=100`, `${TOKEN}=200`]);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Failures' }).click();
  await expect(page.getByRole('heading', { name: 'Failures', level: 1 })).toBeVisible();
  const table = page.getByTestId('failure-groups');
  const tokenRow = table.getByRole('row').filter({ hasText: TOKEN });
  const quotaRow = table.getByRole('row').filter({ hasText: QUOTA });
  await expect(tokenRow).toHaveCount(1);
  await expect(quotaRow).toHaveCount(1);
  await expect(tokenRow.getByTestId('group-count')).toHaveText('200');
  await expect(quotaRow.getByTestId('group-count')).toHaveText('100');
  await expect(tokenRow.getByRole('img', { name: /200 failures in the last 24 hours/ })).toBeVisible();
  await expect(tokenRow).toContainText('tenant_0');
  await shot(page, 'failures');

  // REST agrees: biggest count first among ours, the normalised message.
  const rest = await api(page, 'GET', '/api/failures?queue=alerts&range=24h');
  expect(rest.status).toBe(200);
  const rows = (rest.body.data as Group[]).filter((g) => g.message === TOKEN || g.message === QUOTA);
  expect(rows.map((r) => r.count)).toEqual([200, 100]);

  // A group opens its sample and the jobs still failed; a job opens the job page.
  await tokenRow.getByTestId('group-message').click();
  await expect(page.getByTestId('group-title')).toHaveText(TOKEN);
  await expect(page.getByTestId('group-still-failed')).toHaveText('200 of 200 jobs still failed');
  await expect(page.getByTestId('group-sample')).toContainText(/fail: token expired for tenant tenant_\d \(request \d+\)/);
  await expect(page.getByTestId('group-jobs').getByRole('row')).toHaveCount(26);
  await shot(page, 'failure-group');
  // The group's jobs export from here (the REST export with ?group=).
  await page.getByTestId('export-menu').locator('summary').click();
  const href = await page.getByTestId('export-menu').getByRole('link', { name: 'Download' }).getAttribute('href');
  expect(href).toContain('group=');
  // The signed-in session downloads it: every one of the group's 200 jobs, one NDJSON line each.
  const exported = await page.request.get(href!.replace('format=csv', 'format=ndjson'));
  expect(exported.status()).toBe(200);
  const exportedIds = (await exported.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id as string);
  expect(exportedIds.sort()).toEqual([...tokenIds].sort());

  // Retry all in group: the confirmation names its 200 jobs, and exactly those run again (and fail again).
  const bar = page.getByTestId('bulk-bar');
  await bar.getByRole('button', { name: 'Retry all 200 matching' }).click();
  const dialog = page.getByRole('dialog', { name: /Retry 200 failed jobs/ });
  await expect(dialog.getByTestId('bulk-confirm-count')).toHaveText('200');
  await dialog.getByRole('button', { name: 'Retry 200' }).click();
  await expect(page.getByTestId('bulk-progress').getByRole('status')).toHaveText('Done: 200 of 200 retried', { timeout: 30_000 });
  for (const id of tokenIds) await expect.poll(async () => (await jobInfo(page, 'alerts', id)).attemptsMade, { timeout: 30_000 }).toBe(2);
  for (const id of quotaIds) expect((await jobInfo(page, 'alerts', id)).attemptsMade).toBe(1);
  const firstJob = page.getByTestId('group-jobs').getByRole('row').nth(1).getByRole('link');
  const id = (await firstJob.textContent()) ?? '';
  await firstJob.click();
  await expect(page).toHaveURL(new RegExp(`/queues/alerts/jobs/${id}$`));
});
