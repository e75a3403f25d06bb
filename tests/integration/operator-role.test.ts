/**
 * The operator role over real HTTP and real Redis: an operator retries, promotes, pauses and resumes through tRPC,
 * REST and Bull Board alike, and is refused (403 naming the admin role, nothing changed in Redis, nothing audited)
 * for empty, clean and remove through all three. A viewer is refused every write. The people are real accounts
 * (invited, signed in by email, with personal tokens); each credential kind is tried.
 */
import { createHash } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QueueName } from '../../shared/queues.ts';
import { boardRoleFor } from '../../server/http/bull-board-roles.ts';
import { VIEWER_API_TOKEN } from '../helpers/api-app.ts';
import { setupAdminApi } from '../helpers/admin-api.ts';
import { alertData, bearer, scanKeys, send, type Req, type Res } from '../helpers/api-requests.ts';
import { addPerson, type Person } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait-for.ts';

const api = setupAdminApi();
const Q: QueueName = 'alerts';
const HOUR = 3_600_000;

let olivia: Person;
let vera: Person;

beforeAll(async () => {
  olivia = await addPerson(api.app, { name: 'Olivia Operator', email: 'olivia@example.com', role: 'operator' });
  vera = await addPerson(api.app, { name: 'Vera Viewer', email: 'vera@example.com', role: 'viewer' });
});

// — requests —

