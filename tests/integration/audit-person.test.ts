/**
 * The audit log names the person: every action from the console (tRPC with a session), REST and tRPC with a
 * personal token, and Bull Board carries who did it (display name, user id, email, the token's name) and the
 * address; environment tokens are named by their own name. `audit.list`'s `user` filter returns one person's
 * entries only, and `audit.people` lists who acted. Real HTTP, real Redis, real accounts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPerson } from '../../shared/audit.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { alertData, bearer, send, withHeaders, type Req } from '../helpers/api-requests.ts';
import { addPerson, type Person } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait-for.ts';

let app: ApiApp;
let olivia: Person;
let adam: Person;

beforeAll(async () => {
  app = await startApiApp();
  olivia = await addPerson(app, { name: 'Olivia Operator', email: 'olivia@example.com', role: 'operator' });
  adam = await addPerson(app, { name: 'Adam Admin', email: 'adam@example.com', role: 'admin' });
});

afterAll(async () => {
  await app?.close();
});

const trpc = (path: string, input: unknown): Req => ({ method: 'POST', path: `/trpc/${path}`, body: input });
const trpcGet = (path: string, input?: unknown): Req => ({
  method: 'GET',
  path: `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
});
const session = (p: Person) => ({ cookie: p.cookie, origin: app.base });

async function ok(req: Req, headers: Record<string, string>) {
  const res = await send(app.base, withHeaders(req, headers));
  expect(res.status, `${req.method} ${req.path}: ${res.text}`).toBeLessThan(300);
  return res;
}

async function auditPage(input: { page?: number; pageSize?: number; user?: string }, headers = bearer(VIEWER_API_TOKEN)) {
  const res = await send(app.base, withHeaders(trpcGet('audit.list', { page: 1, pageSize: 200, ...input }), headers));
  expect(res.status, res.text).toBe(200);
  return res.body.result.data as { entries: AuditEntry[]; total: number; page: number; pageSize: number };
}

const oliviaWho = () => ({ user: 'Olivia Operator', userId: olivia.user.id, email: 'olivia@example.com', role: 'operator' });
const adamWho = () => ({ user: 'Adam Admin', userId: adam.user.id, email: 'adam@example.com', role: 'admin' });

describe('audit entries name the person', () => {
  let entries: AuditEntry[];

  beforeAll(async () => {
    const queue = 'alerts';
    const job = await app.runtime.queueService.addJob(queue, { ...alertData(1), severity: 'HIGH' }, { delay: 3_600_000 });
    // Olivia: the console (session) over tRPC and Bull Board; her personal token over REST, tRPC and Bull Board.
    await ok(trpc('queues.pause', { queue }), session(olivia));
    await ok(trpc('queues.resume', { queue }), session(olivia));
    await ok({ method: 'POST', path: `/api/jobs/${queue}?action=pause` }, bearer(olivia.token));
    await ok(trpc('jobs.add', { queue, data: alertData(2) }), bearer(olivia.token));
    await ok({ method: 'PUT', path: `/admin/queues/api/queues/${queue}/${job.id}/promote` }, session(olivia));
    await ok({ method: 'PUT', path: `/admin/queues/api/queues/${queue}/resume` }, bearer(olivia.token));
    // Bull Board's own writes are recorded once answered: wait for it, so the entries keep the order above.
    await waitFor(async () => (await auditPage({})).total === 6, { message: "Bull Board's resume audited" });
    const bulk = await ok(trpc('bulk.start', { filter: { queue, state: 'failed' }, action: 'retry' }), bearer(olivia.token));
    await app.services.bulk.settled(bulk.body.result.data.id);
    // Adam, an admin, through the console; and the environment's API_TOKEN.
    await ok(trpc('queues.empty', { queue }), session(adam));
    await ok({ method: 'POST', path: `/api/jobs/${queue}?action=clean`, body: { state: 'completed', grace: 0 } }, bearer(API_TOKEN));
    entries = (await auditPage({})).entries.reverse(); // oldest first, in the order above
  });

  it('console (session) entries: display name, user id, email, no token', () => {
    const [pause, resume] = entries;
    for (const e of [pause, resume]) {
      expect(e).toMatchObject({ ...oliviaWho(), via: 'session', source: 'trpc', ok: true });
      expect(e.tokenName).toBeUndefined();
    }
    expect([pause.action, resume.action]).toEqual(['queue.pause', 'queue.resume']);
  });

  it('personal token entries name the person and the token', () => {
    const [, , restPause, trpcAdd] = entries;
    expect(restPause).toMatchObject({ ...oliviaWho(), tokenName: olivia.tokenName, via: 'token', source: 'rest', action: 'queue.pause' });
    expect(trpcAdd).toMatchObject({ ...oliviaWho(), tokenName: olivia.tokenName, via: 'token', source: 'trpc', action: 'job.add' });
  });

  it('Bull Board entries name the person, by session and by token', () => {
    const [, , , , promote, resume] = entries;
    expect(promote).toMatchObject({ ...oliviaWho(), via: 'session', source: 'bullboard', action: 'job.promote' });
    expect(promote.tokenName).toBeUndefined();
    expect(resume).toMatchObject({
      ...oliviaWho(),
      tokenName: olivia.tokenName,
      via: 'token',
      source: 'bullboard',
      action: 'bullboard.PUT /api/queues/alerts/resume',
    });
  });

  it('a bulk operation’s start and end (written by the runner) name who started it', () => {
    const [end, start] = entries.slice(6, 8).sort((a, b) => a.action.localeCompare(b.action));
    expect(start).toMatchObject({ ...oliviaWho(), tokenName: olivia.tokenName, action: 'bulk.retry.start' });
    expect(end).toMatchObject({ ...oliviaWho(), tokenName: olivia.tokenName, action: 'bulk.retry' });
    expect(entries).toHaveLength(10);
  });

  it('another person and the environment token are named as themselves', () => {
    const [empty, clean] = entries.slice(8);
    expect(empty).toMatchObject({ ...adamWho(), via: 'session', source: 'trpc', action: 'queue.empty' });
    expect(clean).toMatchObject({ user: 'api-token', role: 'admin', via: 'token', source: 'rest', action: 'queue.clean' });
    expect(clean.userId).toBeUndefined();
    expect(clean.email).toBeUndefined();
    // Two different people in one run's log.
    expect(new Set(entries.filter((e) => e.userId).map((e) => e.userId)).size).toBe(2);
  });

  it('every entry has the caller’s address', () => {
    for (const e of entries) expect(e.ip, e.action).toMatch(/127\.0\.0\.1/);
  });

  it('the user filter returns only that person’s entries, newest first, paginated', async () => {
    const mine = await auditPage({ user: olivia.user.id });
    expect(mine.total).toBe(8);
    expect(mine.entries.every((e) => e.userId === olivia.user.id)).toBe(true);
    expect(mine.entries.map((e) => e.id)).toEqual(
      entries
        .filter((e) => e.userId === olivia.user.id)
        .reverse()
        .map((e) => e.id),
    );
    const page2 = await auditPage({ user: olivia.user.id, page: 2, pageSize: 3 });
    expect(page2).toMatchObject({ total: 8, page: 2, pageSize: 3 });
    expect(page2.entries.map((e) => e.id)).toEqual(mine.entries.slice(3, 6).map((e) => e.id));

    const adams = await auditPage({ user: adam.user.id });
    expect(adams.entries.map((e) => e.action)).toEqual(['queue.empty']);
    // Identities without an account are filtered by name.
    const env = await auditPage({ user: 'api-token' });
    expect(env.entries.map((e) => e.action)).toEqual(['queue.clean']);
    expect(await auditPage({ user: 'nobody-at-all' })).toMatchObject({ entries: [], total: 0 });
  });

  it('a bad filter is a 400 naming the field', async () => {
    const res = await send(app.base, withHeaders(trpcGet('audit.list', { user: '' }), bearer(VIEWER_API_TOKEN)));
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.data.fieldErrors)).toContain('user');
  });

  it('audit.people lists who acted, most recent first, for the filter', async () => {
    const res = await send(app.base, withHeaders(trpcGet('audit.people'), bearer(VIEWER_API_TOKEN)));
    expect(res.status).toBe(200);
    const people = res.body.result.data as AuditPerson[];
    expect(people.map((p) => p.identity)).toEqual(['api-token', adam.user.id, olivia.user.id]);
    expect(people[2]).toMatchObject({ name: 'Olivia Operator', userId: olivia.user.id, email: 'olivia@example.com' });
    expect(people[0]).toMatchObject({ name: 'api-token' });
    expect(people[0].userId).toBeUndefined();
    const lastOlivia = entries.filter((e) => e.userId === olivia.user.id).at(-1)!;
    expect(people[2].lastAt).toBe(lastOlivia.at);
  });
});
