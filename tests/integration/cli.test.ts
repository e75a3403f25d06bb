/**
 * The operator CLI (`npm run jobs`) as a child process against a real server over real HTTP and real Redis:
 * every command's output (tables and --json) matches what the server and Redis hold, actions change Redis,
 * refusals exit 1 with one line naming the cause (a viewer's or operator's token, an unknown queue, an
 * unreachable server), usage errors exit 2. Run from source with tsx (vitest runs before `npm run build`), and
 * the compiled dist/cli/jobs.js too when it has been built. Also the two REST endpoints the CLI added.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../cli/program.ts';
import { QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { API_TOKEN, VIEWER_API_TOKEN } from '../helpers/api-app.ts';
import { ZERO, alert, setupAdminApi, sync, type Json } from '../helpers/admin-api.ts';
import { addPerson, type Person } from '../helpers/people.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SOURCE = ['--import', TSX, path.join(ROOT, 'cli/jobs.ts')];
const DIST = path.join(ROOT, 'dist/cli/jobs.js');

// Several child processes per test (each ~0.5 s to start under tsx, more on a busy machine).
vi.setConfig({ testTimeout: 60_000 });

const api = setupAdminApi();
const { svc, bull, failJobs, completeJobs, addJobs, clockPastJobsOf, http } = api;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only PATH, HOME and the given BIZJOBS_* variables (none of the developer's own leak in). */
function cli(args: string[], opts: { token?: string | null; url?: string; entry?: string[] } = {}): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), BIZJOBS_URL: opts.url ?? api.app.base };
  const token = opts.token === undefined ? API_TOKEN : opts.token;
  if (token !== null) env.BIZJOBS_TOKEN = token;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.entry ?? SOURCE), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jobs ${args.join(' ')} still running after 20 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exit 0 with nothing on stderr; the parsed stdout when it is JSON. */
function ok(r: Run): Json {
  expect({ code: r.code, stderr: r.stderr }, r.stdout).toEqual({ code: 0, stderr: '' });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return r.stdout;
  }
}

/** Exit `code` with one line on stderr and nothing on stdout; returns the line. */
function refused(r: Run, code: 1 | 2): string {
  expect({ code: r.code, stdout: r.stdout }, r.stderr).toEqual({ code, stdout: '' });
  return r.stderr;
}

const state = async (queue: QueueName, id: string) => (await bull(queue).getJob(id))?.getState();

