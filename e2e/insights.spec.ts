import { expect, test, type Page } from '@playwright/test';
import { formatAmount } from '../shared/insight-format.ts';
import type { InsightsView } from '../shared/insights.ts';
import { addJob, jobInfo, shot, signIn, trpcMutate, trpcQuery, waitForJobState, waitForOrgSynced } from './helpers.ts';

/**
 * Issue 17, items 8 and 10 (part): the Insights page for a business reader (plain-language summaries
 * with currency amounts, most impact first, a chart per metric, the statistics behind "Details"),
 * the clean dialog's honest count, and an add-job example that runs. Against the shared e2e server
 * and its demo organization (Shopify and Stripe in USD, WooCommerce in EUR, on the stand-ins).
 */

const ORG = 'demo-org';
const insightsOf = (page: Page, period: string) => trpcQuery<InsightsView | null>(page, 'insights.get', { organizationId: ORG, period });

/** Generates the organization's 30-day insights now and waits until the server holds them. */
async function freshInsights(page: Page): Promise<InsightsView> {
  const before = Date.now() - 1_000;
  await trpcMutate(page, 'insights.generate', { organizationId: ORG, period: '30d' });
  let view: InsightsView | null = null;
  await expect
    .poll(
      async () => {
        view = await insightsOf(page, '30d');
        return view ? Date.parse(view.generatedAt) >= before : false;
      },
      { timeout: 20_000, message: 'insights for 30d are generated' },
    )
    .toBe(true);
  return view!;
}

test('an insight reads as a sentence with a currency amount; the statistics are behind "Details"; most impact first', async ({ page }) => {
  await signIn(page);
  await waitForOrgSynced(page, ORG);
  await freshInsights(page);
  await page.goto('/insights?period=30d');
  await expect(page.getByRole('heading', { name: 'Insights', level: 1 })).toBeVisible();
  const cards = page.getByTestId('insights').locator('section');
  // What the page shows is the server's view (read after the page, so a later regeneration cannot differ).
  await expect(cards.first()).toBeVisible();
  const view = (await insightsOf(page, '30d'))!;
  expect(view.currency, 'the demo’s sales have a currency').not.toBeNull();
  const currency = view.currency!;
  await expect(page.getByText(`amounts in ${currency}`)).toBeVisible();

  // Most impact first: the cards in the server's rank order, each headed by its plain-language summary.
  expect(view.insights.map((i) => i.impact.rank)).toEqual(view.insights.map((_, k) => k + 1));
  await expect(cards.getByRole('heading', { level: 2 })).toHaveText(view.insights.map((i) => i.summary));
  // The parameter dump is gone from what shows before any click.
  for (const raw of ['zMethod', 'meanad', 'deviationPct', 'robust z', 'threshold']) await expect(page.getByText(raw).filter({ visible: true })).toHaveCount(0);

  // The revenue total: a sentence with the amount in the currency ("Revenue over the last 30 days was $12,345, …").
  const k = view.insights.findIndex((i) => i.type === 'total_change' && i.metric === 'revenue');
  expect(k, 'a revenue total insight').toBeGreaterThanOrEqual(0);
  const revenue = view.insights[k];
  const amount = formatAmount(Number(revenue.numbers.total), 'money', currency);
  const symbol = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(1).find((p) => p.type === 'currency')!.value;
  expect(amount.startsWith(symbol)).toBe(true);
  const card = cards.nth(k);
  const heading = card.getByRole('heading', { level: 2 });
  await expect(heading).toHaveText(revenue.summary);
  await expect(heading).toContainText(`Revenue over the last 30 days was ${amount}`);

  // Details: closed at first, then the stored detail and the labelled statistics (amounts in the currency).
  const details = card.getByTestId('insight-details');
  const stats = details.locator('dl');
  await expect(stats).toBeHidden();
  await details.getByText('Details', { exact: true }).click();
  await expect(stats).toBeVisible();
  await expect(details).toContainText(revenue.detail);
  await expect(stats.locator('dt')).toHaveText(revenue.statistics.map((s) => s.label));
  await expect(stats.locator('dd')).toHaveText(revenue.statistics.map((s) => s.value));
  await expect(stats.locator('dt').first()).toHaveText(/^Last 30 days/);
  await expect(stats.locator('dd').first()).toHaveText(amount);
  // The chart's numbers as a table: one row a day, the amounts in the currency.
  const table = details.getByRole('region', { name: /^Daily revenue, .* as a table$/ });
  await expect(table.locator('tbody tr')).toHaveCount(view.series.revenue!.length);
  await expect(table.locator('tbody tr').first().locator('td')).toHaveText(formatAmount(view.series.revenue![0].value, 'money', currency));
  await details.getByText('Details', { exact: true }).click();
  await expect(stats).toBeHidden();

  // A day insight has a chart of its metric with the day marked, named by a one-line summary.
  const d = view.insights.findIndex((i) => i.date !== null && i.metric === 'revenue');
  expect(d, 'a revenue insight about one day').toBeGreaterThanOrEqual(0);
  const chart = cards.nth(d).getByTestId('insight-chart');
  await expect(chart).toHaveAttribute('role', 'img');
  await expect(chart).toHaveAttribute(
    'aria-label',
    new RegExp(`^${view.insights[d].summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Daily revenue from .*, .* marked`),
  );
  await expect(chart.locator('svg')).toBeVisible();

  // Sales in more than one currency are said, not silently mixed.
  if (view.currencies.length > 1) {
    const note = page.getByTestId('currency-note');
    for (const c of view.currencies) await expect(note).toContainText(`${c.currency} (${Math.round(c.share * 100)}%)`);
    await expect(note).toContainText(`without converting. Amounts are shown in ${currency}`);
  }
  await shot(page, 'insights-business');
});

