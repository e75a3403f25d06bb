/**
 * The operator CLI's pure parts: what it prints (tables, JSON), how it reads option values, and the one-line
 * messages it makes of the server's refusals and of a server it cannot reach. No server here: cli.test.ts runs it
 * against a real one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGrace, parseWhole } from '../../cli/args.ts';
import { configFromEnv, describeHttpError, describeNetworkError } from '../../cli/client.ts';
import { UsageError } from '../../cli/errors.ts';
import { duration, formatFailed, formatSchedules, formatStats, formatWorkers, json, oneLine, relative, scheduleRule, table } from '../../cli/format.ts';
import type { AllQueueStats, QueueStats } from '../../shared/queues.ts';
import type { WorkerInfo } from '../../shared/workers.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const ZERO: QueueStats = { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 };

describe('table', () => {
  it('pads every column to its widest cell, numbers right-aligned, text left, no trailing spaces', () => {
    expect(
      table(
        ['NAME', 'COUNT', 'NOTE'],
        [
          ['a', '5', 'x'],
          ['longer', '1234', ''],
        ],
      ),
    ).toBe(`${['NAME    COUNT  NOTE', 'a           5  x', 'longer   1234'].join('\n')}\n`);
  });

  it('keeps the columns named as text left-aligned, digits or not', () => {
    expect(
      table(
        ['ID', 'N'],
        [
          ['7', '7'],
          ['1042', '1042'],
        ],
        ['ID'],
      ),
    ).toBe(`${['ID       N', '7        7', '1042  1042'].join('\n')}\n`);
  });

  it('prints the header alone for no rows', () => {
    expect(table(['A', 'B'], [])).toBe('A  B\n');
  });
});

describe('json', () => {
  it('is the data as parseable JSON, indented, ending in one newline', () => {
    const data = { queues: { alerts: ZERO }, list: [1, 'two', null] };
    const out = json(data);
    expect(JSON.parse(out)).toEqual(data);
    expect(out.endsWith('}\n')).toBe(true);
    expect(out).toContain('\n  "queues"');
  });
});

describe('oneLine', () => {
  it('flattens whitespace and cuts with an ellipsis at the limit', () => {
    expect(oneLine('Error: boom\n    at x (y.ts:1)\n', 100)).toBe('Error: boom at x (y.ts:1)');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
    expect(oneLine('abcde', 5)).toBe('abcde');
  });
});

describe('duration and relative', () => {
  it.each([
    [0, '0s'],
    [999, '1s'],
    [59_000, '59s'],
    [90_000, '1m 30s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [5_400_000, '1h 30m'],
    [86_400_000, '24h'],
    [7 * 86_400_000, '7d'],
    [2 * 86_400_000 + 3_600_000, '2d 1h'],
  ])('%d ms is %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it('says ago for the past, in for the future, now within a second, - when absent', () => {
    expect(relative(NOW - 300_000, NOW)).toBe('5m ago');
    expect(relative(NOW + 7_200_000, NOW)).toBe('in 2h');
    expect(relative(NOW + 400, NOW)).toBe('now');
    expect(relative(null, NOW)).toBe('-');
  });
});

describe('formatStats', () => {
  it('one row per queue in the order given, then the totals, every state a column', () => {
    const stats: AllQueueStats = {
      queues: { 'data-sync': { ...ZERO, waiting: 3, delayed: 1 }, alerts: { ...ZERO, failed: 12 } } as AllQueueStats['queues'],
      totals: { ...ZERO, waiting: 3, delayed: 1, failed: 12 },
    };
    const lines = formatStats(stats).trimEnd().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['QUEUE', 'WAITING', 'ACTIVE', 'COMPLETED', 'FAILED', 'DELAYED', 'PAUSED']);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['data-sync', '3', '0', '0', '0', '1', '0'],
      ['alerts', '0', '0', '0', '12', '0', '0'],
      ['total', '3', '0', '0', '12', '1', '0'],
    ]);
  });
});

describe('formatFailed', () => {
  const job = (id: string, reason: string | null, finishedOn: number | null) => ({
    id,
    name: 'sync',
    attemptsMade: 3,
    failedReason: reason,
    timestamp: NOW - 3_600_000,
    finishedOn,
  });

  it('says which slice of how many, then id, name, attempts, when and a one-line reason', () => {
    const out = formatFailed('data-sync', 7, 0, [job('12', 'Connection timeout\n  at fetch', NOW - 120_000), job('11', null, null)], NOW);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('data-sync: failed jobs 1–2 of 7, newest first');
    expect(lines[1].split(/\s{2,}/)).toEqual(['ID', 'NAME', 'ATTEMPTS', 'FAILED', 'REASON']);
    expect(lines[2].split(/\s{2,}/)).toEqual(['12', 'sync', '3', '2m ago', 'Connection timeout at fetch']);
    expect(lines[2].startsWith('12 ')).toBe(true);
    expect(lines[3].startsWith('11 ')).toBe(true);
    // No finish time: when it was added.
    expect(lines[3].split(/\s{2,}/)).toEqual(['11', 'sync', '3', '1h ago']);
  });

  it('counts from the window start', () => {
    expect(formatFailed('alerts', 120, 50, [job('a', 'x', NOW)], NOW).split('\n')[0]).toBe('alerts: failed jobs 51–51 of 120, newest first');
  });

  it('says so when there is nothing to list', () => {
    expect(formatFailed('alerts', 0, 0, [], NOW)).toBe('No failed jobs in alerts.\n');
    expect(formatFailed('alerts', 3, 10, [], NOW)).toBe('No failed jobs of alerts from position 10 (3 in all).\n');
  });
});

describe('formatSchedules', () => {
  it('shows the cron pattern or the interval, the time zone, next and last runs, and the owner or custom', () => {
    const out = formatSchedules(
      [
        {
          queue: 'data-sync',
          name: 'sync-int-1',
          pattern: null,
          every: 3_600_000,
          tz: null,
          next: NOW + 600_000,
          last: null,
          managed: { kind: 'integration-sync', owner: 'Integration int-1' },
        },
        {
          queue: 'report-generation',
          name: 'weekly',
          pattern: '0 9 * * 1',
          every: null,
          tz: 'Europe/Paris',
          next: NOW + 86_400_000,
          last: NOW - 300_000,
          managed: null,
        },
      ],
      NOW,
    );
    const rows = out
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['QUEUE', 'NAME', 'SCHEDULE', 'TZ', 'NEXT', 'LAST', 'OWNER'],
      ['data-sync', 'sync-int-1', 'every 1h', '-', 'in 10m', '-', 'Integration int-1'],
      ['report-generation', 'weekly', '0 9 * * 1', 'Europe/Paris', 'in 24h', '5m ago', 'custom'],
    ]);
    expect(scheduleRule({ pattern: null, every: null })).toBe('-');
  });

  it('says so when there are none', () => {
    expect(formatSchedules([], NOW)).toBe('No schedules.\n');
  });
});

describe('formatWorkers', () => {
  it('shows status, host, pid, heartbeat age, memory, version and each queue as active/concurrency', () => {
    const w: WorkerInfo = {
      name: 'worker-a',
      host: 'box-1',
      pid: 4242,
      version: '0.1.0',
      startedAt: NOW - 3_600_000,
      lastSeen: NOW - 3000,
      lastSeenAgoMs: 3000,
      rssBytes: 150 * 1024 * 1024,
      status: 'live',
      queues: [
        { queue: 'data-sync', concurrency: 2, active: 1 },
        { queue: 'alerts', concurrency: 5, active: 0 },
      ],
    };
    const rows = formatWorkers([w, { ...w, name: 'worker-b', status: 'gone', queues: [] }])
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'HOST', 'PID', 'LAST SEEN', 'MEMORY', 'VERSION', 'QUEUES (ACTIVE/CONCURRENCY)']);
    expect(rows[1]).toEqual(['worker-a', 'live', 'box-1', '4242', '3s ago', '150 MB', '0.1.0', 'data-sync 1/2, alerts 0/5']);
    expect(rows[2]).toEqual(['worker-b', 'gone', 'box-1', '4242', '3s ago', '150 MB', '0.1.0', '-']);
  });

  it('says so when none was seen', () => {
    expect(formatWorkers([])).toBe('No worker processes seen within the hour.\n');
  });
});

describe('parseGrace (clean --grace)', () => {
  it.each([
    ['0', 0],
    ['600000', 600_000],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    [' 2H ', 7_200_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGrace(text)).toBe(ms);
  });

  it.each(['', '-1', '10x', '1e3', 'h', '1 h', '0x10', '99999999999999999999d'])('refuses %j, saying what to give', (text) => {
    expect(() => parseGrace(text)).toThrow(/^Use /);
  });
});

describe('parseWhole (--start, --end, --limit)', () => {
  it('takes plain digits within the bounds', () => {
    expect(parseWhole('0', 0, 10)).toBe(0);
    expect(parseWhole('10', 0, 10)).toBe(10);
  });

  it.each(['1.5', '1e3', '0x10', '-1', '', 'ten'])('refuses %j', (text) => {
    expect(() => parseWhole(text, 0, 100)).toThrow('Use a whole number in plain digits');
  });

  it('names the bounds when out of them', () => {
    expect(() => parseWhole('11', 0, 10)).toThrow('Use a number from 0 to 10');
    expect(() => parseWhole('0', 1, 10)).toThrow('Use a number from 1 to 10');
  });
});

describe('configFromEnv', () => {
  it('defaults to http://localhost:3000, no token, a 2 min timeout', () => {
    expect(configFromEnv({})).toEqual({ baseUrl: 'http://localhost:3000', token: undefined, timeoutMs: 120_000 });
  });

  it('keeps a path prefix without its trailing slash, and reads the token and timeout', () => {
    expect(configFromEnv({ BIZJOBS_URL: 'https://ops.example.com/jobs/', BIZJOBS_TOKEN: ' bj_abc_def ', BIZJOBS_TIMEOUT_MS: '5000' })).toEqual({
      baseUrl: 'https://ops.example.com/jobs',
      token: 'bj_abc_def',
      timeoutMs: 5000,
    });
  });

  it.each([
    [{ BIZJOBS_URL: 'localhost:3000' }, 'BIZJOBS_URL'],
    [{ BIZJOBS_URL: 'not a url' }, 'BIZJOBS_URL'],
    [{ BIZJOBS_URL: 'ftp://example.com' }, 'BIZJOBS_URL'],
    [{ BIZJOBS_URL: 'http://example.com/?x=1' }, 'BIZJOBS_URL'],
    [{ BIZJOBS_TIMEOUT_MS: '0' }, 'BIZJOBS_TIMEOUT_MS'],
    [{ BIZJOBS_TIMEOUT_MS: '5s' }, 'BIZJOBS_TIMEOUT_MS'],
  ])('%j is a usage error naming %s', (env, name) => {
    let caught: unknown;
    try {
      configFromEnv(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).exitCode).toBe(2);
    expect((caught as UsageError).message).toContain(name);
  });
});

describe('describeHttpError', () => {
  const ctx = { baseUrl: 'http://jobs.local', tokenSet: true };
  const envelope = (code: string, message: string) => ({ success: false, error: { code, message } });

  it('401 says whether the token was missing or refused', () => {
    expect(describeHttpError(401, envelope('UNAUTHORIZED', 'Sign in'), { ...ctx, tokenSet: false })).toMatch(/^BIZJOBS_TOKEN is not set/);
    expect(describeHttpError(401, envelope('UNAUTHORIZED', 'Sign in'), ctx)).toMatch(/^the server refused BIZJOBS_TOKEN \(401\)/);
  });

  it("403 passes on the server's words, which name the role needed", () => {
    expect(describeHttpError(403, envelope('FORBIDDEN', 'This action needs the admin role'), ctx)).toBe('refused (403): This action needs the admin role');
  });

  it('an unknown queue says where the queues are listed', () => {
    expect(describeHttpError(404, envelope('UNKNOWN_QUEUE', 'Unknown queue "nope"'), ctx)).toBe('Unknown queue "nope" (404); `jobs stats` lists the queues');
  });

  it('a missing endpoint suggests an older server', () => {
    expect(describeHttpError(404, envelope('NOT_FOUND', 'No such endpoint'), ctx)).toContain('may be older than this CLI');
  });

  it('other refusals and failures are the message and the status', () => {
    expect(describeHttpError(400, envelope('BAD_REQUEST', 'Invalid request: ids: Too small'), ctx)).toBe('Invalid request: ids: Too small (400)');
    expect(describeHttpError(503, envelope('REDIS_UNAVAILABLE', 'Redis is unavailable; try again in a moment'), ctx)).toBe(
      'Redis is unavailable; try again in a moment (503)',
    );
  });

  it('an answer that is not the envelope asks whether BIZJOBS_URL is the jobs server', () => {
    expect(describeHttpError(200, undefined, ctx)).toBe(
      "unexpected answer from http://jobs.local (HTTP 200, not the API's JSON): is BIZJOBS_URL the jobs server?",
    );
    expect(describeHttpError(502, { message: 'Bad gateway' }, ctx)).toContain('HTTP 502');
  });
});

describe('describeNetworkError', () => {
  const ctx = { baseUrl: 'http://jobs.local', timeoutMs: 120_000 };
  const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

  it('names a refused connection, also when every address of the host refused', () => {
    expect(describeNetworkError(fetchFailed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), ctx)).toBe(
      'cannot reach the server at http://jobs.local: connection refused (is it running? set BIZJOBS_URL)',
    );
    const both = Object.assign(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]), {});
    expect(describeNetworkError(fetchFailed(both), ctx)).toContain('connection refused');
  });

  it('names an unknown host and a timeout', () => {
    expect(describeNetworkError(fetchFailed(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' })), ctx)).toContain('host not found');
    expect(describeNetworkError(new DOMException('The operation timed out.', 'TimeoutError'), ctx)).toBe(
      'cannot reach the server at http://jobs.local: no answer within 120 s (BIZJOBS_TIMEOUT_MS)',
    );
  });

  it("passes on anything else's message", () => {
    expect(describeNetworkError(fetchFailed(new Error('self-signed certificate')), ctx)).toBe(
      'cannot reach the server at http://jobs.local: self-signed certificate',
    );
  });
});

describe('cli/ imports', () => {
  it('nothing of the server: the CLI reaches it over HTTP only (shared/ types and schemas are fine)', () => {
    const root = path.resolve(import.meta.dirname, '../../cli');
    const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('jobs.ts');
    const reaching = files.flatMap((f) =>
      [...fs.readFileSync(path.join(root, f), 'utf8').matchAll(/from\s+'([^']+)'/g)]
        .map((m) => m[1])
        .filter((spec) => spec.startsWith('.') && path.relative(path.resolve(root, '..'), path.resolve(root, path.dirname(f), spec)).startsWith('server'))
        .map((spec) => `${f} imports ${spec}`),
    );
    expect(reaching).toEqual([]);
  });
});
