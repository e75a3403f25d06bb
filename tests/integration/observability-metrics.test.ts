/**
 * /metrics, the latency percentiles kept in Redis, and the REST/tRPC reads of them, on the real app over
 * real Redis with a real worker runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertJobData } from '../../shared/jobs.ts';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import { JobTelemetry } from '../../server/observability/job-telemetry.ts';
import { LATENCY_BUCKETS, bucketOfMs } from '../../server/observability/latency-buckets.ts';
import { latencyKeys } from '../../server/observability/latency-keys.ts';
import { readLatency } from '../../server/observability/latency-store.ts';
import { createWorkerHttp } from '../../server/http/worker-http.ts';
import { metricsHandler } from '../../server/observability/metrics-route.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { connect, removeKeys, testPrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** The samples of a Prometheus text body: name, labels, value. */
function parseMetrics(text: string) {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Prometheus' histogram_quantile over a scraped histogram's cumulative buckets. */
function histogramQuantile(q: number, buckets: Array<{ le: number; count: number }>): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1].count;
  const rank = q * total;
  let prev = { le: 0, count: 0 };
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prev.le;
      return prev.le + (b.le - prev.le) * ((rank - prev.count) / (b.count - prev.count));
    }
    prev = b;
  }
  return prev.le;
}

const job = (n: number, extra: Partial<AlertJobData> = {}): AlertJobData => ({
  organizationId: `org-${n}`,
  alertType: 'DATA_ANOMALY',
  severity: 'HIGH',
  message: `m ${n}`,
  metadata: { ms: 0 },
  ...extra,
});

