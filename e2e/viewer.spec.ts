import { expect, test, type Page } from '@playwright/test';
import { E2E } from './credentials.ts';
import { addJob, queueInfo, shot, signIn, trpcMutate, trpcQuery, uid, waitForJobState } from './helpers.ts';

/** The viewer role sees no action controls and cannot write through Bull Board; Bull Board itself. */

/** Bull Board's page asks Google Fonts for a font; the tests run offline, so that request fails at once. */
const offlineFonts = (page: Page) => page.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) => route.abort());

test('a viewer sees no action controls anywhere', async ({ page }) => {
  const tag = uid();
  await signIn(page, 'viewer');
  const failedId = await addJob(
    page,
    'alerts',
    { organizationId: `org-viewer-${tag}`, alertType: 'E2E_VIEWER', severity: 'LOW', message: `viewer fail ${tag}`, metadata: {} },
    { attempts: 1 },
  );
  await waitForJobState(page, 'alerts', failedId, 'failed');

  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Schedules' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Add job' })).toHaveCount(0);

  // Queue page: stats, tabs and jobs, but no actions and no row selection.
  await nav.getByRole('link', { name: 'alerts', exact: true }).click();
  await expect(page.getByTestId('queue-stats')).toBeVisible();
  await expect(page.getByTestId(`job-row-${failedId}`)).toBeVisible();
  await expect(page.getByTestId('queue-actions')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^(Pause|Resume|Empty|Clean…)$/ })).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: /^Select/ })).toHaveCount(0);

  // Job page of a failed job: the reason, but no Retry / Remove.
  await page.getByTestId(`job-row-${failedId}`).getByRole('link').click();
  await expect(page.getByTestId('failed-reason')).toContainText(`viewer fail ${tag}`);
  await expect(page.getByTestId('job-actions')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);

  // The add page and the schedules' buttons are not there either.
  await page.goto('/add');
  await expect(page.getByText('Adding jobs (operators and admins only) does not exist')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Add job' })).toHaveCount(0);
  const schedule = `e2e-viewer-${tag}`;
  await trpcMutate(page, 'schedules.upsert', {
    queue: 'report-generation',
    name: schedule,
    cron: '0 7 * * 1',
    data: { reportId: `report-${tag}`, organizationId: `org-viewer-${tag}`, reportType: 'weekly', period: '7d' },
  });
  try {
    await page.goto('/schedules');
    await expect(page.getByRole('heading', { name: 'Schedules' })).toBeVisible();
    const row = page.getByTestId(`schedule-${schedule}`);
    await expect(row).toContainText('0 7 * * 1');
    await expect(row.getByRole('button')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Add schedule' })).toHaveCount(0);
  } finally {
    await trpcMutate(page, 'schedules.remove', { queue: 'report-generation', name: schedule });
  }
});

test('Bull Board refuses a viewer’s writes (403, naming the role) and the queue stays running; tRPC refuses them too (403)', async ({ page }) => {
  await signIn(page, 'viewer');
  const origin = new URL(page.url()).origin;
  try {
    const res = await page.request.put('/admin/queues/api/queues/alerts/pause', { headers: { origin } });
    expect(res.status()).toBe(403);
    expect((await res.json()).message).toBe('This action needs the operator role');
    // A read still works for the viewer.
    const read = await page.request.get('/admin/queues/api/queues?activeQueue=alerts', { headers: { origin } });
    expect(read.status()).toBe(200);
    expect((await queueInfo(page, 'alerts')).isPaused).toBe(false);

    const trpc = await page.request.post('/trpc/queues.pause', {
      headers: { origin, 'content-type': 'application/json' },
      data: JSON.stringify({ queue: 'alerts' }),
    });
    expect(trpc.status()).toBe(403);
    expect((await queueInfo(page, 'alerts')).isPaused).toBe(false);
  } finally {
    // Should a refusal ever let a pause through, leave alerts running for the other specs.
    if ((await queueInfo(page, 'alerts')).isPaused) await trpcMutate(page, 'queues.resume', { queue: 'alerts' });
  }
});

test('Bull Board answers 401 anonymously and opens after the console sign-in, without a second login', async ({ page, request }) => {
  const anon = await request.get('/admin/queues');
  expect(anon.status()).toBe(401);
  expect((await request.get('/admin/queues/api/queues')).status()).toBe(401);
  expect((await request.put('/admin/queues/api/queues/alerts/pause')).status()).toBe(401);

  await offlineFonts(page);
  const res = await page.goto('/admin/queues');
  expect(res?.status()).toBe(401);

  await signIn(page);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /Bull Board/ })
    .click();
  await expect(page).toHaveURL(/\/admin\/queues\/?$/);
  await expect(page).toHaveTitle('BizInsights Jobs');
  await expect(page.getByLabel('Password')).toHaveCount(0);
  // The board's app loads and lists our six queues, in its sidebar and its main view.
  const sidebar = page.getByRole('complementary');
  for (const q of ['data-sync', 'insights-generation', 'webhook-processing', 'report-generation', 'email-sending', 'alerts']) {
    await expect(sidebar.getByRole('link', { name: q, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('main').getByRole('link', { name: 'alerts', exact: true })).toBeVisible();
  await shot(page, 'bull-board');

  // The bearer token works too (for scripts), without any cookie.
  const api = await request.get('/admin/queues/api/queues', { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  expect(api.status()).toBe(200);
});

test('an admin’s Bull Board writes work and land in the audit log', async ({ page }) => {
  const queue = 'insights-generation';
  await signIn(page);
  const origin = new URL(page.url()).origin;
  try {
    const pause = await page.request.put(`/admin/queues/api/queues/${queue}/pause`, { headers: { origin } });
    expect(pause.ok()).toBe(true);
    expect((await queueInfo(page, queue)).isPaused).toBe(true);
    const resume = await page.request.put(`/admin/queues/api/queues/${queue}/resume`, { headers: { origin } });
    expect(resume.ok()).toBe(true);
    expect((await queueInfo(page, queue)).isPaused).toBe(false);
    // Without a same-origin Origin (a cross-site form post), the cookie is not enough.
    const csrf = await page.request.put(`/admin/queues/api/queues/${queue}/pause`, { headers: { origin: 'https://evil.example' } });
    expect(csrf.status()).toBe(403);
    expect((await queueInfo(page, queue)).isPaused).toBe(false);
  } finally {
    if ((await queueInfo(page, queue)).isPaused) await trpcMutate(page, 'queues.resume', { queue });
  }

  // Bull Board's writes are recorded once they have answered: wait for the record, then look at the page.
  await expect
    .poll(async () => (await trpcQuery<{ entries: Array<{ action: string }> }>(page, 'audit.list', { page: 1, pageSize: 50 })).entries.map((e) => e.action))
    .toContain(`bullboard.PUT /api/queues/${queue}/resume`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  const rows = page
    .getByTestId('audit-table')
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: queue, exact: true }) });
  await expect(rows.filter({ hasText: `bullboard.PUT /api/queues/${queue}/pause` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `bullboard.PUT /api/queues/${queue}/resume` })).toHaveCount(1);
  for (const entry of await rows.filter({ hasText: 'bullboard.PUT' }).all()) {
    await expect(entry).toContainText('admin (session)');
    await expect(entry).toContainText('ok');
  }
});
