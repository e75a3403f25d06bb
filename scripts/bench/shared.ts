// Helpers shared by the benchmark's parent (scripts/bench.ts), its scenarios and its child processes (child.ts).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import type { DefaultJobOptions } from 'bullmq';
import pino, { type Logger } from 'pino';
import type { AlertJobData } from '../../shared/jobs.ts';
import { QUEUE_POLICIES, type QueueName } from '../../shared/queues.ts';
import { createRedisConnection, waitForReady, type Redis } from '../../server/redis.ts';
import { sign } from '../../server/webhooks/signatures.ts';
import type { Row } from './report.ts';

// ── Scenarios ───────────────────────────────────────────────────────────────────────────────────

/** What every scenario gets from scripts/bench.ts. */
export interface BenchContext {
  redisUrl: string;
  /** A connection for setup, teardown and the plain side's one-off calls. */
  admin: Redis;
  /** BENCH_JOBS: jobs (and requests) per run of the throughput scenarios. */
  n: number;
  /** BENCH_ROUNDS: plain/ours pairs per scenario. */
  rounds: number;
  log(line: string): void;
}

/** One scenario: `key` is its BENCH_ONLY name; `run` returns its rows of the table. */
export interface Scenario {
  key: string;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export type Side = 'plain' | 'ours';
/** Round r runs plain first when r is even, ours first when odd. */
export const sidesFor = (round: number): Side[] => (round % 2 === 0 ? ['plain', 'ours'] : ['ours', 'plain']);
export const elapsed = (t0: number): number => performance.now() - t0;
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const MB = 1024 * 1024;

/** A positive integer from the environment, or the fallback. */
export function intEnv(name: string, fallback: number): number {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export async function connect(url: string, name: string): Promise<Redis> {
  const connection = createRedisConnection(url, { name });
  await waitForReady(connection, 10_000);
  return connection;
}

export async function disconnect(connection: Redis): Promise<void> {
  await connection.quit().catch(() => connection.disconnect());
}

/** The whole machine's busy CPU time so far, summed over its cores (ms): what every process on it used. */
export function machineBusyMs(): number {
  let busy = 0;
  for (const { times: t } of os.cpus()) busy += t.user + t.nice + t.sys + t.irq;
  return busy;
}

/** Redis's own CPU time so far (user + system, all its threads), in seconds: `INFO cpu`. */
export async function redisCpuSec(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

export const ALERTS = 'alerts' as const satisfies QueueName;
export const WEBHOOKS = 'webhook-processing' as const satisfies QueueName;
export const SHOPIFY_SECRET = 'bench-shopify-secret';

/** A prefix of one scenario run's own: `bench-<label>-<random>`; its keys are removed after the run. */
export const benchPrefix = (label: string): string => `bench-${label}-${randomUUID().slice(0, 8)}`;

/**
 * The job options QueueService gives a queue (attempts, backoff, retention). The plain side uses the
 * same, so both sides store the same jobs and only our layer differs.
 */
export function policyJobOptions(queue: QueueName): DefaultJobOptions {
  const p = QUEUE_POLICIES[queue];
  return {
    attempts: p.attempts,
    backoff: p.backoff,
    removeOnComplete: { age: p.keepCompletedSec },
    removeOnFail: { age: p.keepFailedSec },
  };
}

/** A valid alert payload (it passes alertJobSchema, so the worker's validation runs in full). */
export function alertPayload(i: number): AlertJobData {
  return {
    organizationId: 'org-bench',
    alertType: 'queue-backlog',
    severity: 'HIGH',
    message: `Backlog on data-sync (${i})`,
    metadata: { queue: 'data-sync', waiting: 1200 + (i % 100), threshold: 1000 },
  };
}
/** The name QueueService gives an alert job (jobNameFor), so plain jobs carry the same name. */
export const ALERT_JOB_NAME = 'alert-queue-backlog';

/** A logger as production has it (level info, synchronous writes), writing to /dev/null. */
export function nullLogger(): Logger {
  return pino({ level: 'info', base: { pid: process.pid } }, pino.destination({ dest: '/dev/null', sync: true }));
}

/** Removes every key under `prefix:` (SCAN + UNLINK, batched), as tests/helpers/redis.ts removeKeys does. */
export async function removeKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await client.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

/** Runs `task(i)` for i in [0, n) with at most `inFlight` pending at once. */
export async function pool(n: number, inFlight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** A full GC when possible (the flag is set at run time, so `tsx scripts/bench.ts` needs no node flag). */
export const forceGc: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    return () => {
      gc();
      gc();
    };
  } catch {
    return () => {};
  }
})();

/** A Shopify webhook delivery: body, headers (signed with SHOPIFY_SECRET) and its event id. */
export interface SignedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** `count` distinct Shopify "orders/create" deliveries (~1 kB each), each with its own webhook id. */
export function shopifyRequests(count: number, runTag: string): SignedRequest[] {
  const out: SignedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const id = 5_000_000_000 + i;
    const body = Buffer.from(
      JSON.stringify({
        id,
        admin_graphql_api_id: `gid://shopify/Order/${id}`,
        email: `buyer${i}@example.com`,
        created_at: '2025-03-01T10:00:00Z',
        currency: 'EUR',
        financial_status: 'paid',
        total_price: '129.90',
        subtotal_price: '119.90',
        total_tax: '10.00',
        customer: { id: 7_000_000 + (i % 500), first_name: 'Ada', last_name: 'Lovelace', orders_count: 3 },
        line_items: [1, 2, 3].map((n) => ({ id: id * 10 + n, product_id: 900 + n, title: `Product ${n}`, quantity: n, price: '39.90', sku: `SKU-${n}` })),
        shipping_address: { city: 'Berlin', country_code: 'DE', zip: '10115' },
      }),
    );
    out.push({
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'bench.myshopify.com',
        'x-shopify-webhook-id': `${runTag}-${i}`,
        'x-shopify-hmac-sha256': sign.base64(SHOPIFY_SECRET, body),
      },
    });
  }
  return out;
}

