import client from 'prom-client';
import type { QueueStats } from '../../shared/queues.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import type { JobTelemetry, QueueTally } from './job-telemetry.ts';
import { LATENCY_BUCKETS } from './latency-buckets.ts';

export const METRIC_PREFIX = 'bizinsights_';

/** How long one scrape's queue counts are reused: scrapes from several Prometheus replicas cost one read. */
export const QUEUE_COUNTS_CACHE_MS = 5_000;
/** A scrape waits this long for Redis before it reports redis_up 0 (the workers' connection waits out outages). */
export const SCRAPE_REDIS_TIMEOUT_MS = 1_000;

export interface PrometheusDeps {
  /** Every queue's counts in one round trip; absent where the process has no Redis to ask. */
  readCounts?: () => Promise<Record<QueueName, QueueStats>>;
  /** The workers of this process, when it runs any. */
  telemetry?: JobTelemetry;
  workers?: { activeByQueue(): Partial<Record<QueueName, number>>; concurrencyByQueue(): Partial<Record<QueueName, number>> };
  now?: () => number;
}

export interface Metrics {
  registry: client.Registry;
  /** Present on processes that serve HTTP: the request log's timer reports here. */
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
}

/** One sample line: prom-client's own shape (its MetricValueWithName is not exported). */
type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric prom-client cannot express as one of its classes: values read from the workers' tallies at scrape time. */
function tallyMetric(name: string, help: string, type: 'counter' | 'histogram', values: () => Value[]) {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset() {},
  } as unknown as client.Metric;
}

function histogramValues(name: string, tallies: Iterable<QueueTally>, kind: 'wait' | 'processing'): Value[] {
  const out: Value[] = [];
  for (const t of tallies) {
    const h = t[kind];
    let cumulative = 0;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      cumulative += h.counts[i];
      out.push({ metricName: `${name}_bucket`, labels: { queue: t.queue, le: LATENCY_BUCKETS[i] }, value: cumulative });
    }
    cumulative += h.counts[LATENCY_BUCKETS.length];
    out.push({ metricName: `${name}_bucket`, labels: { queue: t.queue, le: '+Inf' }, value: cumulative });
    out.push({ metricName: `${name}_sum`, labels: { queue: t.queue }, value: h.sumSeconds });
    out.push({ metricName: `${name}_count`, labels: { queue: t.queue }, value: cumulative });
  }
  return out;
}

/**
 * This process's /metrics: queue depth (cached, one Redis round trip per scrape), what its workers did
 * (read from their tallies at scrape time: nothing is done per job for Prometheus), HTTP timings, redis_up
 * and Node's default process metrics. Counters are per process; Prometheus sums them across processes.
 */
export function createMetrics(deps: PrometheusDeps): Metrics {
  const registry = new client.Registry();
  const now = deps.now ?? Date.now;
  client.collectDefaultMetrics({ register: registry });

  let cached: { at: number; read: Promise<Record<QueueName, QueueStats> | undefined> } | undefined;
  const counts = () => {
    if (!deps.readCounts) return Promise.resolve(undefined);
    if (!cached || now() - cached.at > QUEUE_COUNTS_CACHE_MS) {
      const read = withTimeout(deps.readCounts(), SCRAPE_REDIS_TIMEOUT_MS).catch(() => undefined);
      cached = { at: now(), read };
      // A failed read is not kept: the next scrape asks again.
      void read.then((r) => {
        if (!r && cached?.read === read) cached = undefined;
      });
    }
    return cached.read;
  };

  if (deps.readCounts) {
    new client.Gauge({
      name: `${METRIC_PREFIX}queue_jobs`,
      help: 'Jobs per queue and state (waiting counts prioritized jobs; paused is waiting on a paused queue)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        const all = await counts();
        if (!all) return;
        for (const q of QUEUE_NAMES) for (const [state, n] of Object.entries(all[q])) this.set({ queue: q, state }, n);
      },
    });
    new client.Gauge({
      name: `${METRIC_PREFIX}redis_up`,
      help: '1 when Redis answered this scrape (within 1 s), else 0',
      registers: [registry],
      async collect() {
        this.set((await counts()) ? 1 : 0);
      },
    });
  }

  const telemetry = deps.telemetry;
  if (telemetry) {
    const counter = (name: string, help: string, read: (t: QueueTally) => Array<[Record<string, string>, number]>) =>
      registry.registerMetric(
        tallyMetric(`${METRIC_PREFIX}${name}`, help, 'counter', () =>
          [...telemetry.all()].flatMap((t) => read(t).map(([labels, value]) => ({ labels: { queue: t.queue, ...labels }, value }))),
        ),
      );
    counter('jobs_completed_total', 'Jobs this process completed', (t) => [[{}, t.completed]]);
    counter('jobs_failed_total', 'Failed attempts in this process; final="true" when no retry is left', (t) => [
      [{ final: 'true' }, t.failedFinal],
      [{ final: 'false' }, t.failedRetry],
    ]);
    counter('jobs_retried_total', 'Failed attempts that will be retried', (t) => [[{}, t.failedRetry]]);
    counter('jobs_stalled_total', "Jobs this process's stalled checks found (their worker stopped renewing the lock)", (t) => [[{}, t.stalled]]);
    const histogram = (name: string, help: string, kind: 'wait' | 'processing') =>
      registry.registerMetric(
        tallyMetric(`${METRIC_PREFIX}${name}`, help, 'histogram', () => histogramValues(`${METRIC_PREFIX}${name}`, telemetry.all(), kind)),
      );
    histogram('job_wait_seconds', 'From when a job became ready (after its delay) to its first start', 'wait');
    histogram('job_processing_seconds', 'Time in the processor, per attempt', 'processing');
  }

  const workers = deps.workers;
  if (workers) {
    new client.Gauge({
      name: `${METRIC_PREFIX}worker_active_jobs`,
      help: "Jobs this process's workers are running now",
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        for (const [q, n] of Object.entries(workers.activeByQueue())) this.set({ queue: q }, n ?? 0);
      },
    });
    new client.Gauge({
      name: `${METRIC_PREFIX}worker_concurrency`,
      help: "Jobs this process's workers may run at once",
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        for (const [q, n] of Object.entries(workers.concurrencyByQueue())) this.set({ queue: q }, n ?? 0);
      },
    });
  }

  const httpDuration = new client.Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
