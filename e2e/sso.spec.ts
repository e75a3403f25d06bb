/**
 * Single sign-on in Chromium: a real OpenID Provider (e2e/oidc-provider.ts) started here, and a second e2e/serve.ts
 * configured for it (OIDC_*). The person clicks the sign-in page's SSO button, signs in on the provider's own form,
 * and lands in the console as themselves with the role their groups map to; a callback whose state or nonce was
 * tampered with ends on the sign-in page with the reason, signed out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { freePort } from '../server/embedded-redis.ts';
import { oidcEnv, startOidcProvider, type TestOidcProvider } from './oidc-provider.ts';

const CLIENT = { clientId: 'bizjobs-e2e', clientSecret: 'an-e2e-client-secret' };
const OLIVIA = { login: 'olivia', email: 'olivia@example.com', name: 'Olivia Ops', groups: ['staff', 'bizjobs-ops'] };

let idp: TestOidcProvider;
let server: ChildProcess | undefined;
let base = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(90_000);
  idp = await startOidcProvider([OLIVIA]);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp.registerClient({ ...CLIENT, redirectUri: `${base}/api/auth/oidc/callback` });
  server = spawn(process.execPath, ['--import', 'tsx', 'e2e/serve.ts'], {
    env: {
      ...process.env,
      E2E_PORT: String(port),
      E2E_WORKERS: 'off',
      ...oidcEnv(idp.issuer, CLIENT),
      OIDC_LABEL: 'Example SSO',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // serve.ts says when it listens: "e2e server on <url> (…)".
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('e2e server on ')) resolve();
    });
    server!.once('exit', (code) => reject(new Error(`the SSO e2e server exited (${code}) before it was ready:\n${out}`)));
  });
  server.stdout!.resume();
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await idp?.close();
});

/** From the console's sign-in page through the provider's form; stops when the provider sends the browser back. */
async function signInAtProvider(page: Page) {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Sign in with Example SSO' }).click();
  // The provider's own page (oidc-provider's development form).
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(OLIVIA.login);
  await page.locator('input[name="password"]').fill('whatever-the-provider-accepts');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/**
 * Rewrites one parameter of the authorization request the console sends the browser off with, as a meddler between
 * browser and provider would. (Routes see only the first request of a redirect chain, so the start is where to meddle.)
 */
async function tamperAuthorizationRequest(page: Page, param: 'state' | 'nonce') {
  await page.route(
    (url) => url.pathname === '/api/auth/oidc/start',
    async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers().location);
      location.searchParams.set(param, `${location.searchParams.get(param)}-tampered`);
      await route.fulfill({ response, headers: { ...response.headers(), location: location.href } });
    },
  );
}

const signInPageSays = (page: Page, message: RegExp) => expect(page.getByRole('alert').filter({ hasText: 'Single sign-on failed' })).toContainText(message);

test('signs in through the provider and lands in the console as that person, with the role their groups map to', async ({ page }) => {
  await signInAtProvider(page);
  await expect(page).toHaveURL(`${base}/`);
  await expect(page.getByTestId('current-user')).toHaveText(OLIVIA.name);
  const me = await page.request.get(`${base}/api/auth/me`);
  expect(me.status()).toBe(200);
  expect((await me.json()).data.user).toMatchObject({ email: OLIVIA.email, name: OLIVIA.name, role: 'operator' });
});

test('a state that is not the one the sign-in sent is refused: the sign-in page says why, signed out', async ({ page }) => {
  await tamperAuthorizationRequest(page, 'state');
  await signInAtProvider(page);
  await signInPageSays(page, /expired or was already used/);
  expect((await page.request.get(`${base}/api/auth/me`)).status()).toBe(401);
});

test('an ID token carrying another nonce than the sign-in sent is refused', async ({ page }) => {
  await tamperAuthorizationRequest(page, 'nonce');
  await signInAtProvider(page);
  await signInPageSays(page, /could not be verified/);
  expect((await page.request.get(`${base}/api/auth/me`)).status()).toBe(401);
});
