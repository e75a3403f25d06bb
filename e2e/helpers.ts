import { expect, type Page } from '@playwright/test';
import { E2E } from './credentials.ts';

/** Signs in through the real login form. */
export async function signIn(page: Page, user: 'admin' | 'viewer' = 'admin'): Promise<void> {
  await page.goto('/');
  await page.getByLabel('User').selectOption(user);
  await page.getByLabel('Password').fill(user === 'admin' ? E2E.adminPassword : E2E.viewerPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(user);
}

/** Calls the REST API with the admin bearer token (to set up state quickly). */
export async function api(page: Page, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await page.request.fetch(path, {
    method,
    headers: { authorization: `Bearer ${E2E.apiToken}`, 'content-type': 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status(), body: await res.json().catch(() => undefined) };
}

/** Adds a job through tRPC with the admin token; returns its id. */
export async function addJob(page: Page, queue: string, data: unknown, opts?: unknown): Promise<string> {
  const res = await page.request.post('/trpc/jobs.add', {
    headers: { authorization: `Bearer ${E2E.apiToken}`, 'content-type': 'application/json' },
    data: JSON.stringify({ queue, data, opts }),
  });
  const json = (await res.json()) as { result?: { data: { id: string } }; error?: unknown };
  if (!json.result) throw new Error(`addJob failed: ${JSON.stringify(json.error)}`);
  return json.result.data.id;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
