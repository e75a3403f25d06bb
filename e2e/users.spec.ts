import { expect, test, type Page } from '@playwright/test';
import { E2E } from './credentials.ts';
import { addJob, queueInfo, shot, signIn, signInWith, trpcMutate, trpcQuery, uid, waitForJobState } from './helpers.ts';

/**
 * People in the console: an admin invites an operator through the Users page, the invitee accepts the one-time link
 * in a browser of their own and acts as an operator (retry, not empty or clean), the admin disables them and they are
 * signed out; a personal API token is shown once, works, and 401s once revoked (by its owner, or by an admin on the Users page).
 */

const QUEUE = 'alerts';
const PASSWORD = 'e2e operator passphrase 42';

/** A failed job of our own on the alerts queue (its message says "fail", which the e2e server fails on purpose). */
async function failedJob(page: Page, tag: string): Promise<string> {
  const id = await addJob(
    page,
    QUEUE,
    { organizationId: `org-users-${tag}`, alertType: 'E2E_USERS', severity: 'LOW', message: `users fail ${tag}`, metadata: {} },
    { attempts: 1 },
  );
  await waitForJobState(page, QUEUE, id, 'failed');
  return id;
}

/** An operator account made over the API (invite with the admin token, accept over REST), for the tests not about inviting. */
async function operatorAccount(page: Page, tag: string): Promise<{ email: string; name: string }> {
  const email = `op-${tag}@example.com`;
  const name = `Operator ${tag}`;
  const { token } = await trpcMutate<{ token: string }>(page, 'users.invite', { email, role: 'operator' });
  const res = await page.request.post('/api/auth/invites/accept', { data: { token, name, password: PASSWORD } });
  expect(res.status(), await res.text()).toBe(200);
  // page.request shares the browser's cookies: that sign-in is dropped, so the test signs in through the form.
  await page.context().clearCookies();
  return { email, name };
}

