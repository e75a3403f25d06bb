import { expect, test, type Locator, type Page } from '@playwright/test';
// The server's own types (one definition each), so a changed shape breaks this spec at compile time.
import type { ReportSummary } from '../shared/domain.ts';
import type { InsightsView } from '../shared/insights.ts';
import { addJob, alertsOf, outboxEmails, shot, signIn, trpcQuery, uid, waitForJobState, waitForOrgSynced } from './helpers.ts';

/**
 * The console's business pages (Alerts, Insights, Reports, Outbox) against the real processors and
 * the demo organization `demo-org` (Demo Company, admin member alex@demo.example) on the stand-ins.
 */

const ORG = 'demo-org';
const ORG_NAME = 'Demo Company';

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
/** The body rows of a console table. */
const bodyRows = (page: Page, testId: string) => page.getByTestId(testId).locator('tbody tr');
/** The success toast with this text. */
const toast = (page: Page, text: string | RegExp) => page.locator('[aria-live="polite"]').getByRole('status').filter({ hasText: text });

const insightsOf = (page: Page, period: string) => trpcQuery<InsightsView | null>(page, 'insights.get', { organizationId: ORG, period });
const reportsOf = async (page: Page) =>
  (await trpcQuery<{ reports: ReportSummary[] }>(page, 'reports.list', { page: 1, pageSize: 200, organizationId: ORG })).reports;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Clicks "Generate now" on the Insights page and waits until the server holds insights generated after the click. */
async function generateInsights(page: Page, period: string): Promise<InsightsView> {
  const before = Date.now() - 1_000;
  await page.getByRole('button', { name: 'Generate now' }).click();
  await expect(toast(page, /^Insights job \S+ queued/)).toBeVisible();
  let stored: InsightsView | null = null;
  await expect
    .poll(
      async () => {
        stored = await insightsOf(page, period);
        return stored ? Date.parse(stored.generatedAt) >= before : false;
      },
      { timeout: 20_000, message: `insights for ${period} are generated` },
    )
    .toBe(true);
  return stored!;
}

/**
 * Every card of the insights grid, in the server's order (most impact first), shows the insight's
 * plain-language summary, and behind "Details" the stored detail and the labelled statistics.
 */
async function expectInsightCards(page: Page, period: string): Promise<void> {
  // Read the server and the page together, so a regeneration in between cannot make them disagree.
  await expect(async () => {
    const view = await insightsOf(page, period);
    expect(view?.insights.length ?? 0).toBeGreaterThan(0);
    const cards = page.getByTestId('insights').locator('section');
    await expect(cards).toHaveCount(view!.insights.length, { timeout: 1_000 });
    for (const [i, insight] of view!.insights.entries()) {
      const card = cards.nth(i);
      await expect(card.getByRole('heading', { level: 2 })).toHaveText(insight.summary, { timeout: 1_000 });
      expect(insight.summary.trim()).not.toBe('');
      const details = card.getByTestId('insight-details');
      if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
      await expect(details).toContainText(insight.detail, { timeout: 1_000 });
      expect(insight.statistics.length).toBeGreaterThan(0);
      await expect(details.locator('dt')).toHaveText(
        insight.statistics.map((st) => st.label),
        { timeout: 1_000 },
      );
      await expect(details.locator('dd')).toHaveText(
        insight.statistics.map((st) => st.value),
        { timeout: 1_000 },
      );
    }
  }).toPass({ timeout: 20_000 });
}

/** The status filter / severity filter select. */
const select = (page: Page, label: string): Locator => page.getByRole('combobox', { name: label });

