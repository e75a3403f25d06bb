import os from 'node:os';
import { WORKER_DROPPED_AFTER_MS, WORKER_HEARTBEAT_MS, type WorkerHeartbeat } from '../../shared/workers.ts';
import type { Logger } from '../logger.ts';
import type { WorkerRuntime } from '../queue/worker.ts';
import { isCluster, type Redis } from '../redis.ts';
import { workerKeys } from './worker-keys.ts';

/** What the heartbeat reads of the worker runtime. */
export type WorkerLoad = Pick<WorkerRuntime, 'activeByQueue' | 'concurrencyByQueue'>;

/** This process as the heartbeat describes it. */
export interface ProcessFacts {
  name: string;
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  rssBytes: number;
}

/** Pure: one heartbeat from the process's facts and its workers' load, stamped `now`. */
export function heartbeatOf(facts: ProcessFacts, load: WorkerLoad, now: number): WorkerHeartbeat {
  const active = load.activeByQueue();
  const queues = Object.entries(load.concurrencyByQueue()).map(([queue, concurrency]) => ({
    queue,
    concurrency: concurrency ?? 0,
    active: active[queue as keyof typeof active] ?? 0,
  }));
  return { ...facts, lastSeen: now, queues };
}

export interface HeartbeatOptions {
  connection: Redis;
  prefix: string;
  name: string;
  version: string;
  workers: WorkerLoad;
  log?: Logger;
  intervalMs?: number;
  /** The heartbeat's clock (tests write beats "in the past"); Date.now by default. */
  now?: () => number;
}

export interface Heartbeat {
  /** Writes one heartbeat now: the entry (with its one-hour expiry) and the index, in one pipeline. */
  beat(): Promise<void>;
  /** Stops beating and removes this worker's entry, so a stopped worker leaves the list at once. */
  stop(): Promise<void>;
}

/** How long stop() waits for Redis to take the removal; a worker stopping during an outage just ages out. */
const STOP_WRITE_TIMEOUT_MS = 2_000;

/**
 * Writes this worker process's heartbeat at once and then every `intervalMs` (5 s) until stop(). A beat still
 * waiting for Redis (an outage: the runtime's connection queues commands) makes the next one skip rather
 * than pile up; a failing write is logged once until one succeeds again.
 */
export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const now = opts.now ?? Date.now;
  const keys = workerKeys(opts.prefix, isCluster(opts.connection));
  const entryKey = keys.entry(opts.name);
  const facts = {
    name: opts.name,
    host: os.hostname(),
    pid: process.pid,
    version: opts.version,
    startedAt: Math.round(performance.timeOrigin),
  };
  let inFlight: Promise<void> | undefined;
  let failing = false;

  async function write(): Promise<void> {
    const at = now();
    const beat = heartbeatOf({ ...facts, rssBytes: process.memoryUsage.rss() }, opts.workers, at);
    const results = await opts.connection
      .pipeline()
      .set(entryKey, JSON.stringify(beat), 'PX', WORKER_DROPPED_AFTER_MS)
      .zadd(keys.index, at, opts.name)
      // A bounded index: names whose last beat is over an hour old go, and the index expires an hour after the last beat.
      .zremrangebyscore(keys.index, '-inf', `(${at - WORKER_DROPPED_AFTER_MS}`)
      .pexpire(keys.index, WORKER_DROPPED_AFTER_MS)
      .exec();
    const err = results?.find(([e]) => e)?.[0];
    if (err) throw err;
  }

  function beat(): Promise<void> {
    inFlight ??= write()
      .then(
        () => {
          if (failing) opts.log?.info({ worker: opts.name }, 'Worker heartbeat written again');
          failing = false;
        },
        (err: Error) => {
          if (!failing) opts.log?.warn({ worker: opts.name, err: err.message }, 'Could not write the worker heartbeat; retrying every beat');
          failing = true;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  void beat();
  let timer: NodeJS.Timeout | undefined = setInterval(() => void beat(), opts.intervalMs ?? WORKER_HEARTBEAT_MS);
  timer.unref();

  return {
    beat,
    async stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      if (opts.connection.status !== 'ready') return;
      const removal = (async () => {
        await inFlight; // a beat landing after the removal would list the worker again for 15 s
        await opts.connection.pipeline().del(entryKey).zrem(keys.index, opts.name).exec();
      })();
      let bound: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (bound = setTimeout(resolve, STOP_WRITE_TIMEOUT_MS)));
      await Promise.race([removal, late])
        .catch((err: Error) => opts.log?.warn({ worker: opts.name, err: err.message }, 'Could not remove the worker heartbeat; it ages out'))
        .finally(() => clearTimeout(bound));
    },
  };
}
