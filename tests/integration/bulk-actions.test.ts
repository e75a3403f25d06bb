/**
 * Acting on every job a filter matches (server/bulk), over real HTTP and tRPC on a private redis-server,
 * with the system composed as `npm start` composes it. 20,000 failed jobs are retried in batches of 500
 * while a worker runs them again (and fails them again): the system is stopped mid-way and composed again,
 * and every job must have run exactly once more (its attemptsMade and an execution count per job id).
 * While it runs a separate process PINGs Redis every ~2 ms; the slowest Redis call (SLOWLOG: Redis's own
 * time, the batch's MULTI included) must stay under 50 ms, the worst PING under PING_BOUND_MS (a busy
 * 2-core machine's scheduling counts there too, as in bull-board-actions.test.ts).
 */
import { PING_PROBE, raisePriority } from '../helpers/ping-probe.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../shared/audit.ts';
import type { BulkStatus } from '../../shared/bulk.ts';
import { QueueName } from '../../shared/queues.ts';
import { compose, type System } from '../../server/app/compose.ts';
import { BULK_BATCH_SIZE } from '../../server/bulk/bulk-engine.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { startRedisServer, type RedisServerHandle } from '../../server/embedded-redis.ts';
import type { ProcessorRegistry } from '../../server/jobs/contract.ts';
import { emptyScheduleSource } from '../../server/queue/job-scheduler.ts';
import { createRedisConnection, type Redis } from '../../server/redis.ts';
import { ADMIN_PASSWORD, API_TOKEN, VIEWER_API_TOKEN, VIEWER_PASSWORD } from '../helpers/api-app.ts';
import { bearer, send, type Res } from '../helpers/api-requests.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

const N = 20_000;
const PING_BOUND_MS = 250;
const SLOWEST_CALL_BOUND_MS = 50;
const PREFIX = 'bjtest-bulk';
const RETRIED = QueueName.WEBHOOK_PROCESSING;

let dir: string;
let redis: RedisServerHandle;
let client: Redis;
let config: Config;
let system: System | undefined;
let base: string;

/** Executions per job id, written by the worker's processor (every run fails, so a retried job comes back failed). */
const EXECUTIONS = `${PREFIX}:test:executions`;

function processors(): ProcessorRegistry {
  return {
    [RETRIED]: async (_data, ctx) => {
      await client.hincrby(EXECUTIONS, ctx.jobId, 1);
      throw new Error('platform token expired');
    },
  };
}

/** The system as `npm start` composes it (HTTP, workers for RETRIED), over the same Redis and prefix each time. */
async function up(): Promise<void> {
  system = await compose({
    config,
    log: silentLogger,
    http: true,
    runWorkers: true,
    runScheduler: false,
    demo: false,
    overrides: { processors: () => processors(), scheduleSource: emptyScheduleSource, sampleDepth: false },
  });
  const { port } = await system.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
}

async function down(): Promise<void> {
  await system?.stop();
  system = undefined;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-bulk-'));
  redis = await startRedisServer({ dir, args: ['--appendonly', 'no'] });
  raisePriority(redis.process.pid);
  client = createRedisConnection(redis.url, { name: 'bulk-test' });
  config = loadConfig({
    REDIS_URL: redis.url,
    QUEUE_PREFIX: PREFIX,
    DATA_DIR: dir,
    WORKER_STATS_INTERVAL_MS: '0',
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    API_TOKEN,
    VIEWER_API_TOKEN,
    LOG_LEVEL: 'silent',
  });
  await up();
});