test('the sidebar leads to Alerts, Insights, Reports and Outbox; filters that match nothing show empty states', async ({ page }) => {
  await signIn(page);
  const links = nav(page);
  for (const [name, path] of [
    ['Alerts', '/alerts'],
    ['Insights', '/insights'],
    ['Reports', '/reports'],
    ['Outbox', '/outbox'],
  ] as const) {
    const link = links.getByRole('link', { name, exact: true });
    await expect(link).toHaveAttribute('href', path);
    await link.click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
    await expect(link).toHaveAttribute('aria-current', 'page');
    // Only the page's own link is current.
    await expect(links.locator('[aria-current="page"]')).toHaveCount(1);
  }

  // Insights for a year: only 30 days are generated on their own (after syncs and every 6 h), and no test asks for 1y.
  await page.goto('/insights?period=1y');
  await expect(select(page, 'Period')).toHaveValue('1y');
  await expect(page.getByRole('status').filter({ hasText: 'No insights for this period yet' })).toBeVisible();
  await expect(page.getByTestId('insights')).toHaveCount(0);
  expect(await insightsOf(page, '1y')).toBeNull();

  // The outbox has no provider here, so no email can fail: the failed filter matches nothing.
  await page.goto('/outbox?status=failed');
  await expect(select(page, 'Status')).toHaveValue('failed');
  await expect(page.getByRole('status').filter({ hasText: 'No emails yet' })).toBeVisible();
  await expect(page.getByTestId('outbox-table')).toHaveCount(0);
  expect(await outboxEmails(page, 'failed')).toHaveLength(0);

  // Alerts of any severity may come from elsewhere (the queue-health monitor raises CRITICAL ones), so
  // here the page must agree with the server: the empty state when it has none, else only CRITICAL rows.
  await page.goto('/alerts?severity=CRITICAL');
  await expect(select(page, 'Severity')).toHaveValue('CRITICAL');
  await expect(async () => {
    const { total } = await trpcQuery<{ total: number }>(page, 'alerts.list', { page: 1, pageSize: 25, severity: 'CRITICAL' });
    if (total === 0) {
      await expect(page.getByRole('status').filter({ hasText: 'No alerts' })).toBeVisible({ timeout: 1_000 });
      await expect(page.getByTestId('alerts-table')).toHaveCount(0, { timeout: 1_000 });
    } else {
      await expect(bodyRows(page, 'alerts-table')).toHaveCount(Math.min(total, 25), { timeout: 1_000 });
      await expect(
        bodyRows(page, 'alerts-table')
          .locator('td:first-child')
          .filter({ hasNotText: /^CRITICAL$/ }),
      ).toHaveCount(0, { timeout: 1_000 });
    }
  }).toPass({ timeout: 15_000 });
});

