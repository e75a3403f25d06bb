import { expect, test } from '@playwright/test';
import type { QueueLatency } from '../shared/api.ts';
import { addJob, shot, signIn, trpcQuery, uid, waitForJobState } from './helpers.ts';

/** Wait and processing percentiles, from jobs the e2e server's own worker ran, on the overview and the queue page. */

const QUEUE = 'alerts';
/** A formatted duration (client/src/lib/latency-format.ts), never the "—" of no data. */
const DURATION = /^(< 0\.1 ms|\d+(\.\d)? (ms|s)|\d+ min( \d+ s)?)$/;

const latencyCount = async (page: Parameters<typeof trpcQuery>[0]) =>
  (await trpcQuery<Record<string, QueueLatency>>(page, 'metrics.latency', { range: '1h' }))[QUEUE].processing.count;

test('after jobs ran, the queue card shows their p95 and the queue page charts their percentiles', async ({ page }) => {
  const before = await latencyCount(page);
  const tag = uid();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push(await addJob(page, QUEUE, { organizationId: 'org-latency', alertType: 'LATENCY', severity: 'LOW', message: `latency ${tag} ${i}`, metadata: {} }));
  }
  for (const id of ids) await waitForJobState(page, QUEUE, id, 'completed');
  // Workers flush their histograms to Redis once a second, and the server caches the read for 5 s.
  await expect.poll(() => latencyCount(page), { timeout: 20_000, message: 'the five jobs are in the percentiles' }).toBeGreaterThanOrEqual(before + 5);

  await signIn(page, 'viewer');
  const card = page.getByTestId(`queue-card-${QUEUE}`);
  await expect(card.getByTestId('latency-wait-p95')).toHaveText(DURATION);
  await expect(card.getByTestId('latency-processing-p95')).toHaveText(DURATION);
  await expect(card.getByTestId('latency-processing-detail')).toHaveText(/^p50 .+ · p99 .+$/);
  await expect(card.getByText('wait p95')).toBeVisible();
  await shot(page, 'latency-overview-1280');

  await card.click();
  await expect(page).toHaveURL(new RegExp(`/queues/${QUEUE}`));
  const processing = page.getByRole('img', { name: /^Processing p95 .+ over the last hour \(\d[\d,]* jobs?; p50 .+, p99 .+\)$/ });
  await expect(processing).toBeVisible();
  await expect(page.getByRole('img', { name: /^Wait p95 .+ over the last hour/ })).toBeVisible();
  // The chart draws the three percentile lines.
  await expect(page.getByTestId('latency-chart-processing').locator('.recharts-line')).toHaveCount(3);
  await shot(page, 'latency-queue-1280');

  // The page's range selector drives the latency chart too.
  await page.getByRole('button', { name: '24h' }).click();
  await expect(page.getByRole('img', { name: /^Processing p95 .+ over the last 24 hours/ })).toBeVisible();

  // A phone-width screen keeps the cards and the chart readable.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('img', { name: /^Processing p95 .+ over the last 24 hours/ })).toBeVisible();
  await shot(page, 'latency-queue-390');
  await page.goto('/');
  await expect(page.getByTestId(`queue-card-${QUEUE}`).getByTestId('latency-processing-p95')).toHaveText(DURATION);
  await shot(page, 'latency-overview-390');
});