afterAll(async () => {
  await down();
  await client?.quit();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const queues = () => system!.http!.services.queueService;

// Failed jobs as BullMQ stores them, a minute old: failing 20,000 through a worker takes a test's time.
const SEED = `
local base, from, n, at, state, data = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
for i = from, from + n - 1 do
  local id = ARGV[7] .. i
  redis.call('HSET', base .. id, 'name', 'seeded', 'data', string.gsub(data, '#', tostring(i)), 'opts', '{"attempts":1}', 'timestamp', at)
  redis.call('HSET', base .. id, 'processedOn', at, 'finishedOn', at, 'atm', 1, 'ats', 1)
  if state == 'failed' then redis.call('HSET', base .. id, 'failedReason', 'seeded', 'stacktrace', '[]') else redis.call('HSET', base .. id, 'returnvalue', 'null') end
  redis.call('ZADD', KEYS[1], at, id)
end
return n`;

async function seed(queue: QueueName, state: 'failed' | 'completed', n: number, opts: { data?: string; idPrefix?: string } = {}): Promise<void> {
  const q = queues().queue(queue);
  for (let i = 0; i < n; i += 10_000) {
    await client.eval(
      SEED,
      1,
      q.keys[state],
      q.toKey(''),
      i,
      Math.min(10_000, n - i),
      Date.now() - 60_000,
      state,
      opts.data ?? '{"n":#}',
      opts.idPrefix ?? 'seed-',
    );
  }
}

/** A tRPC call over HTTP with a bearer token (mutations: POST with the input as body). */
async function trpc(kind: 'query' | 'mutation', proc: string, input: unknown, token = API_TOKEN): Promise<Res> {
  if (kind === 'query') return send(base, { method: 'GET', path: `/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`, headers: bearer(token) });
  return send(base, { method: 'POST', path: `/trpc/${proc}`, body: input, headers: bearer(token) });
}

async function ok<T>(res: Promise<Res>): Promise<T> {
  const r = await res;
  if (r.status !== 200) throw new Error(`${r.status}: ${r.text}`);
  return r.body.result.data as T;
}

const status = (id: string) => ok<BulkStatus>(trpc('query', 'bulk.status', { id }));

async function auditOf(operation: string): Promise<AuditEntry[]> {
  const { entries } = await system!.http!.services.audit.list(1, 200);
  return entries.filter((e) => (e.detail as { operation?: string } | undefined)?.operation === operation);
}

/** Runs `fn` while a PING probe runs; the worst PING wait and the slowest Redis call (SLOWLOG, EXEC included). */
async function whileProbing<T>(fn: () => Promise<T>): Promise<{ result: T; pingMaxMs: number; pings: number; slowestCallMs: number; slowest: string }> {
  await client.config('SET', 'slowlog-log-slower-than', '1000');
  await client.config('SET', 'slowlog-max-len', '10000');
  await client.slowlog('RESET');
  const probe = spawn(process.execPath, ['-e', PING_PROBE, String(redis.port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  raisePriority(probe.pid);
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      probe.once('message', resolve);
      probe.once('error', reject);
    });
  try {
    await next();
    const result = await fn();
    const done = next();
    probe.send('stop');
    const { max, pings } = (await done) as { max: number; pings: number };
    const log = (await client.slowlog('GET', 10_000)) as Array<[number, number, number, string[]]>;
    const worst = log.reduce<[number, number, number, string[]] | undefined>((a, e) => (!a || e[2] > a[2] ? e : a), undefined);
    return { result, pingMaxMs: max, pings, slowestCallMs: worst ? worst[2] / 1000 : 0, slowest: worst ? worst[3].slice(0, 2).join(' ') : '-' };
  } finally {
    probe.kill();
  }
}

// ---------------------------------------------------------------------------------------------

describe('Bulk actions on everything a filter matches', () => {
  it(`retries ${N.toLocaleString('en')} failed jobs in batches, across a restart mid-way, each job exactly once, without stalling Redis`, async ({
    annotate,
  }) => {
    await seed(RETRIED, 'failed', N, { data: '{"platform":"shopify","eventType":"orders/create","payload":{"n":#},"signature":"s"}' });
    const filter = { queue: RETRIED, state: 'failed' };
    expect(await ok(trpc('query', 'bulk.preview', { filter, action: 'retry' }))).toEqual({ count: N, complete: true });

    const measured = await whileProbing(async () => {
      const started = await ok<BulkStatus>(trpc('mutation', 'bulk.start', { filter, action: 'retry' }));
      const id = started.id;
      // Stop the whole system while the operation is part-way…
      await waitFor(async () => ((await status(id)).processed >= 3 * BULK_BATCH_SIZE ? true : undefined), { timeoutMs: 60_000, message: 'a few batches' });
      await down();
      const stopped = toStatusRaw(await client.hgetall(`${PREFIX}:console:bulk:${id}`));
      // …then compose it again: it resumes where the cursor stands.
      await up();
      const finished = await waitFor(
        async () => {
          const s = await status(id);
          return s.phase === 'done' ? s : undefined;
        },
        { timeoutMs: 120_000, message: 'the bulk retry to finish' },
      );
      return { id, stopped, finished };
    });
    const { id, stopped, finished } = measured.result;
    await annotate(
      `stopped at ${stopped.cursor} of ${stopped.total} (${stopped.phase}); max PING ${measured.pingMaxMs.toFixed(1)} ms over ${measured.pings} pings; ` +
        `slowest Redis call ${measured.slowestCallMs.toFixed(1)} ms (${measured.slowest})`,
    );
    // The restart really came mid-way.
    expect(stopped.phase).toBe('running');
    expect(stopped.cursor).toBeGreaterThan(0);
    expect(stopped.cursor).toBeLessThan(N);
    // Batches: the cursor moves BULK_BATCH_SIZE at a time (the last batch may be smaller).
    expect(stopped.cursor % BULK_BATCH_SIZE).toBe(0);
    expect(finished).toMatchObject({ total: N, processed: N, done: N, skipped: 0 });

    // Every retried job runs once more and fails again: then each was retried exactly once.
    await waitFor(async () => ((await queues().countJobs(RETRIED, ['failed'])) === N ? true : undefined), {
      timeoutMs: 180_000,
      message: 'every retried job to fail again',
    });
    const executions = await client.hgetall(EXECUTIONS);
    expect(Object.keys(executions)).toHaveLength(N);
    expect(new Set(Object.values(executions))).toEqual(new Set(['1']));
    const q = queues().queue(RETRIED);
    const attempts = new Map<string, number>();
    for (let i = 0; i < N; i += 2000) {
      const pipe = client.pipeline();
      for (let k = i; k < Math.min(N, i + 2000); k++) pipe.hget(q.toKey(`seed-${k}`), 'atm');
      for (const [, v] of (await pipe.exec()) ?? []) attempts.set(String(v), (attempts.get(String(v)) ?? 0) + 1);
    }
    expect(Object.fromEntries(attempts)).toEqual({ '2': N });

    expect(measured.slowestCallMs).toBeLessThan(SLOWEST_CALL_BOUND_MS);
    expect(measured.pingMaxMs).toBeLessThan(PING_BOUND_MS);

    // The audit log: the start with its filter, and the end with the filter and the count, once.
    const entries = await auditOf(id);
    expect(entries.map((e) => e.action).sort()).toEqual(['bulk.retry', 'bulk.retry.start']);
    const end = entries.find((e) => e.action === 'bulk.retry')!;
    expect(end).toMatchObject({ ok: true, count: N, queue: RETRIED, user: 'api-token', role: 'admin' });
    expect(end.detail).toMatchObject({ filter, matched: N, skipped: 0, outcome: 'done' });
    expect(entries.find((e) => e.action === 'bulk.retry.start')!.detail).toMatchObject({ filter });
    await client.del(EXECUTIONS);
  }, 400_000);

  it('cancel stops an operation between batches; the audit log has what was done', async () => {
    const queue = QueueName.REPORT_GENERATION; // no worker: what is retried stays waiting
    await seed(queue, 'failed', N);
    const filter = { queue, state: 'failed' };
    const { id } = await ok<BulkStatus>(trpc('mutation', 'bulk.start', { filter, action: 'retry' }));
    await waitFor(async () => ((await status(id)).processed >= BULK_BATCH_SIZE ? true : undefined), { timeoutMs: 60_000, message: 'a batch' });
    const cancelled = await ok<BulkStatus>(trpc('mutation', 'bulk.cancel', { id }));
    expect(cancelled.phase).toBe('cancelled');
    await system!.http!.services.bulk.settled(id);
    const after = await status(id);
    expect(after.phase).toBe('cancelled');
    expect(after.done).toBeLessThan(N);
    // What the counters say is what happened in Redis, and nothing moves after the cancel.
    const [waiting, failed] = await Promise.all([queues().countJobs(queue, ['wait']), queues().countJobs(queue, ['failed'])]);
    expect(waiting).toBe(after.done);
    expect(failed).toBe(N - after.done);
    expect((await status(id)).processed).toBe(after.processed);
    // Cancelling again says it has ended.
    const again = await trpc('mutation', 'bulk.cancel', { id });
    expect(again.status).toBe(409);
    const end = (await auditOf(id)).find((e) => e.action === 'bulk.retry')!;
    expect(end).toMatchObject({ ok: false, count: after.done, error: 'cancelled' });
    expect(end.detail).toMatchObject({ filter, outcome: 'cancelled', matched: N });
  });

  it('acts on what a search matches only: removes the matching completed jobs, counted first', async () => {
    const queue = QueueName.EMAIL_SENDING;
    await seed(queue, 'completed', 300, { data: '{"to":"a#@example.com","cause":"token expired"}', idPrefix: 'expired-' });
    await seed(queue, 'completed', 200, { data: '{"to":"b#@example.com","cause":"rate limited"}', idPrefix: 'limited-' });
    const filter = { queue, state: 'completed', search: 'TOKEN EXPIRED' };
    expect(await ok(trpc('query', 'bulk.preview', { filter, action: 'remove' }))).toEqual({ count: 300, complete: true });
    const { id } = await ok<BulkStatus>(trpc('mutation', 'bulk.start', { filter, action: 'remove' }));
    const done = await waitFor(
      async () => {
        const s = await status(id);
        return s.phase === 'done' ? s : undefined;
      },
      { timeoutMs: 30_000, message: 'the removal' },
    );
    expect(done).toMatchObject({ total: 300, done: 300, skipped: 0 });
    const left = await queues().scanJobs(queue, 'completed', 0, -1);
    expect(left).toHaveLength(200);
    expect(left.every((j) => j.id.startsWith('limited-'))).toBe(true);
  });

  it('promotes every delayed job of a queue', async () => {
    const queue = QueueName.INSIGHTS_GENERATION;
    await queues().addJobs(
      queue,
      Array.from({ length: 40 }, (_, i) => ({ data: { organizationId: `org-${i}`, period: '7d' } as never, opts: { delay: 3_600_000 } })),
    );
    const filter = { queue, state: 'delayed' };
    expect(await ok(trpc('query', 'bulk.preview', { filter, action: 'promote' }))).toEqual({ count: 40, complete: true });
    const { id } = await ok<BulkStatus>(trpc('mutation', 'bulk.start', { filter, action: 'promote' }));
    await waitFor(async () => ((await status(id)).phase === 'done' ? true : undefined), { timeoutMs: 30_000, message: 'the promotion' });
    expect(await status(id)).toMatchObject({ done: 40, skipped: 0 });
    expect(await queues().countJobs(queue, ['delayed'])).toBe(0);
  });

  it('refuses an action that does not fit the state, and a viewer everything', async () => {
    const filter = { queue: QueueName.ALERTS, state: 'completed' };
    const wrong = await trpc('mutation', 'bulk.start', { filter, action: 'retry' });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.message).toMatch(/retry takes failed jobs/);

    const { id } = await ok<BulkStatus>(trpc('mutation', 'bulk.start', { filter, action: 'remove' }));
    for (const [kind, proc, input] of [
      ['query', 'bulk.preview', { filter }],
      ['mutation', 'bulk.start', { filter, action: 'remove' }],
      ['query', 'bulk.status', { id }],
      ['query', 'bulk.recent', {}],
      ['mutation', 'bulk.cancel', { id }],
    ] as const) {
      const r = await trpc(kind, proc, input, VIEWER_API_TOKEN);
      expect(r.status, proc).toBe(403);
      expect(r.text).not.toContain(id);
      const anonymous = await send(base, { method: kind === 'query' ? 'GET' : 'POST', path: `/trpc/${proc}`, body: kind === 'query' ? undefined : input });
      expect(anonymous.status, proc).toBe(401);
    }
  });
});

function toStatusRaw(raw: Record<string, string>) {
  return { phase: raw.phase, cursor: Number(raw.cursor), total: Number(raw.total) };
}
