import { expect, test } from '@playwright/test';
import { addJob, jobInfo, shot, signIn, uid, waitForJobState } from './helpers.ts';

/**
 * Jobs: a failing job from the Failed tab to its page and a retry; the add-job form's validation and
 * its link to the new job; search over job data. Every test uses its own organizationId / message.
 */

test('a failing job shows under Failed with its reason and stack trace; Retry runs it again and is audited', async ({ page }) => {
  const tag = uid();
  await signIn(page);
  const id = await addJob(
    page,
    'alerts',
    { organizationId: `org-fail-${tag}`, alertType: 'E2E_FAIL', severity: 'HIGH', message: `please fail ${tag}`, metadata: { tag } },
    { attempts: 1 },
  );
  await waitForJobState(page, 'alerts', id, 'failed');

  // The queue page opens on the Failed tab; the job is listed there with its reason.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'alerts', exact: true }).click();
  await expect(page).toHaveURL(/\/queues\/alerts$/);
  await expect(page.getByRole('tab', { name: /^failed/ })).toHaveAttribute('aria-selected', 'true');
  const row = page.getByTestId('job-table').getByTestId(`job-row-${id}`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(`Alert delivery failed: please fail ${tag}`);
  await expect(row).toContainText('1/1');
  await shot(page, 'queue');

  // Its page: state, failed reason, stack trace, timeline, attempts.
  await row.getByRole('link', { name: id, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/queues/alerts/jobs/${id}$`));
  await expect(page.getByRole('heading', { level: 1, name: id, exact: true })).toBeVisible();
  const header = page.getByRole('heading', { level: 1 }).locator('..');
  await expect(header.getByText('failed', { exact: true })).toBeVisible();
  await expect(page.getByTestId('failed-reason')).toHaveText(`Alert delivery failed: please fail ${tag}`);
  await expect(page.getByTestId('stacktrace')).toContainText(`Error: Alert delivery failed: please fail ${tag}`);
  await expect(page.getByTestId('stacktrace')).toContainText('e2e/serve.ts');
  await expect(page.getByTestId('timeline')).toContainText('Failed');
  await expect(page.getByText(/Attempts:\s*1 of 1/)).toBeVisible();
  await expect(page.getByText(`checking alert E2E_FAIL`)).toBeVisible();
  await shot(page, 'job');

  // Retry (admin): a toast says so; the processor fails again, so the job is back in failed with a
  // second attempt made and a second stack trace.
  const actions = page.getByTestId('job-actions');
  await actions.getByRole('button', { name: 'Retry', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Job queued for retry' })).toBeVisible();
  await expect(page.getByText(/Attempts:\s*2 of 1/)).toBeVisible();
  await expect(header.getByText('failed', { exact: true })).toBeVisible();
  await expect(page.getByTestId('stacktrace')).toContainText('previous attempt');
  expect((await jobInfo(page, 'alerts', id)).attemptsMade).toBe(2);

  // The audit log names the retry, who did it and the job.
  await page.getByRole('link', { name: 'Audit log' }).click();
  const entry = page
    .getByTestId('audit-table')
    .getByRole('row')
    .filter({ hasText: 'jobs.retry' })
    .filter({ has: page.getByRole('cell', { name: id, exact: true }) });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('admin');
  await expect(entry).toContainText('alerts');
  await expect(entry).toContainText('ok');
});

test('a job waiting for its retry shows when that retry really runs; Run now runs it at once', async ({ page }) => {
  const tag = uid();
  await signIn(page);
  // It first waits 4 s (opts.delay), fails, and is retried 60 s after that failure.
  const backoff = 60_000;
  const id = await addJob(
    page,
    'alerts',
    { organizationId: `org-retry-${tag}`, alertType: 'E2E_BACKOFF', severity: 'MEDIUM', message: `backoff fail ${tag}`, metadata: {} },
    { delay: 4000, attempts: 2, backoff: { type: 'fixed', delay: backoff } },
  );
  await expect.poll(async () => (await jobInfo(page, 'alerts', id)).attemptsMade, { timeout: 10_000 }).toBe(1);
  const job = await jobInfo(page, 'alerts', id);
  expect(job.state).toBe('delayed');
  expect(job.processedOn! - job.timestamp).toBeGreaterThanOrEqual(4000);

  await page.goto(`/queues/alerts/jobs/${id}`);
  await expect(page.getByRole('heading', { level: 1 }).locator('..').getByText('delayed', { exact: true })).toBeVisible();
  await expect(page.getByTestId('failed-reason')).toHaveText(`Alert delivery failed: backoff fail ${tag}`);
  await expect(page.getByText(/Attempts:\s*1 of 2/)).toBeVisible();
  // The retry runs `backoff` ms after the failed attempt (which started at processedOn and took
  // milliseconds), not `backoff` ms after the job was created.
  const nextRetry = page.getByTestId('timeline').getByRole('listitem').filter({ hasText: 'Next retry' });
  await expect(nextRetry).toBeVisible();
  const shown = (await nextRetry.textContent())!.replace('Next retry', '').trim();
  const fmt = (ms: number) => page.evaluate((t) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }), ms);
  const due = job.processedOn! + backoff;
  const acceptable = await Promise.all([-1000, 0, 1000, 2000].map((d) => fmt(due + d)));
  expect
    .soft(
      acceptable,
      `"Next retry ${shown}" should be about ${await fmt(due)} (the failure + ${backoff} ms), not ${await fmt(job.timestamp + backoff)} (creation + ${backoff} ms)`,
    )
    .toContain(shown);

  // Run now: the retry runs at once and, the processor failing again, the job fails for good.
  await page.getByTestId('job-actions').getByRole('button', { name: 'Run now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Job promoted' })).toBeVisible();
  await expect(page.getByText(/Attempts:\s*2 of 2/)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 }).locator('..').getByText('failed', { exact: true })).toBeVisible();
  await expect(page.getByTestId('timeline').getByText('Next retry')).toHaveCount(0);
});

test('the add-job form flags a bad field as you type, and adds the fixed job with a link to it', async ({ page }) => {
  const tag = uid();
  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Add job' }).click();
  await expect(page.getByRole('heading', { name: 'Add a job' })).toBeVisible();

  await page.getByRole('combobox', { name: /^Queue/ }).selectOption('email-sending');
  await expect(page).toHaveURL(/\/add\?queue=email-sending$/);
  const data = page.getByLabel('Data (JSON)');
  const addButton = page.getByRole('button', { name: 'Add job' });
  const payload = (to: string) => JSON.stringify({ to, subject: `E2E ${tag}`, template: 'welcome', data: { name: 'E2E', tag } }, null, 2);

  // Invalid: the error names the field and Add is disabled.
  await data.fill(payload('not-an-email'));
  const errors = page.getByTestId('field-errors');
  await expect(errors).toBeVisible();
  await expect(errors.getByRole('alert')).toHaveCount(1);
  await expect(errors.getByRole('alert')).toContainText(/^to:/);
  await expect(data).toHaveAttribute('aria-invalid', 'true');
  await expect(addButton).toBeDisabled();

  // Broken JSON is flagged too.
  await data.fill('{"to": ');
  await expect(errors).toContainText('(json)');
  await expect(addButton).toBeDisabled();

  // Fixed: no errors, Add is enabled; adding shows a toast and the link to the new job.
  const address = `e2e-${tag}@example.com`;
  await data.fill(payload(address));
  await expect(errors).toHaveCount(0);
  await expect(addButton).toBeEnabled();
  await shot(page, 'add-job');
  await addButton.click();
  const toast = page.getByRole('status').filter({ hasText: /Job \S+ added to email-sending/ });
  await expect(toast).toBeVisible();
  const link = page.getByTestId('added-job-link');
  await expect(link).toBeVisible();
  const id = /Job (\S+) added/.exec((await toast.textContent()) ?? '')![1];
  await expect(link).toHaveText(`Open job ${id}`);

  // The link opens the job: its data is the one typed in, and the worker completes it.
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/queues/email-sending/jobs/${id}$`));
  await expect(page.getByRole('heading', { level: 1, name: id, exact: true })).toBeVisible();
  await expect(page.getByLabel('Job data', { exact: true })).toContainText(address);
  await expect(page.getByRole('heading', { level: 1 }).locator('..').getByText('completed', { exact: true })).toBeVisible();
  expect((await jobInfo(page, 'email-sending', id)).data).toMatchObject({ to: address, subject: `E2E ${tag}` });
});

test('searching a queue finds a job by a value nested in its data; nonsense finds nothing', async ({ page }) => {
  const tag = uid();
  const orderRef = `ORD-${tag.toUpperCase()}`;
  await signIn(page);
  const id = await addJob(page, 'alerts', {
    organizationId: `org-search-${tag}`,
    alertType: 'E2E_SEARCH',
    severity: 'LOW',
    message: `search ${tag}`,
    metadata: { order: { orderRef } },
  });
  await waitForJobState(page, 'alerts', id, 'completed');

  await page.goto('/queues/alerts');
  const box = page.getByRole('searchbox', { name: 'Search jobs' });
  await box.fill(orderRef.toLowerCase());
  await box.press('Enter');
  await expect(page).toHaveURL(/[?&]q=ord-/);
  const results = page.getByTestId('search-results');
  await expect(results.getByTestId(`job-row-${id}`)).toBeVisible();
  await expect(results).toContainText(/1 match for/);
  await expect(results.getByRole('row')).toHaveCount(2); // header + the one job
  // The tabs give way to the results.
  await expect(page.getByRole('tablist', { name: 'Job states' })).toHaveCount(0);

  await box.fill(`zz-nothing-${tag}`);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(results.getByRole('status')).toContainText('No jobs match');
  await expect(results).toContainText(/0 matches for/);
  await expect(results.getByTestId('job-table')).toHaveCount(0);

  // Clear brings the tabs back.
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByRole('tablist', { name: 'Job states' })).toBeVisible();
  await expect(page).not.toHaveURL(/[?&]q=/);
});
