import type { QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { Redis } from '../redis.ts';
import { BUCKET_COUNT, bucketOfMs } from './latency-buckets.ts';
import { latencyKeys, LATENCY_TTL_SEC, type LatencyKind } from './latency-keys.ts';

/** One histogram: per-bucket counts since start (for /metrics) and since the last flush (for Redis). */
class Histogram {
  readonly counts = new Float64Array(BUCKET_COUNT);
  readonly pending = new Float64Array(BUCKET_COUNT);
  sumSeconds = 0;
  dirty = false;

  observe(ms: number): void {
    const i = bucketOfMs(ms);
    this.counts[i]++;
    this.pending[i]++;
    this.sumSeconds += ms / 1000;
    this.dirty = true;
  }
}

/**
 * What one process's workers did on one queue: plain counters and two histograms, bumped in the
 * worker's hot path without allocation. /metrics reads them at scrape time; the flush sends the
 * histograms' new counts to Redis once a second.
 */
export class QueueTally {
  completed = 0;
  failedFinal = 0;
  failedRetry = 0;
  stalled = 0;
  readonly wait = new Histogram();
  readonly processing = new Histogram();

  constructor(readonly queue: QueueName) {}

  /** A job's attempt started: its wait, from when it became ready (after any delay) to now. */
  started(timestamp: number, delay: number, startedAt: number): void {
    this.wait.observe(Math.max(0, startedAt - timestamp - delay));
  }

  finished(ms: number): void {
    this.processing.observe(ms);
  }
}

export interface JobTelemetryOptions {
  connection: Redis;
  prefix: string;
  log?: Logger;
  flushIntervalMs?: number;
  now?: () => number;
}

/**
 * The per-process job telemetry of a worker runtime. Percentiles must cover every worker process, so
 * the histograms go to Redis as per-minute and per-hour bucket counts: one pipelined call per second
 * (only when something happened), never a write per job.
 */
export class JobTelemetry {
  private readonly tallies = new Map<QueueName, QueueTally>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly now: () => number;
  private failedFlushes = 0;

  constructor(private readonly opts: JobTelemetryOptions) {
    this.now = opts.now ?? Date.now;
  }

  tally(queue: QueueName): QueueTally {
    let t = this.tallies.get(queue);
    if (!t) {
      t = new QueueTally(queue);
      this.tallies.set(queue, t);
    }
    return t;
  }

  all(): Iterable<QueueTally> {
    return this.tallies.values();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.flushIntervalMs ?? 1_000);
    this.timer.unref();
  }

  /** Stops the timer and sends what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Sends the counts observed since the last flush. Counts that fail to send are kept for the next one. */
  flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async send(): Promise<void> {
    const now = this.now();
    const pipeline = this.opts.connection.pipeline();
    const sent: Array<{ h: Histogram; counts: Float64Array }> = [];
    for (const tally of this.tallies.values()) {
      for (const kind of ['wait', 'processing'] as const satisfies readonly LatencyKind[]) {
        const h = tally[kind];
        if (!h.dirty) continue;
        const counts = h.pending.slice();
        h.pending.fill(0);
        h.dirty = false;
        sent.push({ h, counts });
        const keys = latencyKeys(this.opts.prefix, this.opts.connection, tally.queue, kind, now);
        for (let i = 0; i < counts.length; i++) {
          if (counts[i] === 0) continue;
          pipeline.hincrby(keys.minute, String(i), counts[i]);
          pipeline.hincrby(keys.hour, String(i), counts[i]);
        }
        pipeline.expire(keys.minute, LATENCY_TTL_SEC.minute);
        pipeline.expire(keys.hour, LATENCY_TTL_SEC.hour);
      }
    }
    if (sent.length === 0) return;
    try {
      const results = await pipeline.exec();
      const error = results?.find(([err]) => err)?.[0];
      if (error) throw error;
      this.failedFlushes = 0;
    } catch (err) {
      // Redis is down: keep the counts (added back) and say so once per outage.
      for (const { h, counts } of sent) {
        for (let i = 0; i < counts.length; i++) h.pending[i] += counts[i];
        h.dirty = true;
      }
      if (this.failedFlushes++ === 0)
        this.opts.log?.warn({ err: (err as Error).message }, 'Could not send job latency counts to Redis; keeping them for the next try');
    }
  }
}
