import { expect, test } from '@playwright/test';
import { jobInfo, shot, signIn, trpcQuery, uid } from './helpers.ts';

/**
 * Schedules on report-generation (no worker in the e2e server, so a job the schedule adds stays
 * waiting where the test can see it), and the audit log that records each change.
 */

interface Schedule {
  queue: string;
  name: string;
  pattern: string | null;
  tz: string | null;
  next: number | null;
  data: unknown;
}

/** The next 06:30 UTC after now. */
function next0630Utc(now = Date.now()): number {
  const d = new Date(now);
  const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 6, 30);
  return t > now ? t : t + 86_400_000;
}

test('a schedule is added with a checked cron, runs now, is removed after confirming; the audit log lists it all', async ({ page }) => {
  const tag = uid();
  const name = `e2e-report-${tag}`;
  const org = `org-sched-${tag}`;
  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
  await expect(page.getByRole('heading', { name: 'Schedules', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Add schedule' }).click();

  const form = page.getByRole('form', { name: 'Schedule' });
  await expect(form).toBeVisible();
  const save = form.getByRole('button', { name: 'Save schedule' });
  const nameInput = form.locator('input[name="name"]');
  const cronInput = form.locator('input[name="cron"]');
  // Each input is described by its hint or by its errors (the errors are alerts, too).
  await expect(form.getByLabel('Name', { exact: true })).toHaveAttribute('name', 'name');
  await expect(form.getByLabel('Cron', { exact: true })).toHaveAttribute('name', 'cron');
  const alerts = form.getByRole('alert');

  // The name is checked as you type.
  await nameInput.fill('bad name');
  await expect(alerts).toHaveText('No spaces or colons');
  await expect(nameInput).toHaveAccessibleDescription('No spaces or colons');
  await expect(save).toBeDisabled();
  await nameInput.fill(name);
  await expect(alerts).toHaveCount(0);
  await expect(nameInput).toHaveAccessibleDescription('The same name updates the schedule');

  // So is the cron: errors while it is wrong, its meaning once it is right.
  await cronInput.fill('30 6 * *');
  await expect(alerts).toHaveText('Expected 5 fields (minute hour day month weekday), got 4');
  await expect(cronInput).toHaveAccessibleDescription('Expected 5 fields (minute hour day month weekday), got 4');
  await expect(save).toBeDisabled();
  await cronInput.fill('61 6 * * *');
  await expect(alerts).toContainText('minutes part must be >= 0 and <= 59');
  await expect(cronInput).toHaveAccessibleDescription(/minutes part must be >= 0 and <= 59/);
  await expect(save).toBeDisabled();
  await cronInput.fill('30 6 * * *');
  await expect(alerts).toHaveCount(0);
  await expect(cronInput).toHaveAccessibleDescription(/At 06:30/);

  await form.locator('input[name="tz"]').fill('UTC');
  const data = form.locator('textarea[name="data"]');
  await data.fill(
    JSON.stringify({ reportId: `report-${tag}`, organizationId: org, reportType: 'weekly', period: '7d', recipientEmails: [`r-${tag}@example.com`] }, null, 2),
  );
  await expect(save).toBeEnabled();
  await save.click();
  await expect(page.getByRole('status').filter({ hasText: `Schedule ${name} saved; next run in` })).toBeVisible();
  await expect(form).toHaveCount(0);

  // The table lists it with its cron, its meaning, its zone and its next run.
  const row = page.getByTestId('schedules-table').getByTestId(`schedule-${name}`);
  await expect(row).toBeVisible();
  const cells = row.getByRole('cell');
  await expect(cells.nth(1)).toHaveText('report-generation');
  await expect(cells.nth(2)).toContainText('30 6 * * *');
  await expect(cells.nth(2)).toContainText('At 06:30');
  await expect(cells.nth(3)).toHaveText('UTC');
  await expect(cells.nth(4)).toHaveText(/^in (a moment|\d+ (s|min|h))$/);
  await expect(cells.nth(5)).toHaveText('not yet');
  const saved = (await trpcQuery<Schedule[]>(page, 'schedules.list', { queue: 'report-generation' })).find((s) => s.name === name);
  expect(saved).toMatchObject({ pattern: '30 6 * * *', tz: 'UTC', data: { organizationId: org } });
  expect(saved!.next).toBe(next0630Utc());
  await shot(page, 'schedules');

  // Run now adds one job with the schedule's data.
  await row.getByRole('button', { name: 'Run now' }).click();
  const toast = page.getByRole('status').filter({ hasText: /Job \S+ added to report-generation/ });
  await expect(toast).toBeVisible();
  const jobId = /Job (\S+) added/.exec((await toast.textContent()) ?? '')![1];
  const job = await jobInfo(page, 'report-generation', jobId);
  // Workers run every queue here: the job may already be running or done; it exists with the schedule's data.
  expect(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']).toContain(job.state);
  expect(job.data).toMatchObject({ organizationId: org, reportId: `report-${tag}` });
  // Its next run did not move.
  expect((await trpcQuery<Schedule[]>(page, 'schedules.list', { queue: 'report-generation' })).find((s) => s.name === name)?.next).toBe(saved!.next);

  // Remove asks first; Cancel keeps it.
  await row.getByRole('button', { name: 'Remove' }).click();
  const dialog = page.getByRole('dialog', { name: `Remove schedule ${name}?` });
  await expect(dialog).toContainText('No more report-generation jobs will be created by it');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();
  expect((await trpcQuery<Schedule[]>(page, 'schedules.list', { queue: 'report-generation' })).some((s) => s.name === name)).toBe(true);

  await row.getByRole('button', { name: 'Remove' }).click();
  await dialog.getByRole('button', { name: 'Remove schedule' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Schedule ${name} removed` })).toBeVisible();
  await expect(row).toHaveCount(0);
  expect((await trpcQuery<Schedule[]>(page, 'schedules.list', { queue: 'report-generation' })).some((s) => s.name === name)).toBe(false);
  // The job it already made stays.
  expect((await jobInfo(page, 'report-generation', jobId)).data).toMatchObject({ reportId: `report-${tag}` });

  // The audit log lists the three changes, newest first, by admin, all ok.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  const table = page.getByTestId('audit-table');
  await expect(table).toBeVisible();
  const rows = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'report-generation', exact: true }) });
  await expect(rows.filter({ hasText: 'schedule.remove' })).not.toHaveCount(0);
  const texts = await rows.allTextContents();
  const at = (action: string) => texts.findIndex((t) => t.includes(action));
  expect(at('schedule.remove')).toBeGreaterThanOrEqual(0);
  expect(at('schedule.remove')).toBeLessThan(at('schedule.runNow'));
  expect(at('schedule.runNow')).toBeLessThan(at('schedule.upsert'));
  for (const action of ['schedule.remove', 'schedule.runNow', 'schedule.upsert']) {
    const entry = rows.filter({ hasText: action }).first();
    await expect(entry).toContainText('admin (session)');
    await expect(entry).toContainText('trpc');
    await expect(entry).toContainText('ok');
  }
  await shot(page, 'audit');
});
