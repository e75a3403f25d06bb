import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { addJob, signIn, trpcMutate, trpcQuery, uid, waitForJobState, waitForOrgSynced } from './helpers.ts';

/**
 * Accessibility (WCAG 2.2 AA): an axe-core scan of every console page in the light and the dark theme
 * finds no serious or critical violation, and the keyboard reaches what a mouse does (skip link, the
 * phone menu's Escape, arrow keys on the state tabs). Axe checks what is on screen, so each page is
 * scanned with content: a failed job with a long value, an alert, insights, a report, an email.
 */

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const QUEUE = 'alerts';
const ORG = 'demo-org';

let failedJobId = '';

/** One line per serious or critical violation: rule, impact, what it means, where (first few nodes). */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(WCAG_TAGS)
    // An email's own HTML (the outbox preview) is sandboxed without scripts, so axe cannot run inside it; it is the email's, not the console's.
    .exclude('iframe[title="Email HTML"]')
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes
          .slice(0, 6)
          .map((n) => `    ${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`)
          .join('\n')}`,
    );
}

/** The page has drawn its content: its heading is there and no skeleton is left. */
async function settled(page: Page, heading: string | RegExp): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expect(page.locator('[data-skeleton]')).toHaveCount(0);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await browser.newPage();
  await signIn(page);
  const tag = uid();
  // A failed job whose data holds one long unbroken value: the data and stack-trace boxes scroll.
  failedJobId = await addJob(
    page,
    QUEUE,
    {
      organizationId: `org-a11y-${tag}`,
      alertType: 'E2E_A11Y',
      severity: 'HIGH',
      message: `please fail ${tag}`,
      metadata: { url: `https://example.com/${'x'.repeat(300)}` },
    },
    { attempts: 1 },
  );
  // A CRITICAL alert for the alerts page.
  const alertId = await addJob(page, QUEUE, {
    organizationId: ORG,
    alertType: 'E2E_A11Y_CRITICAL',
    severity: 'CRITICAL',
    message: `a11y ${tag}`,
    metadata: {},
  });
  await waitForJobState(page, QUEUE, failedJobId, 'failed');
  await waitForJobState(page, QUEUE, alertId, 'completed');
  // Insights and a report for the demo organization, so those pages show their content, not empty states.
  await waitForOrgSynced(page, ORG);
  await trpcMutate(page, 'insights.generate', { organizationId: ORG, period: '30d' });
  await trpcMutate(page, 'reports.generate', { organizationId: ORG, reportType: 'weekly' });
  await expect
    .poll(async () => Boolean(await trpcQuery(page, 'insights.get', { organizationId: ORG, period: '30d' })), { timeout: 30_000, message: 'insights exist' })
    .toBe(true);
  await page.close();
});

interface ConsolePage {
  name: string;
  path: () => string;
  heading: () => string | RegExp;
  /** Waits for the content worth scanning. */
  ready?: (page: Page) => Promise<void>;
  /** Changes the page into a second state that is scanned too. */
  also?: (page: Page) => Promise<void>;
}

