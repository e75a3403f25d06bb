import { expect, type Page } from '@playwright/test';
import { E2E } from './credentials.ts';

/** Signs in through the real login form: the first admin (`admin`, named admin) or the shared viewer password. */
export async function signIn(page: Page, user: 'admin' | 'viewer' = 'admin'): Promise<void> {
  await signInWith(page, user, user === 'admin' ? E2E.adminPassword : E2E.viewerPassword, user);
}

/** Signs in through the real login form with an email (or `admin` / `viewer`) and waits for `name` in the header. */
export async function signInWith(page: Page, username: string, password: string, name: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(name);
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

/** A short random suffix, so each test works on its own data. */
export const uid = () => Math.random().toString(36).slice(2, 10);

/** Calls a tRPC query with the admin bearer token (to read state the test can check the UI against). */
export async function trpcQuery<T = unknown>(page: Page, path: string, input?: unknown): Promise<T> {
  const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await page.request.get(`/trpc/${path}${qs}`, { headers: { authorization: `Bearer ${E2E.apiToken}` } });
  const json = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!json.result) throw new Error(`${path} failed: ${JSON.stringify(json.error)}`);
  return json.result.data;
}

/** Calls a tRPC mutation with the admin bearer token. */
export async function trpcMutate<T = unknown>(page: Page, path: string, input?: unknown): Promise<T> {
  const res = await page.request.post(`/trpc/${path}`, {
    headers: { authorization: `Bearer ${E2E.apiToken}`, 'content-type': 'application/json' },
    data: JSON.stringify(input ?? null),
  });
  const json = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!json.result) throw new Error(`${path} failed: ${JSON.stringify(json.error)}`);
  return json.result.data;
}

type Stats = { waiting: number; active: number; completed: number; failed: number; delayed: number; paused: number };

/** A queue's stats and paused flag, read from the server (not the page). */
export const queueInfo = (page: Page, queue: string) => trpcQuery<{ name: string; stats: Stats; isPaused: boolean }>(page, 'queues.get', { queue });

/** A job as the job page reads it (state, attemptsMade, failedReason, logs …). */
export const jobInfo = (page: Page, queue: string, id: string) =>
  trpcQuery<{
    id: string;
    state: string;
    attemptsMade: number;
    failedReason: string | null;
    stacktrace: string[];
    data: unknown;
    timestamp: number;
    processedOn: number | null;
    finishedOn: number | null;
    delay: number;
  }>(page, 'jobs.get', { queue, id });

/** Waits until the server reports the job in `state`. */
export async function waitForJobState(page: Page, queue: string, id: string, state: string, timeout = 10_000): Promise<void> {
  await expect.poll(async () => (await jobInfo(page, queue, id)).state, { timeout, message: `job ${queue}/${id} reaches ${state}` }).toBe(state);
}

/** A number shown in a stat tile (`data-stat="<key>"`) inside the given container, commas removed. */
export async function statOf(page: Page, testId: string, key: keyof Stats): Promise<number> {
  const text = await page.getByTestId(testId).locator(`[data-stat="${key}"]`).textContent();
  return Number((text ?? '').replace(/[,\s]/g, ''));
}

/** Waits until every integration of the organization has synced once (the demo's first syncs at start). */
export async function waitForOrgSynced(page: Page, organizationId = 'demo-org', timeout = 30_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const orgs = await trpcQuery<Array<{ id: string; integrations: Array<{ status: string; lastSyncAt: string | null }> }>>(page, 'orgs.list');
        const ints = orgs.find((o) => o.id === organizationId)?.integrations ?? [];
        return ints.length > 0 && ints.every((i) => i.status !== 'ACTIVE' || i.lastSyncAt !== null);
      },
      { timeout, message: `every integration of ${organizationId} has synced` },
    )
    .toBe(true);
}

export interface AlertRow {
  id: string;
  organizationId: string;
  alertType: string;
  severity: string;
  message: string;
  status: string;
  occurrences: number;
  acknowledgedBy: string | null;
}

/** The stored alerts (newest first), optionally of one organization. */
export const alertsOf = async (page: Page, organizationId?: string) =>
  (await trpcQuery<{ alerts: AlertRow[]; total: number }>(page, 'alerts.list', { page: 1, pageSize: 200, organizationId })).alerts;

export interface OutboxRow {
  id: string;
  jobId: string;
  recipient: string;
  subject: string;
  template: string;
  status: string;
  provider: string | null;
}

/** The newest emails in the outbox (up to 200). */
export const outboxEmails = async (page: Page, status?: 'pending' | 'sent' | 'failed') =>
  (await trpcQuery<{ emails: OutboxRow[]; total: number }>(page, 'outbox.list', { page: 1, pageSize: 200, status })).emails;
