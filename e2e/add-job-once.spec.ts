import { expect, test } from '@playwright/test';
import { queueInfo, signIn, trpcMutate, trpcQuery, uid } from './helpers.ts';

/**
 * A double click on "Add job" adds one job, not two: the button is disabled while the request runs
 * and the form ignores a second submit. report-generation is paused meanwhile (nothing else adds
 * to it), so its jobs stay put and the counts are ours; the job is removed again at the end.
 */

const total = (s: Record<string, number>) => s.waiting + s.active + s.completed + s.failed + s.delayed + s.paused;

test('double-clicking Add job adds the job once', async ({ page }) => {
  const queue = 'report-generation';
  const tag = uid();
  await signIn(page);
  await trpcMutate(page, 'queues.pause', { queue });
  const tagged = async () => (await trpcQuery<{ jobs: Array<{ id: string }> }>(page, 'jobs.search', { queue, text: `once-${tag}` })).jobs;
  try {
    const before = total((await queueInfo(page, queue)).stats);

    await page.goto(`/add?queue=${queue}`);
    await expect(page.getByRole('heading', { name: 'Add a job' })).toBeVisible();
    const data = { reportId: `once-${tag}`, organizationId: `org-once-${tag}`, reportType: 'weekly', period: '7d' };
    await page.getByLabel('Data (JSON)').fill(JSON.stringify(data));
    const addButton = page.getByRole('button', { name: 'Add job' });
    await expect(addButton).toBeEnabled();
    await addButton.dblclick();

    const added = page.getByRole('status').filter({ hasText: `added to ${queue}` });
    await expect(added.first()).toBeVisible();
    await expect(page.getByTestId('added-job-link')).toBeVisible();
    // A second request, had one gone out, lands within this time.
    await page.waitForTimeout(1500);
    expect((await tagged()).length, 'jobs with this test’s data').toBe(1);
    expect(total((await queueInfo(page, queue)).stats) - before, 'new jobs in the queue').toBe(1);
    await expect(added).toHaveCount(1);
  } finally {
    const ids = (await tagged()).map((j) => j.id);
    if (ids.length) await trpcMutate(page, 'jobs.remove', { queue, ids });
    await trpcMutate(page, 'queues.resume', { queue });
  }
});