const CONSOLE_PAGES: ConsolePage[] = [
  { name: 'overview', path: () => '/', heading: () => 'Overview' },
  {
    name: 'queue page',
    path: () => `/queues/${QUEUE}?tab=failed`,
    heading: () => QUEUE,
    ready: async (page) => {
      await expect(page.getByTestId(`job-row-${failedJobId}`)).toBeVisible();
      // The charts drawn, not their empty states (depth needs two samples, 10 s apart).
      await expect(page.getByTestId('depth-chart')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('throughput-chart')).toBeVisible();
      // Each chart is one named image; none of its SVG is a tab stop of its own.
      await expect(page.getByRole('img', { name: /^Now [\d,]+ waiting, [\d,]+ active, [\d,]+ failed; waiting peaked at / })).toBeVisible();
      await expect(page.getByRole('img', { name: /^[\d,]+ completed and [\d,]+ failed over the last hour; at most / })).toBeVisible();
      await expect(page.locator('svg[tabindex]:not([tabindex="-1"]), svg [tabindex]:not([tabindex="-1"])')).toHaveCount(0);
    },
    // The same page with every chart shown as its table.
    also: async (page) => {
      const toggles = page.getByRole('button', { name: /^Show as table for / });
      const n = await toggles.count();
      expect(n).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < n; i++) await toggles.first().click();
      await expect(page.getByRole('region', { name: 'Queue depth as a table' }).getByRole('row')).not.toHaveCount(0);
      await expect(page.getByRole('region', { name: 'Throughput as a table' }).getByRole('row')).not.toHaveCount(0);
    },
  },
  {
    name: 'job page',
    path: () => `/queues/${QUEUE}/jobs/${failedJobId}`,
    heading: () => failedJobId,
    ready: async (page) => {
      // The scrolling boxes are named regions in the tab order (axe then checks they scroll within reach).
      for (const name of ['Job data', 'Stack trace', 'Logs']) await expect(page.getByRole('region', { name, exact: true })).toHaveAttribute('tabindex', '0');
    },
  },
  { name: 'add job', path: () => '/add', heading: () => 'Add a job' },
  {
    name: 'alerts',
    path: () => '/alerts',
    heading: () => 'Alerts',
    ready: async (page) => {
      await expect(page.getByTestId('alerts-table')).toContainText('CRITICAL');
    },
  },
  { name: 'audit log', path: () => '/audit', heading: () => 'Audit log' },
  {
    name: 'insights',
    path: () => '/insights',
    heading: () => 'Insights',
    ready: async (page) => {
      await expect(page.getByTestId('insights').or(page.getByText('Nothing notable'))).toBeVisible({ timeout: 20_000 });
    },
    // With every insight's details open (statistics and the chart's numbers as a table).
    also: async (page) => {
      const details = page.getByTestId('insight-details');
      for (const d of await details.all()) await d.locator('summary').click();
    },
  },
  {
    name: 'reports',
    path: () => '/reports',
    heading: () => 'Reports',
    ready: async (page) => {
      await expect(page.locator('[data-testid^="report-"]').first()).toBeVisible({ timeout: 30_000 });
    },
  },
  { name: 'schedules', path: () => '/schedules', heading: () => 'Schedules' },
  {
    name: 'outbox',
    path: () => '/outbox',
    heading: () => 'Outbox',
    ready: async (page) => {
      // With an email open: its text sits in a scrolling box.
      const first = page.getByTestId('outbox-table').locator('tbody tr').first();
      if ((await first.count()) > 0) {
        await first.getByRole('button').click();
        await expect(page.getByTestId('email-preview')).toBeVisible();
      }
    },
  },
  { name: 'workers', path: () => '/workers', heading: () => 'Workers' },
  {
    name: 'users',
    path: () => '/users',
    heading: () => 'Users',
    ready: async (page) => {
      await expect(page.getByTestId('users-table')).toContainText('admin');
    },
    // With a new invite's one-time link shown, and the admin's own personal API tokens open below their row.
    also: async (page) => {
      await page.getByRole('form', { name: 'Invite' }).getByLabel('Email').fill(`a11y-${uid()}@example.com`);
      await page.getByRole('button', { name: 'Create invite link' }).click();
      await expect(page.getByTestId('invite-link')).toBeVisible();
      const tokens = page.getByRole('button', { name: 'Tokens of admin', exact: true });
      await tokens.click();
      await expect(page.locator(`[id="${await tokens.getAttribute('aria-controls')}"]`)).toBeVisible();
      await expect(page.locator('[data-skeleton]')).toHaveCount(0);
    },
  },
  {
    name: 'account',
    path: () => '/account',
    heading: () => 'Account',
    // With a new token shown once, and listed.
    also: async (page) => {
      await page.getByLabel('Token name').fill(`a11y-${uid()}`);
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect(page.getByTestId('new-token')).toBeVisible();
      await expect(page.getByTestId('tokens-table')).toBeVisible();
    },
  },
];

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      // The system setting and the console's own remembered pick agree, so every page (sign-in too) is in this theme.
      await page.emulateMedia({ colorScheme: theme });
      await page.addInitScript((t) => localStorage.setItem('bj-theme', t), theme);
    });

    test(`sign-in page (${theme}): no serious or critical axe violations`, async ({ page }) => {
      await page.goto('/');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await expectTheme(page, theme);
      expect(await seriousViolations(page)).toEqual([]);
    });

    test(`accept-invite page (${theme}): no serious or critical axe violations`, async ({ page }) => {
      const { token } = await trpcMutate<{ token: string }>(page, 'users.invite', { email: `a11y-${uid()}@example.com`, role: 'viewer' });
      await page.goto(`/accept-invite#token=${token}`);
      await expect(page.getByRole('heading', { name: 'Accept your invite' })).toBeVisible();
      await expect(page.getByTestId('invite-info')).toBeVisible();
      await expectTheme(page, theme);
      expect(await seriousViolations(page)).toEqual([]);
    });

    for (const p of CONSOLE_PAGES) {
      test(`${p.name} (${theme}): no serious or critical axe violations`, async ({ page }) => {
        test.setTimeout(60_000);
        await signIn(page);
        await page.goto(p.path());
        await settled(page, p.heading());
        await p.ready?.(page);
        await expectTheme(page, theme);
        expect(await seriousViolations(page)).toEqual([]);
        if (p.also) {
          await p.also(page);
          expect(await seriousViolations(page)).toEqual([]);
        }
      });
    }
  });
}

