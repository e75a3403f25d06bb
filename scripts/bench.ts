// `npm run bench`: our layers side by side with plain BullMQ, in one run, on a Redis of its own.
//
// Each scenario alternates plain and ours (the order flips every round) and repeats the pair
// BENCH_ROUNDS times (default 3); the table shows the medians. Worker drains and webhook servers run
// in a fresh child process per run (scripts/bench/child.ts), so memory and JIT state are per side.
//
//   BENCH_JOBS=20000     jobs (and webhook requests) per run
//   BENCH_ROUNDS=3       plain/ours pairs per scenario
//   BENCH_ONLY=…         comma-separated subset of: drain,enqueue,stats,webhooks (default: all)
//   BENCH_REDIS_URL=…    use this Redis (keys under bench-* prefixes, removed after each run);
//                        unset: a private redis-server in a temp dir (no AOF, no RDB), stopped at the end
//
// A benchmark reports; it does not assert: the exit code is 0 whatever the verdicts.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { QUEUE_NAMES } from '../shared/queues.ts';
import { startRedisServer } from '../server/embedded-redis.ts';
import { QueueService } from '../server/queue/queue-service.ts';
import { createRedisConnection, waitForReady, type Redis } from '../server/redis.ts';
import { BenchChild } from './bench/child-process.ts';
import { formatTable, num, type Row } from './bench/report.ts';
import {
  ALERTS,
  ALERT_JOB_NAME,
  WEBHOOKS,
  alertPayload,
  benchPrefix,
  median,
  percentile,
  policyJobOptions,
  pool,
  removeKeys,
  shopifyRequests,
  type ChildMessage,
  type DrainResult,
  type ProbeResult,
  type SignedRequest,
} from './bench/shared.ts';

const intEnv = (name: string, fallback: number) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const N = intEnv('BENCH_JOBS', 20_000);
const ROUNDS = intEnv('BENCH_ROUNDS', 3);
const WORKER_CONCURRENCY = 10;
const ENQUEUE_IN_FLIGHT = 100;
const HTTP_IN_FLIGHT = 50;
const STATS_CALLS = 1_000;
const MB = 1024 * 1024;

type Side = 'plain' | 'ours';
/** Round r runs plain first when r is even, ours first when odd. */
const sidesFor = (round: number): Side[] => (round % 2 === 0 ? ['plain', 'ours'] : ['ours', 'plain']);
const log = (line: string) => console.log(line);
const elapsed = (t0: number) => performance.now() - t0;

let redisUrl = '';
let admin: Redis;

function expectKind<K extends ChildMessage['kind']>(m: ChildMessage, kind: K): Extract<ChildMessage, { kind: K }> {
  if (m.kind !== kind) throw new Error(`expected a "${kind}" message from the bench child, got "${m.kind}"`);
  return m as Extract<ChildMessage, { kind: K }>;
}

async function connect(name: string): Promise<Redis> {
  const c = createRedisConnection(redisUrl, { name });
  await waitForReady(c, 10_000);
  return c;
}

// ── 1. Worker drain ────────────────────────────────────────────────────────────────────────────

async function drainRun(side: Side): Promise<DrainResult> {
  const prefix = benchPrefix(`drain-${side}`);
  try {
    // The same jobs for both sides: valid alerts with the queue's policy options, added in bulk.
    const queue = new Queue(ALERTS, { connection: admin, prefix, defaultJobOptions: policyJobOptions(ALERTS) });
    for (let i = 0; i < N; i += 1000) {
      const count = Math.min(1000, N - i);
      await queue.addBulk(Array.from({ length: count }, (_, k) => ({ name: ALERT_JOB_NAME, data: alertPayload(i + k) })));
    }
    await queue.close();
    const child = new BenchChild({ role: side === 'plain' ? 'drain-plain' : 'drain-ours', url: redisUrl, prefix, n: N, concurrency: WORKER_CONCURRENCY });
    const result = expectKind(await child.next(), 'drain');
    await child.exited;
    if (result.failed > 0 || result.completed !== N) throw new Error(`${side} drain: ${result.completed} completed, ${result.failed} failed of ${N}`);
    return result;
  } finally {
    await removeKeys(admin, prefix);
  }
}