test('the clean dialog counts the failed jobs old enough to go, and says so when none is', async ({ page }) => {
  const queue = 'alerts';
  await signIn(page);
  // A failed job (the e2e server fails alerts whose message says "fail"): just failed, so a day younger than 24 h.
  const id = await addJob(page, queue, { organizationId: ORG, alertType: 'TEST', severity: 'LOW', message: 'clean-count fail', metadata: {} }, { attempts: 1 });
  await waitForJobState(page, queue, id, 'failed');
  await page.goto(`/queues/${queue}`);
  await page.getByTestId('queue-actions').getByRole('button', { name: 'Clean…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clean jobs' });
  const summary = dialog.getByTestId('clean-summary');
  await dialog.getByLabel('State').selectOption('failed');
  // The default age (24 hours): none of them is that old, so nothing would go and Clean is off.
  await expect(summary).toContainText(/older than 24 hours: none of the [\d,]+ failed job\(s\) now in the queue is that old/);
  await expect(dialog.getByRole('button', { name: 'Clean', exact: true })).toBeDisabled();
  // Older than 0 hours: every failed job, counted.
  const failed = (await trpcQuery<{ stats: { failed: number } }>(page, 'queues.get', { queue })).stats.failed;
  await dialog.getByLabel('Age').fill('0');
  await expect(summary).toContainText(
    `older than 0 hours: ${failed.toLocaleString('en-US')} of the ${failed.toLocaleString('en-US')} failed job(s) now in the queue.`,
  );
  await expect(dialog.getByRole('button', { name: 'Clean', exact: true })).toBeEnabled();
  // Delayed jobs are aged one by one as they are removed: said, not counted.
  await dialog.getByLabel('State').selectOption('delayed');
  await expect(summary).toContainText('how many are that old is not known ahead');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
});

test('the add-job example names a real integration and runs', async ({ page }) => {
  await signIn(page);
  await waitForOrgSynced(page, ORG);
  await page.goto('/add?queue=data-sync');
  const data = page.getByLabel('Data (JSON)');
  await expect(data).toHaveValue(/"integrationId": "demo-shopify"/);
  await expect(data).toHaveValue(/"organizationId": "demo-org"/);
  await expect(page.getByTestId('example-note')).toHaveCount(0);
  await page.getByRole('button', { name: 'Add job' }).click();
  const toast = page.getByRole('status').filter({ hasText: /Job \S+ added to data-sync/ });
  await expect(toast).toBeVisible();
  const id = /Job (\S+) added/.exec((await toast.textContent()) ?? '')![1];
  await waitForJobState(page, 'data-sync', id, 'completed', 30_000);
  expect((await jobInfo(page, 'data-sync', id)).data).toMatchObject({ integrationId: 'demo-shopify', organizationId: ORG, platform: 'shopify' });

  // The webhook example cannot be signed in the browser: it says it fails on purpose.
  await page.getByRole('combobox', { name: /^Queue/ }).selectOption('webhook-processing');
  await expect(page.getByTestId('example-note')).toContainText('fails on purpose');
});