// Messages between the parent and a child process.
export type ChildRole =
  | 'drain-plain'
  | 'drain-ours'
  | 'hook-plain'
  | 'hook-ours'
  | 'hook-ours-app'
  | 'probe'
  | 'latency-plain'
  | 'latency-ours'
  | 'busy-worker'
  | 'scale-worker';

/** What the parent sends a child: 'stop', or a command of the child's role. */
export type ParentMessage = 'stop' | 'mark' | { cmd: 'run'; n: number; thinkMs: number };

export interface DrainResult {
  kind: 'drain';
  completed: number;
  failed: number;
  /** First to last completion. */
  ms: number;
  /** Process memory right before the Worker was created (after a full GC), and the peak while it ran. */
  baseline: { rss: number; heapUsed: number };
  peak: { rss: number; heapUsed: number };
  /** CPU time (user + system) of the child during the drain, µs. */
  cpuMicros: number;
}
export interface ListeningMessage {
  kind: 'listening';
  port: number;
}
/** The slowest PING since the probe started or since the last 'mark' (which starts a new window). */
export interface ProbeResult {
  kind: 'probe';
  maxMs: number;
  samples: number;
}
/** add → completed of each job of one latency run, ms. */
export interface LatencyResult {
  kind: 'latency';
  samples: number[];
}
/** The busy worker's completions so far, at `at` (performance.timeOrigin + now, ms since the epoch). */
export interface MarkResult {
  kind: 'mark';
  completed: number;
  at: number;
}
/** One scale-out worker process: its completions, the time of its last one (epoch ms) and its CPU time. */
export interface ScaleResult {
  kind: 'scale';
  completed: number;
  lastAt: number;
  cpuMicros: number;
}
export type ChildMessage = DrainResult | ListeningMessage | ProbeResult | LatencyResult | MarkResult | ScaleResult | { kind: 'error'; message: string };

export function expectKind<K extends ChildMessage['kind']>(m: ChildMessage, kind: K): Extract<ChildMessage, { kind: K }> {
  if (m.kind !== kind) throw new Error(`expected a "${kind}" message from the bench child, got "${m.kind}"`);
  return m as Extract<ChildMessage, { kind: K }>;
}