describe('GET /metrics and the latency percentiles', () => {
  let app: ApiApp;

  beforeAll(async () => {
    app = await startApiApp({
      processors: {
        // Sleeps metadata.ms; fails when the message says so (retried once when the job has 2 attempts).
        alerts: async (data) => {
          const ms = Number((data.metadata as { ms?: number }).ms ?? 0);
          if (ms > 0) await new Promise((r) => setTimeout(r, ms));
          if (data.message.startsWith('fail')) throw new Error('receiver said no');
        },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.base}${path}`, { headers });

  it('is never open: 401 without credentials, 200 for a viewer token', async () => {
    const anonymous = await get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    const viewer = await get('/metrics', { authorization: `Bearer ${VIEWER_API_TOKEN}` });
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toContain('text/plain');
  });

  it('reports every metric with real values after jobs ran, and percentiles that match its histograms', async () => {
    const q = app.services.queueService;
    // 40 jobs of 0-120 ms, 3 that fail for good, 2 that fail once and are retried, one delayed 400 ms.
    const durations = [0, 5, 30, 120];
    for (let i = 0; i < 40; i++) await q.addJob('alerts', job(i, { metadata: { ms: durations[i % 4] } }));
    for (let i = 0; i < 3; i++) await q.addJob('alerts', job(100 + i, { message: `fail ${i}` }), { attempts: 1 });
    for (let i = 0; i < 2; i++) await q.addJob('alerts', job(200 + i, { message: `fail twice ${i}` }), { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await waitFor(async () => {
      const s = await q.getQueueStats('alerts');
      return s.completed === 40 && s.failed === 5;
    });
    // Alone on the queue, a job delayed 400 ms: its wait starts when the delay ends.
    const wait = app.runtime.telemetry!.tally('alerts').wait;
    const quickBefore = wait.counts[bucketOfMs(250)] + wait.counts.slice(0, bucketOfMs(250)).reduce((x, y) => x + y, 0);
    await q.addJob('alerts', job(300), { delay: 400 });
    await waitFor(async () => (await q.getQueueStats('alerts')).completed === 41);
    const quickAfter = wait.counts[bucketOfMs(250)] + wait.counts.slice(0, bucketOfMs(250)).reduce((x, y) => x + y, 0);
    expect(quickAfter - quickBefore).toBe(1);
    // The worker flushes to Redis once a second; its tallies are read at scrape time.
    await app.runtime.telemetry!.flush();

    // Queue counts are cached up to 5 s (the first test scraped before any job ran).
    const samples = await waitFor(
      async () => {
        const res = await get('/metrics', { authorization: `Bearer ${API_TOKEN}` });
        expect(res.status).toBe(200);
        const parsed = parseMetrics(await res.text());
        return parsed.find((s) => s.name === 'bizinsights_queue_jobs' && s.labels.queue === 'alerts' && s.labels.state === 'completed')?.value === 41
          ? parsed
          : undefined;
      },
      { timeoutMs: 8_000, intervalMs: 250 },
    );
    const one = (name: string, labels: Record<string, string> = {}) => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0].value;
    };
    expect(one('bizinsights_queue_jobs', { queue: 'alerts', state: 'completed' })).toBe(41);
    expect(one('bizinsights_queue_jobs', { queue: 'alerts', state: 'failed' })).toBe(5);
    expect(samples.filter((s) => s.name === 'bizinsights_queue_jobs')).toHaveLength(QUEUE_NAMES.length * 6);
    expect(one('bizinsights_redis_up')).toBe(1);
    expect(one('bizinsights_jobs_completed_total', { queue: 'alerts' })).toBe(41);
    expect(one('bizinsights_jobs_failed_total', { queue: 'alerts', final: 'true' })).toBe(5);
    expect(one('bizinsights_jobs_failed_total', { queue: 'alerts', final: 'false' })).toBe(2);
    expect(one('bizinsights_jobs_retried_total', { queue: 'alerts' })).toBe(2);
    expect(one('bizinsights_jobs_stalled_total', { queue: 'alerts' })).toBe(0);
    expect(one('bizinsights_worker_concurrency', { queue: 'alerts' })).toBeGreaterThan(0);
    expect(one('bizinsights_worker_active_jobs', { queue: 'alerts' })).toBe(0);
    // Every attempt is timed; the wait counts each job's first start only (46 jobs).
    expect(one('bizinsights_job_processing_seconds_count', { queue: 'alerts' })).toBe(48);
    expect(one('bizinsights_job_wait_seconds_count', { queue: 'alerts' })).toBe(46);
    expect(one('bizinsights_job_processing_seconds_sum', { queue: 'alerts' })).toBeGreaterThan(0.1 * 10);
    expect(one('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);

    // The console's percentiles (from Redis) agree with histogram_quantile over the scraped buckets.
    const rest = await get('/api/jobs/alerts/latency?range=1h', { authorization: `Bearer ${VIEWER_API_TOKEN}` });
    expect(rest.status).toBe(200);
    const body = await rest.json();
    expect(body.success).toBe(true);
    expect(body.data.processing.count).toBe(48);
    expect(body.data.wait.count).toBe(46);
    const buckets = (name: string) =>
      samples
        .filter((s) => s.name === `${name}_bucket` && s.labels.queue === 'alerts')
        .map((s) => ({ le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le), count: s.value }));
    for (const kind of ['processing', 'wait'] as const) {
      for (const p of ['p50', 'p95', 'p99'] as const) {
        const fromProm = histogramQuantile(Number(p.slice(1)) / 100, buckets(`bizinsights_job_${kind}_seconds`));
        expect(body.data[kind][p], `${kind} ${p}`).toBeCloseTo(fromProm, 9);
      }
    }
    // 120 ms jobs are a quarter of those timed: p95 of processing is in (0.1, 0.25].
    expect(body.data.processing.p95).toBeGreaterThan(0.1);
    expect(body.data.processing.p95).toBeLessThanOrEqual(0.25);

    // HTTP timings carry route templates, never raw paths.
    const again = parseMetrics(await (await get('/metrics', { authorization: `Bearer ${API_TOKEN}` })).text());
    const routes = new Set(again.filter((s) => s.name === 'bizinsights_http_request_duration_seconds_count').map((s) => s.labels.route));
    expect(routes).toContain('/api/jobs/:queue/latency');
    expect([...routes].some((r) => r.includes('alerts'))).toBe(false);
  });

  it('answers the REST latency read with clear errors for a bad range or queue', async () => {
    const auth = { authorization: `Bearer ${VIEWER_API_TOKEN}` };
    expect((await get('/api/jobs/alerts/latency?range=2h', auth)).status).toBe(400);
    expect((await get('/api/jobs/nope/latency', auth)).status).toBe(404);
    expect((await get('/api/jobs/alerts/latency')).status).toBe(401);
    const empty = await (await get('/api/jobs/report-generation/latency?range=7d', auth)).json();
    expect(empty.data).toEqual({ wait: { p50: null, p95: null, p99: null, count: 0 }, processing: { p50: null, p95: null, p99: null, count: 0 } });
  });

  it('serves tRPC metrics.latency for every queue', async () => {
    const res = await get(`/trpc/metrics.latency?input=${encodeURIComponent(JSON.stringify({ range: '24h' }))}`, {
      authorization: `Bearer ${VIEWER_API_TOKEN}`,
    });
    expect(res.status).toBe(200);
    const data = (await res.json()).result.data;
    expect(Object.keys(data).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(data.alerts.processing.count).toBe(48);
  });
});

describe('METRICS_TOKEN', () => {
  it('replaces the API auth on the server: only that bearer scrapes', async () => {
    const app = await startApiApp({ env: { METRICS_TOKEN } });
    try {
      expect((await fetch(`${app.base}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(401);
      const ok = await fetch(`${app.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('bizinsights_redis_up 1');
    } finally {
      await app.close();
    }
  });

  it('is required on a worker process, which has no API auth', async () => {
    const app = await startApiApp();
    const open = createWorkerHttp({ health: () => undefined });
    const closed = createWorkerHttp({ health: () => undefined });
    open.routes.get('/metrics', metricsHandler(app.metrics, { token: METRICS_TOKEN, apiAuth: false }));
    closed.routes.get('/metrics', metricsHandler(app.metrics, { apiAuth: false }));
    try {
      const a = await open.listen(0, '127.0.0.1');
      const b = await closed.listen(0, '127.0.0.1');
      expect((await fetch(`http://127.0.0.1:${a}/metrics`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${a}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
      const refused = await fetch(`http://127.0.0.1:${b}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('METRICS_TOKEN');
    } finally {
      await open.close();
      await closed.close();
      await app.close();
    }
  });
});

describe('latency counts in Redis', () => {
  it('sums what several processes flushed, and keeps counts a failed flush could not send', async () => {
    const prefix = testPrefix('lat');
    const a = connect();
    const b = connect();
    try {
      const now = Date.now();
      const one = new JobTelemetry({ connection: a, prefix, now: () => now });
      const two = new JobTelemetry({ connection: b, prefix, now: () => now });
      for (let i = 0; i < 30; i++) one.tally('email-sending').finished(3);
      for (let i = 0; i < 10; i++) two.tally('email-sending').finished(700);
      two.tally('email-sending').started(now - 5000, 4000, now); // waited 1 s after a 4 s delay
      await Promise.all([one.flush(), two.flush()]);
      const lat = await readLatency(a, prefix, '1h', ['email-sending'], now);
      expect(lat['email-sending'].processing.count).toBe(40);
      expect(lat['email-sending'].processing.p50).toBeLessThanOrEqual(0.005);
      expect(lat['email-sending'].processing.p95).toBeGreaterThan(0.5);
      expect(lat['email-sending'].wait).toMatchObject({ count: 1 });
      expect(lat['email-sending'].wait.p50).toBeGreaterThan(0.5);
      expect(lat['email-sending'].wait.p50).toBeLessThanOrEqual(1);
      // The same counts serve the 24 h and 7 d ranges from the hour buckets.
      expect((await readLatency(a, prefix, '7d', ['email-sending'], now))['email-sending'].processing.count).toBe(40);

      // A flush Redis refuses (here: the minute's key holds a string) keeps its counts for the next one.
      const three = new JobTelemetry({ connection: a, prefix, now: () => now });
      const { minute } = latencyKeys(prefix, a, 'email-sending', 'processing', now);
      await a.rename(minute, `${minute}:saved`);
      await a.set(minute, 'not a hash');
      three.tally('email-sending').finished(3);
      await three.flush();
      expect(three.tally('email-sending').processing.pending[bucketOfMs(3)]).toBe(1);
      await a.rename(`${minute}:saved`, minute);
      await three.flush();
      expect(three.tally('email-sending').processing.pending[bucketOfMs(3)]).toBe(0);
      // 40 + the one kept; the hour key took it twice (the first, refused pipeline still ran its other commands).
      expect((await readLatency(a, prefix, '1h', ['email-sending'], now))['email-sending'].processing.count).toBe(41);
    } finally {
      await removeKeys(a, prefix);
      await a.quit();
      await b.quit();
    }
  });

  it('has the same buckets in Redis and /metrics', () => {
    expect(LATENCY_BUCKETS[0]).toBe(0.001);
    expect(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1]).toBe(3600);
  });
});