test('an admin invites an operator: the link is accepted once, the operator retries but cannot empty or clean, and disabling signs them out', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const tag = uid();
  const email = `invitee-${tag}@example.com`;
  const name = `Olivia ${tag}`;
  const jobId = await failedJob(page, tag);

  // The admin invites from the Users page; the link is shown once, with its 24 h limit.
  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByTestId('users-table')).toContainText('admin');
  await expect(page.getByTestId('environment-tokens')).toContainText('api-token');
  const inviteForm = page.getByRole('form', { name: 'Invite' });
  await inviteForm.getByLabel('Email').fill(email);
  await inviteForm.getByLabel('Role').selectOption('operator');
  await inviteForm.getByRole('button', { name: 'Create invite link' }).click();
  const shown = page.getByTestId('invite-link');
  await expect(shown).toContainText('expires in 24 hours');
  await expect(shown).toContainText('shown only once');
  const link = await shown.getByRole('textbox').inputValue();
  expect(link).toMatch(/\/accept-invite#token=\S+$/);
  await expect(page.getByTestId(`invite-${email}`)).toContainText('operator');
  await shot(page, 'users-invite');
  await shown.getByRole('button', { name: 'Done' }).click();
  await expect(shown).toHaveCount(0);
  // Once dismissed, nothing on the page holds the link any more.
  await expect(page.locator(`input[value="${link}"]`)).toHaveCount(0);

  // The invitee opens the link in a browser of their own.
  const theirs = await browser.newContext();
  const op = await theirs.newPage();
  try {
    await op.goto(link);
    await expect(op.getByRole('heading', { name: 'Accept your invite' })).toBeVisible();
    await expect(op.getByTestId('invite-info')).toContainText(email);
    await expect(op.getByTestId('invite-info')).toContainText('operator');
    await op.getByLabel('Your name').fill(name);
    // A common password is refused by the server, and the reason shows under the field.
    await op.getByLabel('Password', { exact: true }).fill('qwerty123456');
    await op.getByLabel('Repeat password').fill('qwerty123456');
    await op.getByRole('button', { name: 'Create account and sign in' }).click();
    await expect(op.getByRole('alert').filter({ hasText: '10,000 most common passwords' })).toBeVisible();
    await shot(op, 'accept-invite');
    await op.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await op.getByLabel('Repeat password').fill(PASSWORD);
    await op.getByRole('button', { name: 'Create account and sign in' }).click();
    await expect(op.getByTestId('current-user')).toHaveText(name);
    await expect(op.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
    expect(new URL(op.url()).hash).toBe('');

    // The link works once.
    const again = await browser.newPage();
    await again.goto(link);
    await expect(again.getByTestId('invite-gone')).toContainText('expired, was already used, or was revoked');
    await again.close();

    // An operator: adds jobs, no Users page.
    const nav = op.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Add job' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);

    // The queue page: pause and retry, but no Empty or Clean; bulk retry but no bulk remove.
    await op.goto(`/queues/${QUEUE}?tab=failed`);
    const actions = op.getByTestId('queue-actions');
    await expect(actions.getByRole('button', { name: 'Retry all failed' })).toBeVisible();
    await expect(actions.getByRole('button', { name: 'Pause' })).toBeVisible();
    await expect(actions.getByRole('button', { name: 'Empty' })).toHaveCount(0);
    await expect(actions.getByRole('button', { name: 'Clean…' })).toHaveCount(0);
    await expect(op.getByTestId('bulk-bar').getByRole('button', { name: /^Retry all/ })).toBeVisible();
    await expect(op.getByTestId('bulk-bar').getByRole('button', { name: /^Remove all/ })).toHaveCount(0);
    await op.getByTestId(`job-row-${jobId}`).getByRole('checkbox').check();
    await expect(op.getByRole('button', { name: 'Retry selected' })).toBeVisible();
    await expect(op.getByRole('button', { name: 'Remove selected' })).toHaveCount(0);

    // The job page: Retry (and edit and retry), no Remove; the retry is done, and in the audit log under their name.
    await op.goto(`/queues/${QUEUE}/jobs/${jobId}`);
    const jobActions = op.getByTestId('job-actions');
    await expect(jobActions.getByRole('button', { name: 'Edit data and retry' })).toBeVisible();
    await expect(jobActions.getByRole('button', { name: 'Remove' })).toHaveCount(0);
    await jobActions.getByRole('button', { name: 'Retry', exact: true }).click();
    await expect(op.getByText('Job queued for retry')).toBeVisible();

    // The admin sees the operator in the audit log, and filters by them.
    await page.goto('/audit');
    await page.getByLabel('Person').selectOption({ label: `${name} (${email})` });
    await expect(page).toHaveURL(/[?&]person=/);
    const rows = page.getByTestId('audit-table').locator('tbody tr');
    await expect(rows.filter({ hasText: 'jobs.retry' }).first()).toContainText(name);
    await expect(page.getByTestId('audit-who').filter({ hasNotText: name })).toHaveCount(0);

    // The admin disables the operator: the confirmation says their sessions end at once.
    await page.goto('/users');
    const row = page.getByTestId(`user-${email}`);
    await expect(row).toContainText('active');
    await row.getByRole('button', { name: `Disable ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Disable ${name}?` });
    await expect(dialog).toContainText('every session ends and every personal API token stops working');
    await dialog.getByRole('button', { name: 'Disable user' }).click();
    await expect(row).toContainText('disabled');

    // The operator's next request is refused: the console goes back to the sign-in page, and the password no longer works.
    // The console's own live polling may get the 401 before the click does (the nav is then gone): either way, the
    // next request ends on the sign-in page.
    await op
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Failures' })
      .click({ timeout: 3_000 })
      .catch(() => undefined);
    await expect(op.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await op.reload();
    await expect(op.getByLabel('Email')).toBeVisible();
    await op.getByLabel('Email').fill(email);
    await op.getByLabel('Password').fill(PASSWORD);
    await op.getByRole('button', { name: 'Sign in' }).click();
    await expect(op.getByRole('alert')).toContainText('Wrong username or password');

    // Enabled again, they sign in with their email.
    await row.getByRole('button', { name: `Enable ${name}` }).click();
    await expect(row).toContainText('active');
    await signInWith(op, email, PASSWORD, name);
  } finally {
    await theirs.close();
  }
});

test('a personal API token is shown once, works against the REST API, and 401s once revoked', async ({ page, playwright }) => {
  const tag = uid();
  const { email, name } = await operatorAccount(page, tag);
  await signInWith(page, email, PASSWORD, name);

  // From the header's user menu to the Account page.
  await page.getByRole('button', { name: /^Account: / }).click();
  await page.getByRole('link', { name: 'Account and API tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
  await expect(page.getByTestId('account-identity')).toContainText(email);

  // No role above one's own is offered.
  const form = page.getByRole('form', { name: 'Create API token' });
  await expect(form.getByLabel('Token role').locator('option')).toHaveText(['viewer', 'operator']);
  const tokenName = `script-${tag}`;
  await form.getByLabel('Token name').fill(tokenName);
  await form.getByLabel('Expires in').selectOption({ label: '30 days' });
  await form.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('new-token');
  await expect(shown).toContainText('shown only once');
  const token = await shown.getByRole('textbox').inputValue();
  expect(token).toMatch(/^bj_[\w-]{8}_[\w-]+$/);
  const row = page.getByTestId(`token-${tokenName}`);
  await expect(row).toContainText(token.slice(0, 11));
  await expect(row).toContainText('operator');
  await expect(row).toContainText('active');
  await shot(page, 'account-token');

  // Shown once: after a reload only its prefix is on the page.
  await page.reload();
  await expect(row).toBeVisible();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  // It works from a script (no cookie), and its use is recorded.
  const script = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  try {
    const ok = await script.get('/api/jobs/monitoring', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status()).toBe(200);
    await page.reload();
    // Last used: no longer never.
    await expect(row.locator('td').nth(4)).not.toHaveText('never');

    // Revoked (after a confirmation), it is refused at once.
    await row.getByRole('button', { name: `Revoke ${tokenName}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke the token “${tokenName}”?` });
    await expect(dialog).toContainText('401');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await expect(row).toContainText('revoked');
    await expect(row.getByRole('button', { name: `Revoke ${tokenName}` })).toHaveCount(0);
    const refused = await script.get('/api/jobs/monitoring', { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status()).toBe(401);
  } finally {
    await script.dispose();
  }
});

test("an admin opens a person's API tokens on the Users page and revokes one after a confirmation: it then gets 401", async ({ page, playwright, baseURL }) => {
  const tag = uid();
  const { email, name } = await operatorAccount(page, tag);
  await signIn(page);
  await page.goto('/users');
  const button = page.getByTestId(`user-${email}`).getByRole('button', { name: `Tokens of ${name}` });
  await expect(button).toHaveAttribute('aria-expanded', 'false');

  // Opened below their row: none yet.
  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const panel = page.locator(`[id="${await button.getAttribute('aria-controls')}"]`);
  await expect(panel.getByRole('status')).toContainText('No personal API tokens');

  // The operator makes a token from a script of their own (signed in with their password, same origin).
  const tokenName = `cron-${tag}`;
  const theirs = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL ?? '' } });
  const script = await playwright.request.newContext({ baseURL });
  try {
    const login = await theirs.post('/api/auth/login', { data: { username: email, password: PASSWORD } });
    expect(login.status(), await login.text()).toBe(200);
    const created = await theirs.post('/trpc/tokens.create', { data: { name: tokenName, role: 'operator', expiresInDays: 30 } });
    expect(created.status(), await created.text()).toBe(200);
    const { token, view } = ((await created.json()) as { result: { data: { token: string; view: { prefix: string } } } }).result.data;
    expect(token.startsWith(view.prefix)).toBe(true);
    const monitoring = () => script.get('/api/jobs/monitoring', { headers: { authorization: `Bearer ${token}` } });
    expect((await monitoring()).status()).toBe(200);

    // The admin sees it by its prefix (never the token itself).
    await page.reload();
    await button.click();
    await expect(button).toHaveAttribute('aria-expanded', 'true');
    const row = panel.getByTestId(`token-${tokenName}`);
    await expect(row).toContainText(`${view.prefix}…`);
    await expect(row).toContainText('operator');
    await expect(row).toContainText('active');
    expect(await page.content()).not.toContain(token);
    await shot(page, 'users-tokens');

    // Revoked after a confirmation that names what breaks.
    await row.getByRole('button', { name: `Revoke ${tokenName} of ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke ${name}’s token “${tokenName}”?` });
    await expect(dialog).toContainText(`Every script using ${view.prefix}… gets 401`);
    await expect(dialog).toContainText('This cannot be undone');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await expect(page.getByText('Token revoked: it stops working at once')).toBeVisible();
    await expect(row).toContainText('revoked');
    await expect(row.getByRole('button', { name: /^Revoke / })).toHaveCount(0);
    expect((await monitoring()).status()).toBe(401);

    // The panel closes again.
    await button.click();
    await expect(button).toHaveAttribute('aria-expanded', 'false');
    await expect(panel).toHaveCount(0);
  } finally {
    await theirs.dispose();
    await script.dispose();
  }
});

test('a role lowered by an admin takes effect on the next request: the refused action hides the buttons', async ({ page }) => {
  const tag = uid();
  const { email, name } = await operatorAccount(page, tag);
  await signInWith(page, email, PASSWORD, name);
  await page.goto('/queues/report-generation');
  const pause = page.getByTestId('queue-actions').getByRole('button', { name: 'Pause' });
  await expect(pause).toBeVisible();

  // An admin (here over the API) makes them a viewer while their page is open.
  const users = await trpcQuery<Array<{ id: string; email: string }>>(page, 'users.list');
  const id = users.find((u) => u.email === email)?.id;
  await trpcMutate(page, 'users.setRole', { id, role: 'viewer' });

  // Their next action is refused (403), and the console reads who they are again.
  await pause.click();
  await page.getByRole('button', { name: 'Pause queue' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /role/ })).toBeVisible();
  await expect(page.getByTestId('queue-actions')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Account: / })).toContainText('viewer');
  expect((await queueInfo(page, 'report-generation')).isPaused).toBe(false);
});

test('the shared viewer password has no personal tokens; the Users page is for admins only', async ({ page }) => {
  await signIn(page, 'viewer');
  await page.goto('/account');
  await expect(page.getByTestId('tokens-need-account')).toContainText('not a personal account');
  await expect(page.getByRole('form', { name: 'Create API token' })).toHaveCount(0);
  await page.goto('/users');
  await expect(page.getByText('Users (admins only) does not exist')).toBeVisible();
  // The server agrees: the tRPC procedure refuses a viewer.
  const res = await page.request.get('/trpc/users.list');
  expect(res.status()).toBe(403);
});

test('the sign-in page takes an email and names the built-in accounts; an SSO refusal shows as an alert', async ({ page }) => {
  await page.goto('/login?error=Your%20account%20is%20disabled');
  await expect(page.getByRole('alert')).toContainText('Single sign-on failed: Your account is disabled');
  await expect(page.getByLabel('Email')).toBeFocused();
  await expect(page.getByText('for the first admin')).toBeVisible();
  await shot(page, 'login-sso-error');
  await page.getByLabel('Email').fill('admin');
  await page.getByLabel('Password').fill(E2E.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  // Signed in on the sign-in address: on to the overview.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
});
