import { expect, test } from '@playwright/test';
import { addJob, jobInfo, signIn, trpcQuery, uid, waitForJobState } from './helpers.ts';

/**
 * Edit data and retry on a failed job: the JSON is checked against the queue's schema as it is typed (a bad
 * field is named and the submit stays disabled), then the fixed data becomes a new job, linked both ways; the
 * job page lists the attempts.
 */
test('edit-and-retry refuses a bad field as you type, then adds the fixed job linked from the old one', async ({ page }) => {
  await signIn(page);
  const tag = uid();
  const data = { organizationId: 'demo-org', alertType: 'DATA_ANOMALY', severity: 'HIGH', message: `please fail ${tag}`, metadata: { tag } };
  const id = await addJob(page, 'alerts', data, { attempts: 1 });
  await waitForJobState(page, 'alerts', id, 'failed');

  await page.goto(`/queues/alerts/jobs/${id}`);
  await expect(page.getByTestId('attempts')).toContainText('failed');
  await page.getByRole('button', { name: 'Edit data and retry' }).click();
  const editor = page.getByLabel('Job data (JSON)');
  const submit = page.getByRole('button', { name: 'Add as new job' });
  await expect(editor).toHaveValue(JSON.stringify(data, null, 2));

  await editor.fill(JSON.stringify({ ...data, severity: 'BOGUS' }, null, 2));
  await expect(page.getByTestId('edit-errors')).toContainText('severity');
  await expect(submit).toBeDisabled();
  await editor.fill('{ "organizationId": ');
  await expect(page.getByTestId('edit-errors')).toContainText('Not valid JSON');
  await expect(submit).toBeDisabled();

  const fixed = { ...data, message: `delivered ${tag}` };
  await editor.fill(JSON.stringify(fixed, null, 2));
  await expect(page.getByTestId('edit-errors')).toHaveCount(0);
  await expect(submit).toBeEnabled();
  await submit.click();

  // The new job's page, linked from the old one.
  await expect(page.getByTestId('job-links')).toContainText(`Edited from #${id}`);
  const newId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  expect(newId).not.toBe(id);
  expect((await jobInfo(page, 'alerts', newId)).data).toEqual(fixed);

  await page
    .getByTestId('job-links')
    .getByRole('link', { name: `#${id}` })
    .click();
  await expect(page.getByTestId('job-links')).toContainText(`Retried as #${newId}`);
  // Kept (the default), and the audit log has the edit with its changed path.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(id);
  const audit = await trpcQuery<{ entries: Array<{ action: string; jobIds?: string[]; detail?: { changes?: Array<{ path: string }> } }> }>(page, 'audit.list', {
    page: 1,
    pageSize: 50,
  });
  const entry = audit.entries.find((e) => e.action === 'job.editRetry' && e.jobIds?.includes(newId));
  expect(entry?.detail?.changes?.map((c) => c.path)).toEqual(['message']);
});
