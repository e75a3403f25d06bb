import { expect, test } from '@playwright/test';
import { api, shot, signIn } from './helpers.ts';

/** The Workers page lists the e2e server's own worker process, live, as GET /api/workers does. */

interface Worker {
  name: string;
  host: string;
  pid: number;
  version: string;
  status: 'live' | 'gone';
  queues: Array<{ queue: string; concurrency: number; active: number }>;
}

test('the Workers page shows the server’s own worker as live, with its queues', async ({ page }) => {
  const listed = await api(page, 'GET', '/api/workers');
  expect(listed.status).toBe(200);
  const live = (listed.body.data as Worker[]).filter((w) => w.status === 'live');
  expect(live).toHaveLength(1);
  const [me] = live;
  // The e2e server sets no WORKER_NAME: the default is hostname:pid.
  expect(me.name).toBe(`${me.host}:${me.pid}`);

  await signIn(page, 'viewer');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workers' }).click();
  await expect(page).toHaveURL(/\/workers$/);
  await expect(page.getByRole('heading', { name: 'Workers', level: 1 })).toBeVisible();

  const row = page.getByTestId(`worker-${me.name}`);
  await expect(row).toHaveAttribute('data-status', 'live');
  await expect(row.getByRole('rowheader')).toHaveText(me.name);
  await expect(row.getByTestId('worker-status')).toHaveText('live');
  await expect(row).toContainText(String(me.pid));
  await expect(row).toContainText(me.version);
  await expect(row).toContainText(/\d+ MB/);
  for (const q of me.queues) await expect(row).toContainText(q.queue);
  await expect(row.getByText('of 5 busy').first()).toBeAttached();
  await expect(page.getByTestId('workers-summary')).toHaveText(/^1 live worker/);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await shot(page, 'workers');
});