const trpc = (path: string, input: unknown): Req => ({ method: 'POST', path: `/trpc/${path}`, body: input });
const trpcGet = (path: string, input: unknown): Req => ({ method: 'GET', path: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}` });
const rest = (path: string, body?: unknown): Req => ({ method: 'POST', path, body });
const board = (path: string, method: Req['method'] | 'PATCH' = 'PUT'): Req => ({ method: method as Req['method'], path: `/admin/queues/api${path}` });

type Credential = 'session' | 'token';
/** The headers a person sends: a cookie from our own origin (as the console does), or their bearer token. */
const as = (p: Person, how: Credential): Record<string, string> => (how === 'token' ? bearer(p.token) : { cookie: p.cookie, origin: api.app.base });

async function call(req: Req, headers: Record<string, string>): Promise<Res> {
  return send(api.app.base, { ...req, headers: { ...req.headers, ...headers } });
}

const state = (id: string) => api.bull(Q).getJobState(id);

/**
 * Every key of the queue and of the audit log, with a hash of its whole value (DUMP): "nothing changed in Redis"
 * means exactly this map is the same afterwards. No worker runs and depth sampling is off, so nothing else writes.
 */
async function redisState(): Promise<Map<string, string>> {
  const c = api.app.runtime.requestConnection;
  const keys = [...(await scanKeys(c, `${api.app.prefix}:${Q}:*`)), ...(await scanKeys(c, `${api.app.prefix}:console:audit*`))].sort();
  const out = new Map<string, string>();
  for (const k of keys) {
    const dump = await c.dumpBuffer(k);
    out.set(k, dump ? createHash('sha256').update(dump).digest('hex') : 'gone');
  }
  return out;
}

/** A queue with a job in each state an action could touch: failed, completed, delayed, waiting (one worker run). */
async function stocked() {
  const [failed, completed] = await api.addJobs(Q, [alertData(1), alertData(2)], { attempts: 1 });
  const w = api.rawWorker(Q, async (job) => {
    if (job.id === failed) throw new Error('Connection timeout');
    return { ok: job.id };
  });
  await waitFor(async () => (await state(failed)) === 'failed' && (await state(completed)) === 'completed', { message: 'a failed and a completed job' });
  await api.stopWorker(w);
  const [delayed] = await api.addJobs(Q, [alertData(3)], { delay: HOUR });
  const [waiting] = await api.addJobs(Q, [alertData(4)]);
  return { failed, completed, delayed, waiting };
}

type Jobs = Awaited<ReturnType<typeof stocked>>;

// ---------------------------------------------------------------------------------------------
// What an operator may do
// ---------------------------------------------------------------------------------------------

interface Allowed {
  name: string;
  req: (jobs: Jobs) => Req;
  /** What changed in Redis (the reply is a 2xx already). */
  check: (jobs: Jobs, res: Res) => Promise<void>;
}

const retried = async (j: Jobs) => expect(await state(j.failed)).toBe('waiting');
const promoted = async (j: Jobs) => expect(await state(j.delayed)).toBe('waiting');
const paused = async () => expect(await api.bull(Q).isPaused()).toBe(true);
/** Resuming a paused queue: the queue is paused first (by the app's own service), then resumed by the operator. */
const resumed = async () => expect(await api.bull(Q).isPaused()).toBe(false);

const ALLOWED: Allowed[] = [
  { name: 'tRPC jobs.retry', req: (j) => trpc('jobs.retry', { queue: Q, ids: [j.failed] }), check: retried },
  { name: 'tRPC jobs.promote', req: (j) => trpc('jobs.promote', { queue: Q, ids: [j.delayed] }), check: promoted },
  { name: 'tRPC queues.retryAll', req: () => trpc('queues.retryAll', { queue: Q }), check: retried },
  { name: 'tRPC queues.promoteAll', req: () => trpc('queues.promoteAll', { queue: Q }), check: promoted },
  { name: 'tRPC queues.pause', req: () => trpc('queues.pause', { queue: Q }), check: paused },
  { name: 'tRPC queues.resume', req: () => trpc('queues.resume', { queue: Q }), check: resumed },
  {
    name: 'tRPC jobs.add',
    req: () => trpc('jobs.add', { queue: Q, data: alertData(7) }),
    check: async (_j, res) => expect(await state(res.body.result.data.id)).toBe('waiting'),
  },
  {
    name: 'tRPC bulk.start retry',
    req: () => trpc('bulk.start', { filter: { queue: Q, state: 'failed' }, action: 'retry' }),
    check: async (j, res) => {
      await api.app.services.bulk.settled(res.body.result.data.id);
      await retried(j);
    },
  },
  { name: 'REST retry one', req: (j) => rest('/api/jobs/monitoring/retry', { queueName: Q, jobId: j.failed }), check: retried },
  { name: 'REST retry all', req: () => rest('/api/jobs/monitoring/retry', { queueName: Q }), check: retried },
  { name: 'REST action=pause', req: () => rest(`/api/jobs/${Q}?action=pause`), check: paused },
  { name: 'REST action=resume', req: () => rest(`/api/jobs/${Q}?action=resume`), check: resumed },
  { name: 'Bull Board retry a job', req: (j) => board(`/queues/${Q}/${j.failed}/retry`), check: retried },
  { name: 'Bull Board promote a job', req: (j) => board(`/queues/${Q}/${j.delayed}/promote`), check: promoted },
  { name: 'Bull Board retry all failed', req: () => board(`/queues/${Q}/retry/failed`), check: retried },
  { name: 'Bull Board promote all', req: () => board(`/queues/${Q}/promote`), check: promoted },
  { name: 'Bull Board pause', req: () => board(`/queues/${Q}/pause`), check: paused },
  { name: 'Bull Board resume', req: () => board(`/queues/${Q}/resume`), check: resumed },
];

describe.each<Credential>(['session', 'token'])('an operator (%s) acts', (how) => {
  it.each(ALLOWED)('$name', async ({ name, req, check }) => {
    const jobs = await stocked();
    if (name.endsWith('resume')) await api.svc().pauseQueue(Q);
    const res = await call(req(jobs), as(olivia, how));
    expect(res.status, `${name}: ${res.text}`).toBeLessThan(300);
    await check(jobs, res);
  });

  it('gets the writable Bull Board, and bulk previews and statuses of retries', async () => {
    const queues = (await call({ method: 'GET', path: '/admin/queues/api/queues' }, as(olivia, how))).body.queues;
    expect(queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
    await stocked();
    const preview = await call(trpcGet('bulk.preview', { filter: { queue: Q, state: 'failed' }, action: 'retry' }), as(olivia, how));
    expect(preview.body.result.data).toMatchObject({ count: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// What an operator may not do, and a viewer nothing
// ---------------------------------------------------------------------------------------------

interface Refusal {
  name: string;
  req: (jobs: Jobs) => Req;
}

const schedule = { queue: Q, name: 'nightly-check' };
const ADMIN_ONLY: Refusal[] = [
  { name: 'tRPC queues.empty', req: () => trpc('queues.empty', { queue: Q }) },
  { name: 'tRPC queues.clean', req: () => trpc('queues.clean', { queue: Q, state: 'completed', graceMs: 0 }) },
  { name: 'tRPC jobs.remove', req: (j) => trpc('jobs.remove', { queue: Q, ids: [j.failed, j.completed] }) },
  { name: 'tRPC bulk.start remove', req: () => trpc('bulk.start', { filter: { queue: Q, state: 'completed' }, action: 'remove' }) },
  { name: 'tRPC bulk.preview remove', req: () => trpcGet('bulk.preview', { filter: { queue: Q, state: 'completed' }, action: 'remove' }) },
  { name: 'tRPC schedules.upsert', req: () => trpc('schedules.upsert', { ...schedule, cron: '0 3 * * *', data: alertData(9) }) },
  { name: 'tRPC schedules.remove', req: () => trpc('schedules.remove', schedule) },
  { name: 'REST action=empty', req: () => rest(`/api/jobs/${Q}?action=empty`) },
  { name: 'REST action=clean', req: () => rest(`/api/jobs/${Q}?action=clean`, { state: 'completed', grace: 0 }) },
  { name: 'Bull Board empty', req: () => board(`/queues/${Q}/empty`) },
  { name: 'Bull Board clean completed', req: () => board(`/queues/${Q}/clean/completed`) },
  { name: 'Bull Board clean failed', req: () => board(`/queues/${Q}/clean/failed`) },
  { name: 'Bull Board remove a job', req: (j) => board(`/queues/${Q}/${j.failed}/clean`) },
  { name: 'Bull Board obliterate', req: () => board(`/queues/${Q}/obliterate`) },
  { name: 'Bull Board remove unprocessed children', req: (j) => board(`/queues/${Q}/${j.waiting}/remove-unprocessed-children`) },
  { name: 'Bull Board remove a scheduler', req: () => board(`/queues/${Q}/job-schedulers/nightly-check/remove`) },
  { name: 'Bull Board empty, upper case', req: () => board(`/queues/${Q}/EMPTY`) },
  { name: 'Bull Board empty, escaped', req: () => board(`/queues/${Q}/%65mpty`) },
  { name: 'Bull Board empty, trailing slash', req: () => board(`/queues/${Q}/empty/`) },
];

const OPERATOR_WRITES: Refusal[] = [
  { name: 'tRPC jobs.retry', req: (j) => trpc('jobs.retry', { queue: Q, ids: [j.failed] }) },
  { name: 'tRPC jobs.promote', req: (j) => trpc('jobs.promote', { queue: Q, ids: [j.delayed] }) },
  { name: 'tRPC queues.pause', req: () => trpc('queues.pause', { queue: Q }) },
  { name: 'tRPC jobs.add', req: () => trpc('jobs.add', { queue: Q, data: alertData(9) }) },
  { name: 'tRPC bulk.start retry', req: () => trpc('bulk.start', { filter: { queue: Q, state: 'failed' }, action: 'retry' }) },
  { name: 'REST retry', req: (j) => rest('/api/jobs/monitoring/retry', { queueName: Q, jobId: j.failed }) },
  { name: 'REST action=pause', req: () => rest(`/api/jobs/${Q}?action=pause`) },
  { name: 'Bull Board retry a job', req: (j) => board(`/queues/${Q}/${j.failed}/retry`) },
  { name: 'Bull Board promote a job', req: (j) => board(`/queues/${Q}/${j.delayed}/promote`) },
  { name: 'Bull Board pause', req: () => board(`/queues/${Q}/pause`) },
  { name: 'Bull Board pause all', req: () => board('/queues/pause') },
  { name: 'Bull Board retry all failed', req: () => board(`/queues/${Q}/retry/failed`) },
];

/** The refusal in each API's own shape, naming the role needed. */
function expectForbidden(res: Res, role: 'operator' | 'admin', what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(403);
  const message = `This action needs the ${role} role`;
  if (res.body?.error?.data) expect(res.body.error).toMatchObject({ message, data: { code: 'FORBIDDEN' } });
  else if (res.body?.success === false) expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message });
  else expect(res.body).toMatchObject({ error: 'Forbidden', message, code: 'FORBIDDEN' });
}

describe('refusals change nothing', () => {
  let jobs: Jobs;
  beforeEach(async () => {
    jobs = await stocked();
  });

  describe.each<Credential>(['session', 'token'])('an operator (%s)', (how) => {
    it.each(ADMIN_ONLY)('$name: 403 naming the admin role', async ({ name, req }) => {
      const before = await redisState();
      expectForbidden(await call(req(jobs), as(olivia, how)), 'admin', name);
      expect(await redisState()).toEqual(before);
    });
  });

  describe.each([
    { who: 'a stored viewer (session)', headers: () => as(vera, 'session') },
    { who: 'a stored viewer (token)', headers: () => as(vera, 'token') },
    { who: 'the environment viewer token', headers: () => bearer(VIEWER_API_TOKEN) },
  ])('$who', ({ headers }) => {
    it.each([...OPERATOR_WRITES, ...ADMIN_ONLY])('$name: 403', async ({ name, req }) => {
      const before = await redisState();
      const res = await call(req(jobs), headers());
      expect(res.status, `${name}: ${res.text}`).toBe(403);
      // A viewer is told the lowest role that would do: operator for what operators may do.
      if (OPERATOR_WRITES.some((w) => w.name === name)) expectForbidden(res, 'operator', name);
      expect(await redisState()).toEqual(before);
    });
  });

  it('an admin may do what the operator was refused (the refusals above are the role, not the request)', async () => {
    const admin = bearer(api.app.config.API_TOKEN!);
    expect((await call(board(`/queues/${Q}/${jobs.failed}/clean`), admin)).status).toBe(204);
    expect(await api.bull(Q).getJob(jobs.failed)).toBeUndefined();
    expect((await call(trpc('jobs.remove', { queue: Q, ids: [jobs.completed] }), admin)).body.result.data).toMatchObject({ done: [jobs.completed] });
    expect((await call(rest(`/api/jobs/${Q}?action=empty`), admin)).status).toBe(200);
    expect(await api.svc().getQueueStats(Q)).toMatchObject({ waiting: 0, delayed: 0 });
  });
});

describe('an operator cannot cancel an admin’s bulk removal', () => {
  it('bulk.cancel of a remove is the admin’s; of a retry, the operator’s', async () => {
    await api.completeJobs(Q, [alertData(1)]);
    const admin = bearer(api.app.config.API_TOKEN!);
    const removal = (await call(trpc('bulk.start', { filter: { queue: Q, state: 'completed' }, action: 'remove' }), admin)).body.result.data;
    expectForbidden(await call(trpc('bulk.cancel', { id: removal.id }), as(olivia, 'token')), 'admin', 'cancel a removal');
    // Status and the recent list are an operator's to read, whatever the action.
    expect((await call(trpcGet('bulk.status', { id: removal.id }), as(olivia, 'token'))).status).toBe(200);
    expect((await call(trpcGet('bulk.recent', {}), as(olivia, 'token'))).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// Bull Board's route table (pure)
// ---------------------------------------------------------------------------------------------

describe('Bull Board roles by route', () => {
  it.each([
    ['GET', '/api/queues', undefined],
    ['GET', '/api/queues/alerts/7/logs', undefined],
    ['PUT', '/api/queues/pause', 'operator'],
    ['PUT', '/api/queues/resume', 'operator'],
    ['POST', '/api/queues/alerts/add', 'operator'],
    ['PUT', '/api/queues/alerts/retry/failed', 'operator'],
    ['PUT', '/api/queues/alerts/retry/completed', 'operator'],
    ['PUT', '/api/queues/alerts/promote', 'operator'],
    ['PUT', '/api/queues/alerts/pause', 'operator'],
    ['put', '/api/queues/alerts/resume/', 'operator'],
    ['PUT', '/api/queues/alerts/7/retry', 'operator'],
    ['PUT', '/api/queues/alerts/7/promote', 'operator'],
    ['PATCH', '/api/queues/alerts/7/update-data', 'operator'],
    ['PUT', '/api/queues/alerts/job-schedulers/nightly/run', 'operator'],
    ['PUT', '/api/queues/alerts/empty', 'admin'],
    ['PUT', '/api/queues/alerts/Empty', 'admin'],
    ['PUT', '/api/queues/alerts/clean/completed', 'admin'],
    ['PUT', '/api/queues/alerts/obliterate', 'admin'],
    ['PUT', '/api/queues/alerts/7/clean', 'admin'],
    ['PUT', '/api/queues/alerts/job-schedulers/nightly/remove', 'admin'],
    ['PATCH', '/api/queues/alerts/job-schedulers/nightly', 'admin'],
    // A job whose id is `clean`: its retry also reads as "clean all retry"; Express would run the clean.
    ['PUT', '/api/queues/alerts/clean/retry', 'admin'],
    // Writes no table lists are the admin's.
    ['DELETE', '/api/queues/alerts', 'admin'],
    ['POST', '/api/queues/alerts/7/retry', 'admin'],
    ['PUT', '/api/something/new', 'admin'],
  ] as const)('%s %s → %s', (method, path, role) => {
    expect(boardRoleFor(method, path)).toBe(role);
  });
});