test('alerts: listed with their severity, filtered by severity in the URL, repeats folded, acknowledged by an admin only; a HIGH one emails the admins', async ({
  page,
  browser,
  baseURL,
}) => {
  const tag = uid();
  const lowType = `E2E_BIZ_LOW_${tag}`;
  const highType = `E2E_BIZ_HIGH_${tag}`;
  const lowMessage = `Low business alert ${tag}`;
  const highMessage = `High business alert ${tag}`;
  await signIn(page);

  const alert = (alertType: string, severity: string, message: string) =>
    addJob(page, 'alerts', { organizationId: ORG, alertType, severity, message, metadata: { tag } });
  const lowJob = await alert(lowType, 'LOW', lowMessage);
  const highJob = await alert(highType, 'HIGH', highMessage);
  await waitForJobState(page, 'alerts', lowJob, 'completed');
  await waitForJobState(page, 'alerts', highJob, 'completed');
  // The same type again for the same organization folds into the open alert.
  const repeatJob = await alert(highType, 'HIGH', `${highMessage} again`);
  await waitForJobState(page, 'alerts', repeatJob, 'completed');

  const stored = await alertsOf(page, ORG);
  const low = stored.find((a) => a.alertType === lowType)!;
  const high = stored.find((a) => a.alertType === highType)!;
  expect(low).toMatchObject({ severity: 'LOW', occurrences: 1, status: 'open' });
  expect(high).toMatchObject({ severity: 'HIGH', occurrences: 2, status: 'open', message: `${highMessage} again` });
  expect(stored.filter((a) => a.alertType === highType)).toHaveLength(1);

  await nav(page).getByRole('link', { name: 'Alerts', exact: true }).click();
  await expect(page).toHaveURL(/\/alerts$/);
  const lowRow = page.getByTestId(`alert-${low.id}`);
  const highRow = page.getByTestId(`alert-${high.id}`);
  await expect(lowRow).toBeVisible();
  await expect(highRow).toBeVisible();
  // Severity | Type | Message | Organization | Seen | Last | Status | (action)
  const cellsOf = (row: Locator) => row.getByRole('cell');
  await expect(cellsOf(lowRow).nth(0)).toHaveText('LOW');
  await expect(cellsOf(lowRow).nth(1)).toHaveText(lowType);
  await expect(cellsOf(lowRow).nth(2)).toHaveText(lowMessage);
  await expect(cellsOf(lowRow).nth(3)).toHaveText(ORG);
  await expect(cellsOf(lowRow).nth(4)).toHaveText('1×');
  await expect(cellsOf(lowRow).nth(6)).toHaveText('open');
  await expect(cellsOf(highRow).nth(0)).toHaveText('HIGH');
  await expect(cellsOf(highRow).nth(1)).toHaveText(highType);
  await expect(cellsOf(highRow).nth(2)).toHaveText(`${highMessage} again`);
  await expect(cellsOf(highRow).nth(4)).toHaveText('2×');
  await expect(bodyRows(page, 'alerts-table').filter({ hasText: highType })).toHaveCount(1);

  // The severity filter shows only the chosen severity and goes into the URL.
  const severity = select(page, 'Severity');
  await severity.selectOption('HIGH');
  await expect(page).toHaveURL(/[?&]severity=HIGH(&|$)/);
  await expect(highRow).toBeVisible();
  await expect(lowRow).toHaveCount(0);
  await expect(
    bodyRows(page, 'alerts-table')
      .locator('td:first-child')
      .filter({ hasNotText: /^HIGH$/ }),
  ).toHaveCount(0);
  await severity.selectOption('LOW');
  await expect(page).toHaveURL(/[?&]severity=LOW(&|$)/);
  await expect(lowRow).toBeVisible();
  await expect(highRow).toHaveCount(0);
  await expect(bodyRows(page, 'alerts-table').locator('td:first-child').filter({ hasNotText: /^LOW$/ })).toHaveCount(0);
  // A deep link with the filter opens filtered.
  await page.goto('/alerts?severity=HIGH');
  await expect(severity).toHaveValue('HIGH');
  await expect(highRow).toBeVisible();
  await expect(lowRow).toHaveCount(0);
  await severity.selectOption('');
  await expect(page).not.toHaveURL(/severity=/);
  await expect(lowRow).toBeVisible();
  await expect(highRow).toBeVisible();
  await shot(page, 'alerts');

  // An admin acknowledges the LOW one.
  await lowRow.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(toast(page, 'Alert acknowledged')).toBeVisible();
  await expect(cellsOf(lowRow).nth(6)).toHaveText('acknowledged by admin');
  await expect(lowRow.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
  await expect(highRow.getByRole('button', { name: 'Acknowledge' })).toBeVisible();
  expect((await alertsOf(page, ORG)).find((a) => a.id === low.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'admin' });

  // … and the audit log has it, with the alert it concerns.
  type Audit = { action: string; user: string; via: string; source: string; ok: boolean; detail?: { alertId?: string } };
  await expect
    .poll(async () =>
      (await trpcQuery<{ entries: Audit[] }>(page, 'audit.list', { page: 1, pageSize: 100 })).entries.find(
        (e) => e.action === 'alert.acknowledge' && e.detail?.alertId === low.id,
      ),
    )
    .toMatchObject({ user: 'admin', via: 'session', source: 'trpc', ok: true });
  await nav(page).getByRole('link', { name: 'Audit log' }).click();
  const entry = page.getByTestId('audit-table').getByRole('row').filter({ hasText: 'alert.acknowledge' }).first();
  await expect(entry).toContainText('admin (session)');
  await expect(entry).toContainText('ok');

  // A viewer sees the alerts but no Acknowledge button (nor the action column).
  const viewerContext = await browser.newContext({ baseURL });
  try {
    const viewer = await viewerContext.newPage();
    await signIn(viewer, 'viewer');
    await nav(viewer).getByRole('link', { name: 'Alerts', exact: true }).click();
    await expect(viewer.getByTestId(`alert-${high.id}`)).toBeVisible();
    await expect(viewer.getByTestId(`alert-${high.id}`).getByRole('cell').nth(6)).toHaveText('open');
    await expect(viewer.getByTestId(`alert-${low.id}`).getByRole('cell').nth(6)).toHaveText('acknowledged by admin');
    await expect(viewer.getByTestId('alerts-table').getByRole('columnheader')).toHaveCount(7);
    await expect(viewer.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
    // Nor can the viewer acknowledge through the API.
    const origin = new URL(viewer.url()).origin;
    const res = await viewer.request.post('/trpc/alerts.acknowledge', {
      headers: { origin, 'content-type': 'application/json' },
      data: JSON.stringify({ id: high.id }),
    });
    expect(res.status()).toBe(403);
    expect((await alertsOf(page, ORG)).find((a) => a.id === high.id)?.status).toBe('open');
  } finally {
    await viewerContext.close();
  }

  // The new HIGH alert emailed demo-org's admin (once, though it was raised twice); the LOW one emailed nobody.
  let notification: Awaited<ReturnType<typeof outboxEmails>>[number] | undefined;
  await expect
    .poll(async () => (notification = (await outboxEmails(page)).find((e) => e.subject.includes(highType)))?.status, {
      timeout: 15_000,
      message: 'the alert notification is sent',
    })
    .toBe('sent');
  expect(notification).toMatchObject({
    recipient: 'alex@demo.example',
    template: 'alert-notification',
    provider: 'outbox',
    subject: `[HIGH] ${highType}: ${highMessage}`,
  });
  const emails = await outboxEmails(page);
  expect(emails.filter((e) => e.subject.includes(highType))).toHaveLength(1);
  expect(emails.filter((e) => e.subject.includes(lowType))).toHaveLength(0);

  await nav(page).getByRole('link', { name: 'Outbox', exact: true }).click();
  const emailRow = page.getByTestId(`email-${notification!.id}`);
  await expect(emailRow.getByRole('cell').nth(0)).toHaveText('alex@demo.example');
  await expect(emailRow.getByRole('cell').nth(1)).toHaveText(`[HIGH] ${highType}: ${highMessage}`);
  await expect(emailRow.getByRole('cell').nth(2)).toHaveText('alert-notification');
  await expect(emailRow.getByRole('cell').nth(3)).toHaveText('sent');
  await expect(emailRow.getByRole('cell').nth(4)).toHaveText('outbox');
  await emailRow.getByRole('button', { name: `[HIGH] ${highType}` }).click();
  const preview = page.getByTestId('email-preview');
  await expect(preview.locator('pre')).toContainText(`[HIGH] Alert: ${highType}`);
  await expect(preview.locator('pre')).toContainText(`Organization: ${ORG_NAME}`);
  await expect(preview.locator('pre')).toContainText(highMessage);
});

test('outbox: a sent email is listed with its provider, previews its escaped HTML in a sandbox and its text; the status filter narrows the list', async ({
  page,
}) => {
  const tag = uid();
  const to = `ann-${tag}@example.com`;
  const subject = `Welcome aboard ${tag}`;
  await signIn(page);
  const jobId = await addJob(page, 'email-sending', { to, subject, template: 'welcome', data: { name: '<b>Ann</b>' } });
  await waitForJobState(page, 'email-sending', jobId, 'completed');
  const email = (await outboxEmails(page)).find((e) => e.recipient === to);
  expect(email).toMatchObject({ subject, template: 'welcome', status: 'sent', provider: 'outbox' });
  // The ledger row names the job that sent it (its id, possibly keyed with the job's creation time: `<id>@<ms>`).
  expect(email!.jobId).toMatch(new RegExp(`^${jobId}(@\\d+)?$`));

  await nav(page).getByRole('link', { name: 'Outbox', exact: true }).click();
  const row = page.getByTestId(`email-${email!.id}`);
  const cells = row.getByRole('cell');
  await expect(cells.nth(0)).toHaveText(to);
  await expect(cells.nth(1)).toHaveText(subject);
  await expect(cells.nth(2)).toHaveText('welcome');
  await expect(cells.nth(3)).toHaveText('sent');
  await expect(cells.nth(4)).toHaveText('outbox');
  await expect(bodyRows(page, 'outbox-table').filter({ hasText: to })).toHaveCount(1);

  // The preview: the email's HTML in a sandboxed iframe (the name escaped), and its text part.
  await row.getByRole('button', { name: subject }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]email=${email!.id}(&|$)`));
  await expect(page.getByRole('heading', { name: `Preview: ${subject}` })).toBeVisible();
  const preview = page.getByTestId('email-preview');
  const iframe = preview.locator('iframe');
  await expect(iframe).toHaveAttribute('sandbox', '');
  const srcdoc = (await iframe.getAttribute('srcdoc')) ?? '';
  expect(srcdoc).toContain('Welcome to BizInsights, &lt;b&gt;Ann&lt;/b&gt;!');
  expect(srcdoc).not.toContain('<b>Ann</b>');
  // Rendered, the name reads as typed: no bold element was made of it.
  const frame = preview.frameLocator('iframe');
  await expect(frame.locator('body')).toContainText('Welcome to BizInsights, <b>Ann</b>!');
  await expect(frame.locator('b')).toHaveCount(0);
  await expect(preview.locator('pre')).toContainText('Welcome to BizInsights, <b>Ann</b>!');
  // Let the iframe paint before the full-page screenshot resizes the page.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await shot(page, 'outbox');
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(preview).toHaveCount(0);
  await expect(page).not.toHaveURL(/email=/);

  // The status filter narrows the list and goes into the URL.
  const status = select(page, 'Status');
  await status.selectOption('sent');
  await expect(page).toHaveURL(/[?&]status=sent(&|$)/);
  await expect(row).toBeVisible();
  await expect(
    bodyRows(page, 'outbox-table')
      .locator('td:nth-child(4)')
      .filter({ hasNotText: /^sent$/ }),
  ).toHaveCount(0);
  await status.selectOption('pending');
  await expect(page).toHaveURL(/[?&]status=pending(&|$)/);
  await expect(row).toHaveCount(0);
  await expect(
    bodyRows(page, 'outbox-table')
      .locator('td:nth-child(4)')
      .filter({ hasNotText: /^pending$/ }),
  ).toHaveCount(0);
  await status.selectOption('failed');
  await expect(page).toHaveURL(/[?&]status=failed(&|$)/);
  await expect(row).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'No emails yet' })).toBeVisible();
  await status.selectOption('');
  await expect(page).not.toHaveURL(/status=/);
  await expect(row).toBeVisible();
});

test('reports: an admin generates a weekly report; the table shows its key figures; Open serves its HTML and CSV behind sign-in', async ({
  page,
  playwright,
  baseURL,
}) => {
  await signIn(page);
  // A report over the demo's data: wait for the first syncs to have brought it in.
  await waitForOrgSynced(page, ORG);
  await nav(page).getByRole('link', { name: 'Reports', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Reports', level: 1 })).toBeVisible();
  await expect(select(page, 'Report type')).toHaveValue('weekly');
  await page.getByRole('button', { name: 'Generate report' }).click();
  const generated = toast(page, /^Report \S+ is being generated/);
  await expect(generated).toBeVisible();
  const reportId = /^Report (\S+) is being generated$/.exec((await generated.locator('span').textContent()) ?? '')![1];
  expect(reportId).toMatch(new RegExp(`^${ORG}-weekly-`));

  let report: ReportSummary | undefined;
  await expect
    .poll(async () => (report = (await reportsOf(page)).find((r) => r.id === reportId)) !== undefined, { timeout: 20_000, message: 'the report is stored' })
    .toBe(true);
  // The week ending the day before it was made (UTC), titled after the organization.
  const end = dayOf(Date.parse(report!.createdAt) - 86_400_000);
  const start = dayOf(Date.parse(`${end}T00:00:00Z`) - 6 * 86_400_000);
  expect(report).toMatchObject({
    organizationId: ORG,
    reportType: 'weekly',
    periodStart: start,
    periodEnd: end,
    title: `Weekly report: ${ORG_NAME}, ${start} to ${end}`,
  });
  const revenue = report!.kpis.find((k) => k.metric === 'revenue');
  expect(revenue, 'the demo has revenue in the week').toBeDefined();
  expect(revenue!.value).toBeGreaterThan(0);

  // The table shows it (the list refreshes every 10 s; a reload shows it at once).
  const row = page.getByTestId(`report-${reportId}`);
  await expect(async () => {
    if (!(await row.isVisible())) await page.reload();
    await expect(row).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  const cells = row.getByRole('cell');
  await expect(cells.nth(0)).toHaveText(report!.title);
  await expect(cells.nth(1)).toHaveText(`${start} – ${end}`);
  const figures = report!.kpis
    .slice(0, 3)
    .map((k) => `${k.label} ${new Intl.NumberFormat('en-US').format(k.value)}`)
    .join(' · ');
  await expect(cells.nth(2)).toHaveText(figures);
  await expect(cells.nth(2)).toContainText(`Revenue ${new Intl.NumberFormat('en-US').format(revenue!.value)}`);
  await shot(page, 'reports');

  // Open: the report's HTML, same origin, with the session cookie.
  const open = row.getByRole('link', { name: 'Open' });
  const htmlUrl = `/api/reports/${encodeURIComponent(reportId)}/html`;
  await expect(open).toHaveAttribute('href', htmlUrl);
  const html = await page.request.get(htmlUrl);
  expect(html.status()).toBe(200);
  expect(html.headers()['content-type']).toMatch(/^text\/html/);
  expect(html.headers()['content-security-policy']).toContain("default-src 'none'");
  const body = await html.text();
  expect(body).toContain(`<title>${report!.title}</title>`);
  expect(body).toContain(`<h1 style="font-size:22px">${report!.title}</h1>`);
  const revenueCell = new RegExp(
    `data-kpi="revenue"><div[^>]*>Revenue</div><div[^>]*data-value="${revenue!.value}">${new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(revenue!.value).replace(/[.]/g, '\\.')}</div>`,
  );
  expect(body).toMatch(revenueCell);
  // Clicking it opens the report in a new tab, signed in.
  const popupPromise = page.waitForEvent('popup');
  await open.click();
  const popup = await popupPromise;
  await expect(popup.getByRole('heading', { level: 1 })).toHaveText(report!.title);
  await popup.close();

  // CSV: the daily rows of the week, whose revenue adds up to the report's.
  const csvLink = row.getByRole('link', { name: 'CSV' });
  const csvUrl = `/api/reports/${encodeURIComponent(reportId)}/csv`;
  await expect(csvLink).toHaveAttribute('href', csvUrl);
  const csv = await page.request.get(csvUrl);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
  const text = await csv.text();
  expect(text.startsWith('date,integration_id,metric,value\n')).toBe(true);
  const lines = text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  expect(lines.length).toBeGreaterThan(0);
  for (const [date, integrationId, metric, value] of lines) {
    expect(date >= start && date <= end, `${date} in ${start}..${end}`).toBe(true);
    expect(integrationId).toMatch(/^demo-/);
    expect(metric).toMatch(/^[a-z_]+$/);
    expect(Number.isFinite(Number(value))).toBe(true);
  }
  const csvRevenue = lines.filter(([, , m]) => m === 'revenue').reduce((s, [, , , v]) => s + Number(v), 0);
  expect(csvRevenue).toBeCloseTo(revenue!.value, 0);

  // Anonymously (no cookie), neither answers.
  const anonymous = await playwright.request.newContext({ baseURL });
  try {
    expect((await anonymous.storageState()).cookies).toHaveLength(0);
    expect((await anonymous.get(htmlUrl)).status()).toBe(401);
    expect((await anonymous.get(csvUrl)).status()).toBe(401);
  } finally {
    await anonymous.dispose();
  }
});

test('insights: the demo organization’s cards show each summary with the statistics behind it; the period goes into the URL', async ({ page }) => {
  await signIn(page);
  await waitForOrgSynced(page, ORG);
  await nav(page).getByRole('link', { name: 'Insights', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Insights', level: 1 })).toBeVisible();
  await expect(select(page, 'Period')).toHaveValue('30d');

  // The debounced run after the syncs may not have happened yet: generate now and wait for it.
  const stored = await generateInsights(page, '30d');
  expect(stored.insights.length).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByText(`${ORG_NAME}, ${stored.windowStart} to ${stored.windowEnd}`)).toBeVisible();
  await expectInsightCards(page, '30d');
  await shot(page, 'insights');

  // The period select changes the URL (replacing the entry) and what is shown: no 7-day insights yet …
  await select(page, 'Period').selectOption('7d');
  await expect(page).toHaveURL(/\/insights\?period=7d$/);
  const earlierWeek = await insightsOf(page, '7d');
  if (earlierWeek === null) {
    // Only 30 days are generated on their own, so on a fresh server there are none for 7 days.
    await expect(page.getByRole('status').filter({ hasText: 'No insights for this period yet' })).toBeVisible();
    await expect(page.getByTestId('insights')).toHaveCount(0);
  } else {
    // (Run again on the same server: the earlier run's 7-day insights.)
    await expect(page.getByText(`${ORG_NAME}, ${earlierWeek.windowStart} to ${earlierWeek.windowEnd}`)).toBeVisible();
  }
  // … until Generate now makes them, for that period.
  const week = await generateInsights(page, '7d');
  expect(week.period).toBe('7d');
  await page.reload();
  await expect(select(page, 'Period')).toHaveValue('7d');
  await expect(page.getByText(`${ORG_NAME}, ${week.windowStart} to ${week.windowEnd}`)).toBeVisible();
  if (week.insights.length > 0) await expectInsightCards(page, '7d');
  else await expect(page.getByRole('status').filter({ hasText: 'Nothing notable' })).toBeVisible();
});