async function expectTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  if (theme === 'dark') await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  else await expect(page.locator('html')).not.toHaveClass(/\bdark\b/);
}

test.describe('keyboard', () => {
  test('a skip link, first in the tab order, moves focus past the navigation to the page content', async ({ page }) => {
    await signIn(page);
    await page.goto(`/queues/${QUEUE}`);
    await settled(page, QUEUE);
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await page.keyboard.press('Tab');
    await expect(skip).toBeFocused();
    // Hidden until focused, then on screen.
    expect((await skip.boundingBox())?.width ?? 0).toBeGreaterThan(20);
    await page.keyboard.press('Enter');
    await expect(page.locator('main')).toBeFocused();
    // The next Tab lands inside the content, not in the navigation.
    await page.keyboard.press('Tab');
    await expect(page.locator('main :focus')).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Main' }).locator(':focus')).toHaveCount(0);
  });

  test('at 390 px the menu opens below the header over a backdrop; Escape and the backdrop close it', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page);
    const button = page.getByRole('button', { name: 'Menu' });
    const drawer = page.locator('#phone-menu');
    const backdrop = page.getByTestId('menu-backdrop');

    await button.click();
    await expect(button).toHaveAttribute('aria-expanded', 'true');
    await expect(drawer.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(backdrop).toBeVisible();
    const header = (await page.locator('header').boundingBox())!;
    const menu = (await drawer.boundingBox())!;
    expect(menu.y).toBeGreaterThanOrEqual(header.y + header.height - 1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Escape');
    await expect(drawer).toHaveCount(0);
    await expect(backdrop).toHaveCount(0);
    await expect(button).toHaveAttribute('aria-expanded', 'false');
    await expect(button).toBeFocused();

    // A tap beside the menu (below it, on the backdrop) closes it too.
    await button.click();
    await expect(drawer).toBeVisible();
    await backdrop.click({ position: { x: 195, y: 830 } });
    await expect(drawer).toHaveCount(0);
  });

  test('arrow keys move between the state tabs (one tab stop), Home and End jump to the ends', async ({ page }) => {
    await signIn(page);
    await page.goto(`/queues/${QUEUE}?tab=failed`);
    const tabs = page.getByRole('tablist', { name: 'Job states' });
    const tab = (name: string) => tabs.getByRole('tab', { name: new RegExp(`^${name}`) });
    await expect(tab('failed')).toHaveAttribute('aria-selected', 'true');
    // One tab stop: the selected tab.
    await expect(tabs.locator('[role="tab"][tabindex="0"]')).toHaveCount(1);
    await expect(tab('failed')).toHaveAttribute('tabindex', '0');

    await tab('failed').focus();
    const expectOn = async (name: string) => {
      await expect(tab(name)).toBeFocused();
      await expect(tab(name)).toHaveAttribute('aria-selected', 'true');
      await expect(tab(name)).toHaveAttribute('tabindex', '0');
      await expect(page).toHaveURL(new RegExp(name === 'failed' ? `/queues/${QUEUE}$` : `[?&]tab=${name}\\b`));
    };
    await page.keyboard.press('ArrowRight');
    await expectOn('delayed');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expectOn('completed');
    await page.keyboard.press('Home');
    await expectOn('waiting');
    // Wrapping: left of the first is the last.
    await page.keyboard.press('ArrowLeft');
    await expectOn('paused');
    await page.keyboard.press('Home');
    await page.keyboard.press('End');
    await expectOn('paused');
    await page.keyboard.press('ArrowRight');
    await expectOn('waiting');

    // Tab leaves the tab list instead of walking through every tab.
    await page.keyboard.press('Tab');
    await expect(tabs.locator(':focus')).toHaveCount(0);
  });
});
