import { Worker, type Job, type Processor } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { AlertJobData, DataSyncJobData } from '../../shared/jobs.ts';
import { QUEUE_NAMES, type QueueName, type QueueStats } from '../../shared/queues.ts';
import type { Redis } from '../../server/redis.ts';
import { API_TOKEN, startApiApp, type ApiApp } from './api-app.ts';
import { connect } from './redis.ts';
import { waitFor } from './wait-for.ts';

/** A parsed response body, read by path in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the server sent (JSON or text); tests read them by path and assert on the values, so a static type would only restate the assertions.
export type Json = any;

export const AUTH = { authorization: `Bearer ${API_TOKEN}` };
export const STAT_KEYS = ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused'];
export const ZERO: QueueStats = { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 };

export const alert = (n: number, extra: Partial<AlertJobData> = {}): AlertJobData => ({
  organizationId: `org-${n}`,
  alertType: 'DATA_ANOMALY',
  severity: 'HIGH',
  message: `Revenue dropped ${n}%`,
  metadata: { n },
  ...extra,
});
export const sync = (n: number): DataSyncJobData => ({ integrationId: `int-${n}`, organizationId: `org-${n}`, platform: 'shopify', syncType: 'incremental' });

export interface Res {
  status: number;
  body: Json;
}

export interface TrpcErr {
  status: number;
  code: string;
  appCode?: string;
  fieldErrors?: Record<string, string[]>;
  message: string;
}

/** Resolves once Date.now() has moved past `ms`. */
const clockPast = (ms: number) => waitFor(() => Date.now() > ms, { intervalMs: 1, message: `the clock to pass ${ms}` });

/**
 * The monitoring API as the procedure tests drive it: the real HTTP app over real Redis, started once
 * for the file, every call with the admin bearer token. Every test starts from six empty, running
 * queues; raw BullMQ workers (closed after each test) move jobs to completed or failed.
 */
export function setupAdminApi() {
  let app: ApiApp;
  let workerConn: Redis;
  const workers: Worker[] = [];

  beforeAll(async () => {
    app = await startApiApp();
    workerConn = connect();
  });

  afterAll(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(true)));
    await workerConn?.quit();
    await app?.close();
  });

  beforeEach(async () => {
    for (const name of QUEUE_NAMES) {
      const q = app.runtime.queueService.queue(name);
      await q.obliterate({ force: true });
      await q.resume();
    }
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(true)));
  });

  const svc = () => app.runtime.queueService;
  const bull = (name: QueueName) => svc().queue(name);

  /** A raw BullMQ worker on the app's prefix. */
  function rawWorker(queue: QueueName, processor: Processor, concurrency = 1): Worker {
    const w = new Worker(queue, processor, { connection: workerConn, prefix: app.prefix, concurrency });
    workers.push(w);
    return w;
  }

  async function stopWorker(w: Worker) {
    workers.splice(workers.indexOf(w), 1);
    await w.close();
  }

  /**
   * A processor's work: it ends in a later millisecond than it began, so jobs run one after another
   * finish at distinct times and "newest first" has a single answer.
   */
  const work = () => clockPast(Date.now());

  /** Adds jobs (attempts: 1) and runs them through a worker that throws `reason`; returns their ids, oldest first. */
  async function failJobs<Q extends QueueName>(queue: Q, datas: unknown[], reason = 'Connection timeout'): Promise<string[]> {
    const before = (await svc().getQueueStats(queue)).failed;
    const ids: string[] = [];
    for (const d of datas) ids.push(String((await svc().addJob(queue, d as never, { attempts: 1 })).id));
    const w = rawWorker(queue, async () => {
      await work();
      throw new Error(reason);
    });
    await waitFor(async () => (await svc().getQueueStats(queue)).failed === before + datas.length, { message: `${datas.length} failed ${queue} jobs` });
    await stopWorker(w);
    return ids;
  }

  /** Adds jobs and runs them to completion (returnvalue `{ok: <id>}`); returns their ids, oldest first. */
  async function completeJobs<Q extends QueueName>(queue: Q, datas: unknown[]): Promise<string[]> {
    const before = (await svc().getQueueStats(queue)).completed;
    const ids: string[] = [];
    for (const d of datas) ids.push(String((await svc().addJob(queue, d as never)).id));
    const w = rawWorker(queue, async (job: Job) => {
      await work();
      return { ok: job.id };
    });
    await waitFor(async () => (await svc().getQueueStats(queue)).completed === before + datas.length, { message: `${datas.length} completed ${queue} jobs` });
    await stopWorker(w);
    return ids;
  }

  async function addJobs<Q extends QueueName>(queue: Q, datas: unknown[], opts?: Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (const d of datas) ids.push(String((await svc().addJob(queue, d as never, opts as never)).id));
    return ids;
  }

  /**
   * Waits until the clock is past every timestamp of the queue's jobs: a clean (or empty) with grace 0
   * then takes them all, where one in the same millisecond as the newest job would keep it.
   */
  async function clockPastJobsOf(queue: QueueName) {
    const jobs = (await bull(queue).getJobs(['wait', 'prioritized', 'delayed', 'active', 'completed', 'failed'])).filter(Boolean);
    await clockPast(Math.max(0, ...jobs.map((j) => Math.max(j.timestamp, j.processedOn ?? 0, j.finishedOn ?? 0))));
  }

  async function http(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<Res> {
    const r = await fetch(app.base + path, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: r.status, body: json };
  }

  const trpcGet = (path: string, input?: unknown) =>
    http('GET', `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`);
  const trpcPost = (path: string, input?: unknown) => http('POST', `/trpc/${path}`, input ?? {});

  async function query<T = Json>(path: string, input?: unknown): Promise<T> {
    const r = await trpcGet(path, input);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body.result.data as T;
  }

  async function mutate<T = Json>(path: string, input?: unknown): Promise<T> {
    const r = await trpcPost(path, input);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body.result.data as T;
  }

  async function trpcError(kind: 'query' | 'mutation', path: string, input: unknown): Promise<TrpcErr> {
    const r = kind === 'query' ? await trpcGet(path, input) : await trpcPost(path, input);
    expect(r.body?.error, `${path} should fail: ${JSON.stringify(r.body)}`).toBeDefined();
    const e = r.body.error;
    return { status: r.status, code: e.data?.code, appCode: e.data?.appCode, fieldErrors: e.data?.fieldErrors, message: e.message };
  }

  async function expectBadInput(kind: 'query' | 'mutation', path: string, input: unknown, field: string) {
    const e = await trpcError(kind, path, input);
    expect(e.status, `${path} ${JSON.stringify(input)}`).toBe(400);
    expect(e.code).toBe('BAD_REQUEST');
    expect(Object.keys(e.fieldErrors ?? {}), `${path} fieldErrors for ${JSON.stringify(input)}`).toContain(field);
    expect(e.message).toContain(field);
  }

  return {
    /** The running app (set once the file's beforeAll has run). */
    get app(): ApiApp {
      return app;
    },
    svc,
    bull,
    rawWorker,
    stopWorker,
    failJobs,
    completeJobs,
    addJobs,
    clockPastJobsOf,
    http,
    query,
    mutate,
    trpcError,
    expectBadInput,
  };
}