async function benchDrain(): Promise<Row[]> {
  log(`\n1. Worker drain: ${num(N)} no-op alert jobs, concurrency ${WORKER_CONCURRENCY}, one worker process each`);
  const runs: Record<Side, DrainResult[]> = { plain: [], ours: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const parts: string[] = [];
    for (const side of sidesFor(r)) {
      const d = await drainRun(side);
      runs[side].push(d);
      parts.push(
        `${side} ${num((d.completed / d.ms) * 1000)} jobs/s, RSS Δ ${num((d.peak.rss - d.baseline.rss) / MB, 1)} MB (peak ${num(d.peak.rss / MB, 1)}), ` +
          `heap Δ ${num((d.peak.heapUsed - d.baseline.heapUsed) / MB, 1)} MB, CPU ${num(d.cpuMicros / d.completed, 1)} µs/job`,
      );
    }
    log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  const m = (side: Side, f: (d: DrainResult) => number) => median(runs[side].map(f));
  const tput = (d: DrainResult) => (d.completed / d.ms) * 1000;
  const rssDelta = (d: DrainResult) => (d.peak.rss - d.baseline.rss) / MB;
  const heapDelta = (d: DrainResult) => (d.peak.heapUsed - d.baseline.heapUsed) / MB;
  const rssPeak = (d: DrainResult) => d.peak.rss / MB;
  const cpu = (d: DrainResult) => d.cpuMicros / d.completed;
  return [
    { scenario: 'Worker drain', unit: 'jobs/s', plain: m('plain', tput), ours: m('ours', tput), better: 'higher', target: 0.95 },
    { scenario: 'Worker memory: peak RSS', unit: 'MB', plain: m('plain', rssPeak), ours: m('ours', rssPeak), better: 'lower', target: 1.2, digits: 1 },
    { scenario: 'Worker memory: RSS growth', unit: 'MB', plain: m('plain', rssDelta), ours: m('ours', rssDelta), better: 'lower', digits: 1 },
    { scenario: 'Worker memory: heapUsed growth', unit: 'MB', plain: m('plain', heapDelta), ours: m('ours', heapDelta), better: 'lower', digits: 1 },
    { scenario: 'Worker CPU per job', unit: 'µs', plain: m('plain', cpu), ours: m('ours', cpu), better: 'lower', digits: 1 },
  ];
}

// ── 2. Enqueue ──────────────────────────────────────────────────────────────────────────────────

interface EnqueueResult {
  perSec: number;
  /** Slowest PING another connection saw while the bulk add ran (bulk only). */
  stallMs?: number;
}

async function enqueueRun(side: Side, mode: 'single' | 'bulk', n: number): Promise<EnqueueResult> {
  const prefix = benchPrefix(`enqueue-${mode}-${side}`);
  const connection = await connect(`bench-enqueue-${side}`);
  // The plain queue has the options QueueService gives 'alerts', so both store the same jobs.
  const plain = side === 'plain' ? new Queue(ALERTS, { connection, prefix, defaultJobOptions: policyJobOptions(ALERTS) }) : undefined;
  const service = side === 'ours' ? new QueueService({ connection, prefix }) : undefined;
  try {
    await (plain ?? service!.queue(ALERTS)).waitUntilReady();
    const payloads = Array.from({ length: n }, (_, i) => alertPayload(i));
    if (mode === 'single') {
      const t0 = performance.now();
      if (plain) await pool(n, ENQUEUE_IN_FLIGHT, (i) => plain.add(ALERT_JOB_NAME, payloads[i]));
      else await pool(n, ENQUEUE_IN_FLIGHT, (i) => service!.addJob(ALERTS, payloads[i]));
      return { perSec: (n / elapsed(t0)) * 1000 };
    }
    const probe = new BenchChild({ role: 'probe', url: redisUrl, prefix });
    expectKind(await probe.next(), 'listening');
    const t0 = performance.now();
    if (plain) await plain.addBulk(payloads.map((data) => ({ name: ALERT_JOB_NAME, data })));
    else await service!.addJobs(ALERTS, payloads.map((data) => ({ data })));
    const ms = elapsed(t0);
    await probe.stop();
    const stall = expectKind(await probe.next(), 'probe') as ProbeResult;
    return { perSec: (n / ms) * 1000, stallMs: stall.maxMs };
  } finally {
    await plain?.close();
    await service?.close();
    await removeKeys(connection, prefix);
    await connection.quit().catch(() => connection.disconnect());
  }
}

async function benchEnqueue(): Promise<Row[]> {
  log(`\n2. Enqueue: ${num(N)} valid alert jobs; one at a time with ${ENQUEUE_IN_FLIGHT} in flight, then in bulk`);
  // Warm the JIT of both paths first, so round 1 does not favour whichever side runs second.
  for (const side of ['plain', 'ours'] as const) {
    await enqueueRun(side, 'single', Math.min(2_000, N));
    await enqueueRun(side, 'bulk', Math.min(2_000, N));
  }
  const single: Record<Side, number[]> = { plain: [], ours: [] };
  const bulk: Record<Side, number[]> = { plain: [], ours: [] };
  const stall: Record<Side, number[]> = { plain: [], ours: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const parts: string[] = [];
    for (const side of sidesFor(r)) {
      const s = await enqueueRun(side, 'single', N);
      single[side].push(s.perSec);
      parts.push(`${side} add ${num(s.perSec)}/s`);
    }
    for (const side of sidesFor(r + 1)) {
      const b = await enqueueRun(side, 'bulk', N);
      bulk[side].push(b.perSec);
      stall[side].push(b.stallMs ?? Number.NaN);
      parts.push(`${side} bulk ${num(b.perSec)}/s (max PING ${num(b.stallMs ?? Number.NaN, 1)} ms)`);
    }
    log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  return [
    { scenario: 'Enqueue, 1 at a time (add vs addJob)', unit: 'jobs/s', plain: median(single.plain), ours: median(single.ours), better: 'higher', target: 0.9 },
    { scenario: 'Enqueue, bulk (addBulk vs addJobs)', unit: 'jobs/s', plain: median(bulk.plain), ours: median(bulk.ours), better: 'higher' },
    { scenario: 'Redis stall during bulk add, max PING', unit: 'ms', plain: median(stall.plain), ours: median(stall.ours), better: 'lower', digits: 1 },
  ];
}

// ── 3. Stats ────────────────────────────────────────────────────────────────────────────────────

async function benchStats(): Promise<Row[]> {
  log(`\n3. Stats: getAllQueueStats (one call, six queues) vs six plain getJobCounts in sequence, ${num(STATS_CALLS)} calls`);
  const prefix = benchPrefix('stats');
  const connection = await connect('bench-stats');
  const service = new QueueService({ connection, prefix });
  const plainQueues = QUEUE_NAMES.map((name) => new Queue(name, { connection, prefix }));
  const types = ['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed'] as const;
  try {
    // Some jobs in every queue (counts are O(1) in Redis, so how many hardly matters).
    for (const q of plainQueues) {
      await q.addBulk(Array.from({ length: 1_000 }, (_, i) => ({ name: 'seed', data: { i }, opts: i % 10 === 0 ? { delay: 3_600_000 } : {} })));
    }
    const runs = {
      plain: async () => {
        for (const q of plainQueues) await q.getJobCounts(...types);
      },
      ours: async () => {
        await service.getAllQueueStats();
      },
    };
    const measure = async (side: Side, calls: number) => {
      const lat: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t0 = performance.now();
        await runs[side]();
        lat.push(elapsed(t0));
      }
      return lat;
    };
    await measure('plain', 200);
    await measure('ours', 200);
    const med: Record<Side, number[]> = { plain: [], ours: [] };
    const p99: Record<Side, number[]> = { plain: [], ours: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const parts: string[] = [];
      for (const side of sidesFor(r)) {
        const lat = await measure(side, STATS_CALLS);
        med[side].push(median(lat));
        p99[side].push(percentile(lat, 99));
        parts.push(`${side} median ${num(median(lat), 3)} ms, p99 ${num(percentile(lat, 99), 3)} ms`);
      }
      log(`   round ${r + 1}: ${parts.join(' | ')}`);
    }
    return [
      { scenario: 'Stats of 6 queues, median', unit: 'ms', plain: median(med.plain), ours: median(med.ours), better: 'lower', target: 1, digits: 3 },
      { scenario: 'Stats of 6 queues, p99', unit: 'ms', plain: median(p99.plain), ours: median(p99.ours), better: 'lower', digits: 3 },
    ];
  } finally {
    await Promise.all(plainQueues.map((q) => q.close()));
    await service.close();
    await removeKeys(connection, prefix);
    await connection.quit().catch(() => connection.disconnect());
  }
}

// ── 4. Webhook intake ───────────────────────────────────────────────────────────────────────────

type HookSide = 'plain' | 'ours' | 'ours-app';

function post(agent: http.Agent, port: number, req: SignedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, path: '/api/webhooks/shopify', method: 'POST', agent, headers: { ...req.headers, 'content-length': String(req.body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

async function hookRun(side: HookSide, round: number): Promise<number> {
  const prefix = benchPrefix(`hook-${side}`);
  const warm = Math.min(1_000, Math.ceil(N / 10));
  const requests = shopifyRequests(warm + N, `r${round}${side.replace('-', '')}`);
  const child = new BenchChild({ role: side === 'plain' ? 'hook-plain' : side === 'ours' ? 'hook-ours' : 'hook-ours-app', url: redisUrl, prefix });
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_IN_FLIGHT });
  try {
    const { port } = expectKind(await child.next(), 'listening');
    const bad: number[] = [];
    const send = async (i: number) => {
      const status = await post(agent, port, requests[i]);
      if (status !== 200) bad.push(status);
    };
    await pool(warm, HTTP_IN_FLIGHT, send);
    const t0 = performance.now();
    await pool(N, HTTP_IN_FLIGHT, (i) => send(warm + i));
    const ms = elapsed(t0);
    if (bad.length) throw new Error(`${side}: ${bad.length} requests answered ${[...new Set(bad)].join(', ')}`);
    const queue = new Queue(WEBHOOKS, { connection: admin, prefix });
    const stored = await queue.getJobCountByTypes('waiting');
    await queue.close();
    if (stored !== warm + N) throw new Error(`${side}: ${stored} jobs stored for ${warm + N} requests`);
    return (N / ms) * 1000;
  } finally {
    agent.destroy();
    await child.stop();
    await removeKeys(admin, prefix);
  }
}

async function benchWebhooks(): Promise<Row[]> {
  log(`\n4. Webhook intake: ${num(N)} signed Shopify deliveries (~1 kB) over HTTP keep-alive, ${HTTP_IN_FLIGHT} in flight`);
  const runs: Record<HookSide, number[]> = { plain: [], ours: [], 'ours-app': [] };
  const orders: HookSide[][] = [
    ['plain', 'ours', 'ours-app'],
    ['ours-app', 'ours', 'plain'],
    ['ours', 'plain', 'ours-app'],
  ];
  for (let r = 0; r < ROUNDS; r++) {
    const parts: string[] = [];
    for (const side of orders[r % orders.length]) {
      const rps = await hookRun(side, r);
      runs[side].push(rps);
      parts.push(`${side} ${num(rps)} req/s`);
    }
    log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  const plain = median(runs.plain);
  return [
    { scenario: 'Webhook intake: bare route vs webhookRoutes', unit: 'req/s', plain, ours: median(runs.ours), better: 'higher', target: 0.8 },
    { scenario: '  …with createApp\'s securityHeaders + requestLog', unit: 'req/s', plain, ours: median(runs['ours-app']), better: 'higher', target: 0.8 },
  ];
}

// ── Main ────────────────────────────────────────────────────────────────────────────────────────

function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  let stopRedis = async () => {};
  if (process.env.BENCH_REDIS_URL) {
    redisUrl = process.env.BENCH_REDIS_URL;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-bench-redis-'));
    const server = await startRedisServer({ dir, args: ['--appendonly', 'no', '--save', ''] });
    redisUrl = server.url;
    stopRedis = async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const onSignal = () => {
    void stopRedis().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await runAll(started);
  } finally {
    await stopRedis();
  }
}

async function runAll(started: number): Promise<void> {
  admin = await connect('bench-admin');
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  const cpus = os.cpus();
  const header =
    `Node ${process.version} · BullMQ ${packageVersion('bullmq')} · ioredis ${packageVersion('ioredis')} · Redis ${redisVersion} ` +
    `(${process.env.BENCH_REDIS_URL ? 'BENCH_REDIS_URL' : 'private redis-server, no persistence'}) · ` +
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'} · N = ${num(N)} · ${ROUNDS} rounds, medians`;
  log(`npm run bench: ours (server/queue, server/http) vs plain BullMQ\n${header}`);

  const rows: Row[] = [];
  const scenarios: Array<[string, string, () => Promise<Row[]>]> = [
    ['drain', 'Worker drain', benchDrain],
    ['enqueue', 'Enqueue', benchEnqueue],
    ['stats', 'Stats', benchStats],
    ['webhooks', 'Webhook intake', benchWebhooks],
  ];
  const only = new Set((process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  for (const [key, name, run] of scenarios) {
    if (only.size > 0 && !only.has(key)) continue;
    try {
      rows.push(...(await run()));
    } catch (err) {
      log(`   ${name} failed: ${(err as Error).stack ?? err}`);
      rows.push({ scenario: name, unit: '', plain: Number.NaN, ours: Number.NaN, better: 'higher', error: (err as Error).message });
    }
  }

  log(`\n${header}\n`);
  log(formatTable(rows));
  log(`\nratio = ours / plain. Took ${num(elapsed(started) / 1000, 0)} s.`);

  await admin.quit().catch(() => admin.disconnect());
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench could not run: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