/** A port on which nothing listens: one the OS just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('jobs stats', () => {
  it('--json prints exactly the counts GET /api/jobs/monitoring answers, and nothing else', async () => {
    await failJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await addJobs(QueueName.DATA_SYNC, [sync(1), sync(2), sync(3)]);
    await addJobs(QueueName.DATA_SYNC, [sync(4)], { delay: 60_000 });
    const printed = ok(await cli(['stats', '--json']));
    const server = await http('GET', '/api/jobs/monitoring');
    expect(printed).toEqual(server.body.data);
    expect(printed.queues.alerts).toEqual({ ...ZERO, failed: 2 });
    expect(printed.queues['data-sync']).toEqual({ ...ZERO, waiting: 3, delayed: 1 });
    expect(printed.totals).toEqual({ ...ZERO, waiting: 3, failed: 2, delayed: 1 });
  });

  it('prints a table: a row per queue and the totals', async () => {
    await failJobs(QueueName.ALERTS, [alert(1)]);
    const lines = (ok(await cli(['stats'])) as string).trimEnd().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['QUEUE', 'WAITING', 'ACTIVE', 'COMPLETED', 'FAILED', 'DELAYED', 'PAUSED']);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['QUEUE', ...QUEUE_NAMES, 'total']);
    expect(lines.find((l) => l.startsWith('alerts'))?.split(/\s+/)).toEqual(['alerts', '0', '0', '0', '1', '0', '0']);
  });
});

describe('jobs failed <queue>', () => {
  it('lists the failed jobs created, newest first, with their reason', async () => {
    const ids = await failJobs(QueueName.DATA_SYNC, [sync(1), sync(2), sync(3)], 'Shopify said 502');
    const lines = (ok(await cli(['failed', 'data-sync'])) as string).trimEnd().split('\n');
    expect(lines[0]).toBe('data-sync: failed jobs 1–3 of 3, newest first');
    expect(lines[1].split(/\s{2,}/)).toEqual(['ID', 'NAME', 'ATTEMPTS', 'FAILED', 'REASON']);
    const rows = lines.slice(2).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => r[0])).toEqual([...ids].reverse());
    for (const r of rows) expect(r).toEqual([expect.any(String), 'sync-shopify-incremental', '1', expect.stringMatching(/ago$|^now$/), 'Shopify said 502']);
  });

  it('--json is the server data; --start/--end choose the window', async () => {
    const ids = await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3), alert(4)]);
    const all = ok(await cli(['failed', 'alerts', '--json']));
    expect(all.queueName).toBe('alerts');
    expect(all.stats.failed).toBe(4);
    expect(all.failedJobs.map((j: Json) => j.id)).toEqual([...ids].reverse());
    const window = ok(await cli(['failed', 'alerts', '--start', '1', '--end', '2', '--json']));
    expect(window.failedJobs.map((j: Json) => j.id)).toEqual([ids[2], ids[1]]);
  });

  it('says so when the queue has none', async () => {
    expect(ok(await cli(['failed', 'alerts']))).toBe('No failed jobs in alerts.\n');
  });
});

describe('jobs retry', () => {
  it('--all retries every failed job (waiting again in Redis)', async () => {
    const ids = await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    expect(ok(await cli(['retry', 'alerts', '--all']))).toBe('Retried 3 failed jobs of alerts.\n');
    for (const id of ids) expect(await state(QueueName.ALERTS, id)).toBe('waiting');
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual({ ...ZERO, waiting: 3 });
  });

  it('<id>... retries those jobs only, as one action; an id it could not retry is named and exits 1', async () => {
    const [a, b, c] = await failJobs(QueueName.DATA_SYNC, [sync(1), sync(2), sync(3)]);
    expect(ok(await cli(['retry', 'data-sync', a, c]))).toBe('Retried 2 of 2 jobs of data-sync.\n');
    expect([await state(QueueName.DATA_SYNC, a), await state(QueueName.DATA_SYNC, b), await state(QueueName.DATA_SYNC, c)]).toEqual([
      'waiting',
      'failed',
      'waiting',
    ]);
    const partly = await cli(['retry', 'data-sync', b, 'no-such-job', '--json']);
    expect(partly.code).toBe(1);
    expect(JSON.parse(partly.stdout)).toEqual({
      queueName: 'data-sync',
      retried: 1,
      done: [b],
      failed: [{ id: 'no-such-job', error: expect.stringContaining('not found') }],
    });
    expect(partly.stderr).toBe('error: not retried: no-such-job (Job "no-such-job" not found in queue "data-sync")\n');
    expect(await state(QueueName.DATA_SYNC, b)).toBe('waiting');
  });

  it('a viewer token is refused: exit 1, the role needed named, nothing retried', async () => {
    const [id] = await failJobs(QueueName.ALERTS, [alert(1)]);
    for (const args of [
      ['retry', 'alerts', '--all'],
      ['retry', 'alerts', id],
    ]) {
      expect(refused(await cli(args, { token: VIEWER_API_TOKEN }), 1)).toBe('error: refused (403): This action needs the operator role\n');
    }
    expect(await state(QueueName.ALERTS, id)).toBe('failed');
  });

  it('needs --all or ids, not both (usage, exit 2)', async () => {
    expect(refused(await cli(['retry', 'alerts']), 2)).toContain('--all, or one or more job ids');
    expect(refused(await cli(['retry', 'alerts', '--all', '1']), 2)).toContain('either --all or job ids');
  });
});

describe('jobs pause / resume', () => {
  it('pauses and resumes the queue in Redis', async () => {
    expect(ok(await cli(['pause', 'report-generation']))).toBe('Paused report-generation.\n');
    expect(await bull(QueueName.REPORT_GENERATION).isPaused()).toBe(true);
    expect(ok(await cli(['resume', 'report-generation', '--json']))).toEqual({ queueName: 'report-generation', action: 'resume', paused: false });
    expect(await bull(QueueName.REPORT_GENERATION).isPaused()).toBe(false);
  });
});

describe('jobs clean', () => {
  it('removes the jobs of the state older than the grace, and keeps younger ones', async () => {
    const mail = { to: 'a@example.com', subject: 'Hi', template: 'welcome', data: {} };
    await completeJobs(QueueName.EMAIL_SENDING, [mail, mail]);
    expect(ok(await cli(['clean', 'email-sending', '--state', 'completed', '--grace', '1h']))).toBe(
      'Removed 0 completed jobs older than 1h from email-sending.\n',
    );
    expect((await svc().getQueueStats(QueueName.EMAIL_SENDING)).completed).toBe(2);
    await clockPastJobsOf(QueueName.EMAIL_SENDING);
    expect(ok(await cli(['clean', 'email-sending', '--state', 'completed', '--grace', '0', '--json']))).toEqual({
      queueName: 'email-sending',
      action: 'clean',
      state: 'completed',
      graceMs: 0,
      removed: 2,
    });
    expect((await svc().getQueueStats(QueueName.EMAIL_SENDING)).completed).toBe(0);
  });

  it('a missing or bad --state or --grace is a usage error (exit 2) naming the option', async () => {
    expect(refused(await cli(['clean', 'alerts', '--grace', '1h']), 2)).toContain("'--state <state>' not specified");
    expect(refused(await cli(['clean', 'alerts', '--state', 'completed']), 2)).toContain("'--grace <duration>' not specified");
    expect(refused(await cli(['clean', 'alerts', '--state', 'active', '--grace', '1h']), 2)).toContain(
      'Allowed choices are completed, failed, delayed, waiting, paused',
    );
    expect(refused(await cli(['clean', 'alerts', '--state', 'failed', '--grace', 'soon']), 2)).toContain("'--grace <duration>' argument 'soon' is invalid");
  });
});

describe('jobs empty', () => {
  it('refuses without --yes (exit 2) and removes nothing; with --yes removes every job not running', async () => {
    await failJobs(QueueName.ALERTS, [alert(1)]);
    const line = refused(await cli(['empty', 'alerts']), 2);
    expect(line).toBe('error: empty removes every job of alerts that is not running; add --yes to confirm\n');
    expect((await svc().getQueueStats(QueueName.ALERTS)).failed).toBe(1);
    await clockPastJobsOf(QueueName.ALERTS);
    expect(ok(await cli(['empty', 'alerts', '--yes']))).toBe('Removed 1 job from alerts.\n');
    expect(await svc().getQueueStats(QueueName.ALERTS)).toEqual(ZERO);
  });
});

describe('jobs schedules / workers', () => {
  it('schedules --json is what GET /api/schedules answers, the schedule created among it', async () => {
    await svc().addRecurringJob(
      QueueName.REPORT_GENERATION,
      'weekly-report',
      { reportId: 'r1', organizationId: 'o1', reportType: 'weekly', period: 'auto' },
      '0 9 * * 1',
    );
    const printed = ok(await cli(['schedules', '--json']));
    expect(printed).toEqual((await http('GET', '/api/schedules')).body.data);
    expect(printed).toEqual([expect.objectContaining({ queue: 'report-generation', name: 'weekly-report', pattern: '0 9 * * 1', managed: null })]);
    const table = (ok(await cli(['schedules', 'report-generation'])) as string).trimEnd().split('\n');
    expect(table[1].split(/\s{2,}/)).toEqual(['report-generation', 'weekly-report', '0 9 * * 1', '-', expect.stringMatching(/^in /), '-', 'custom']);
    expect(ok(await cli(['schedules', 'alerts', '--json']))).toEqual([]);
  });

  it('workers --json parses to the list GET /api/workers answers', async () => {
    const printed = ok(await cli(['workers', '--json']));
    expect(Array.isArray(printed)).toBe(true);
    const server = (await http('GET', '/api/workers')).body.data as Json[];
    expect(printed.map((w: Json) => w.name)).toEqual(server.map((w) => w.name));
  });
});

describe('refusals and failures: exit 1 with one line', () => {
  it('an unknown queue', async () => {
    for (const args of [
      ['failed', 'nope'],
      ['pause', 'nope'],
      ['retry', 'nope', '--all'],
      ['schedules', 'nope'],
    ]) {
      expect(refused(await cli(args), 1), args.join(' ')).toBe('error: Unknown queue "nope" (404); `jobs stats` lists the queues\n');
    }
  });

  it('an unreachable server', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    expect(refused(await cli(['stats'], { url }), 1)).toBe(`error: cannot reach the server at ${url}: connection refused (is it running? set BIZJOBS_URL)\n`);
  });

  it('no token, and a token the server does not know', async () => {
    expect(refused(await cli(['stats'], { token: null }), 1)).toMatch(/^error: BIZJOBS_TOKEN is not set and the server needs a token \(401\)/);
    expect(refused(await cli(['stats'], { token: 'bj_nothing1_notarealtoken' }), 1)).toMatch(/^error: the server refused BIZJOBS_TOKEN \(401\)/);
  });

  it('a viewer may read', async () => {
    ok(await cli(['stats', '--json'], { token: VIEWER_API_TOKEN }));
  });
});

describe('usage (exit 2) and help (exit 0)', () => {
  it('an unknown command or option, a missing argument, extra arguments, a bad BIZJOBS_URL', async () => {
    expect(refused(await cli(['stat']), 2)).toContain("unknown command 'stat'");
    expect(refused(await cli(['stats', '--jsn']), 2)).toContain("unknown option '--jsn'");
    expect(refused(await cli(['failed']), 2)).toContain("missing required argument 'queue'");
    expect(refused(await cli(['pause', 'alerts', 'data-sync']), 2)).toContain('too many arguments');
    expect(refused(await cli(['failed', 'alerts', '--start', '1.5']), 2)).toContain("'--start <n>' argument '1.5' is invalid");
    expect(refused(await cli(['stats'], { url: 'localhost:3000' }), 2)).toContain('BIZJOBS_URL');
    expect((await cli([])).code).toBe(2);
  });

  it('--help lists every command, the environment and the exit codes', async () => {
    const help = ok(await cli(['--help'])) as string;
    for (const c of ['stats', 'failed', 'retry', 'pause', 'resume', 'clean', 'empty', 'schedules', 'workers'])
      expect(help).toMatch(new RegExp(`^  ${c} `, 'm'));
    for (const word of ['BIZJOBS_URL', 'BIZJOBS_TOKEN', 'Exit codes']) expect(help).toContain(word);
  });

  // In-process (the same program the entry runs): one child process per command would only repeat the above.
  it.each(['stats', 'failed', 'retry', 'pause', 'resume', 'clean', 'empty', 'schedules', 'workers'])(
    '%s --help exits 0 with its usage and an example',
    async (command) => {
      let out = '';
      const code = await run([command, '--help'], { env: {}, stdout: (t) => (out += t), stderr: (t) => (out += t) });
      expect(code).toBe(0);
      expect(out).toContain(`Usage: jobs ${command}`);
      expect(out).toContain(`npm run jobs -- ${command}`);
    },
  );
});

describe('an operator token (a person with a personal token)', () => {
  let olivia: Person;
  beforeAll(async () => {
    olivia = await addPerson(api.app, { name: 'Olivia Operator', email: 'olivia-cli@example.com', role: 'operator' });
  });

  it('retries and pauses, but is refused empty and clean (exit 1, admin role named, nothing removed)', async () => {
    const ids = await failJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    expect(refused(await cli(['empty', 'alerts', '--yes'], { token: olivia.token }), 1)).toBe('error: refused (403): This action needs the admin role\n');
    expect(refused(await cli(['clean', 'alerts', '--state', 'failed', '--grace', '0'], { token: olivia.token }), 1)).toBe(
      'error: refused (403): This action needs the admin role\n',
    );
    expect((await svc().getQueueStats(QueueName.ALERTS)).failed).toBe(2);
    expect(ok(await cli(['retry', 'alerts', ids[0]], { token: olivia.token }))).toBe('Retried 1 of 1 job of alerts.\n');
    // One audited action naming the person and the token it came through.
    const { entries } = await api.app.services.audit.list(1, 50, { user: olivia.user.id });
    expect(entries.filter((e) => e.action === 'jobs.retry')).toEqual([
      expect.objectContaining({ user: 'Olivia Operator', tokenName: olivia.tokenName, source: 'rest', queue: 'alerts', jobIds: [ids[0]], count: 1, ok: true }),
    ]);
    expect(ok(await cli(['retry', 'alerts', '--all'], { token: olivia.token }))).toBe('Retried 1 failed job of alerts.\n');
    for (const id of ids) expect(await state(QueueName.ALERTS, id)).toBe('waiting');
    expect(ok(await cli(['pause', 'alerts'], { token: olivia.token }))).toBe('Paused alerts.\n');
    expect(await bull(QueueName.ALERTS).isPaused()).toBe(true);
  });
});

describe('REST endpoints the CLI added', () => {
  it('POST /api/jobs/:queue/retry: 404 unknown queue (any role), 403 for a viewer, 400 naming ids', async () => {
    const unknown = await http('POST', '/api/jobs/nope/retry', { ids: ['1'] }, { authorization: `Bearer ${VIEWER_API_TOKEN}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_QUEUE');
    const viewer = await http('POST', '/api/jobs/alerts/retry', { ids: ['1'] }, { authorization: `Bearer ${VIEWER_API_TOKEN}` });
    expect(viewer.status).toBe(403);
    for (const body of [{}, { ids: [] }, { ids: 'x' }, { ids: [''] }]) {
      const bad = await http('POST', '/api/jobs/alerts/retry', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(bad.body.error.fieldErrors).join(), JSON.stringify(body)).toMatch(/^ids/);
    }
  });

  it('GET /api/schedules: 401 without a token, a viewer reads it, 404 for an unknown queue', async () => {
    expect((await http('GET', '/api/schedules', undefined, {})).status).toBe(401);
    const viewer = await http('GET', '/api/schedules', undefined, { authorization: `Bearer ${VIEWER_API_TOKEN}` });
    expect(viewer).toEqual({ status: 200, body: { success: true, data: [] } });
    expect((await http('GET', '/api/schedules?queue=nope')).body.error.code).toBe('UNKNOWN_QUEUE');
  });
});

// The same checks on the build's output too, when there is one (`npm test` builds before vitest runs).
const ENTRIES: Array<[string, string[]]> = [
  ['from source (tsx)', SOURCE],
  ...(fs.existsSync(DIST) ? [['compiled (dist/cli/jobs.js)', [DIST]] as [string, string[]]] : []),
];

describe.each(ENTRIES)('the entry point %s', (_label, entry) => {
  it('--help, stats --json and a usage error', async () => {
    expect(ok(await cli(['--help'], { entry }))).toContain('Usage: jobs <command>');
    await failJobs(QueueName.ALERTS, [alert(1)]);
    expect(ok(await cli(['stats', '--json'], { entry }))).toEqual((await http('GET', '/api/jobs/monitoring')).body.data);
    expect(refused(await cli(['empty', 'alerts'], { entry }), 2)).toContain('--yes');
  });
});
