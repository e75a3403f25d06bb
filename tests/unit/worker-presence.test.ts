/**
 * The pure parts of worker heartbeats: when a worker counts as live or gone, per-queue live counts, what a
 * heartbeat says about the process and its queues, and where the keys live (one hash tag on Redis Cluster).
 */
import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import { WORKER_GONE_AFTER_MS, liveWorkersByQueue, withBullFallback, workerHeartbeatSchema, workerStatusAt, type WorkerInfo } from '../../shared/workers.ts';
import { heartbeatOf } from '../../server/workers/heartbeat.ts';
import { workerKeys } from '../../server/workers/worker-keys.ts';

const T0 = 1_800_000_000_000;

describe('workerStatusAt', () => {
  it('is live until the last heartbeat is 12 s old (two missed beats and slack), gone from then on', () => {
    expect(WORKER_GONE_AFTER_MS).toBe(12_000);
    expect(workerStatusAt(T0, T0)).toBe('live');
    expect(workerStatusAt(T0, T0 + 11_999)).toBe('live');
    expect(workerStatusAt(T0, T0 + 12_000)).toBe('gone');
    expect(workerStatusAt(T0, T0 + 3_600_000)).toBe('gone');
  });

  it('counts a heartbeat stamped ahead of the reader (clock skew) as live', () => {
    expect(workerStatusAt(T0 + 2_000, T0)).toBe('live');
  });
});

describe('liveWorkersByQueue', () => {
  const w = (status: WorkerInfo['status'], queues: Array<[string, number]>) => ({
    status,
    queues: queues.map(([queue, concurrency]) => ({ queue, concurrency, active: 0 })),
  });

  it('counts, per queue, the live workers that serve it; every queue is present', () => {
    const counts = liveWorkersByQueue([
      w('live', [
        ['alerts', 5],
        ['data-sync', 2],
      ]),
      w('live', [['alerts', 5]]),
      w('gone', [['report-generation', 1]]),
      w('live', [['email-sending', 0]]), // concurrency 0 takes no job
      w('live', [['a-queue-from-a-newer-version', 3]]),
    ]);
    expect(Object.keys(counts).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(counts).toMatchObject({ alerts: 2, 'data-sync': 1, 'report-generation': 0, 'email-sending': 0, 'insights-generation': 0 });
  });

  it('is all zeros with no workers', () => {
    expect(Object.values(liveWorkersByQueue([]))).toEqual(QUEUE_NAMES.map(() => 0));
  });
});

describe('heartbeatOf', () => {
  it('stamps the process facts and lists each served queue with its concurrency and jobs in progress', () => {
    const facts = { name: 'host-a:42', host: 'host-a', pid: 42, version: '1.2.3', startedAt: T0 - 60_000, rssBytes: 123_456_789 };
    const load = {
      concurrencyByQueue: () => ({ alerts: 5, 'data-sync': 2 }),
      activeByQueue: () => ({ alerts: 3 }),
    };
    const beat = heartbeatOf(facts, load, T0);
    expect(beat).toEqual({
      ...facts,
      lastSeen: T0,
      queues: [
        { queue: 'alerts', concurrency: 5, active: 3 },
        { queue: 'data-sync', concurrency: 2, active: 0 },
      ],
    });
    // What the writer stores is what the reader's schema accepts.
    expect(workerHeartbeatSchema.parse(JSON.parse(JSON.stringify(beat)))).toEqual(beat);
  });
});

describe('workerKeys', () => {
  it('keeps the plain prefix on one Redis', () => {
    const k = workerKeys('bizinsights', false);
    expect(k.index).toBe('bizinsights:workers');
    expect(k.entry('host:1')).toBe('bizinsights:workers:host:1');
  });

  it('puts the index and every entry under one hash tag on a cluster', () => {
    const k = workerKeys('bizinsights', true);
    expect(k.index).toBe('{bizinsights}:workers');
    expect(k.entry('host:1')).toBe('{bizinsights}:workers:host:1');
    // A worker name with braces cannot move its entry to another slot: the first tag wins.
    expect(k.entry('{evil}')).toBe('{bizinsights}:workers:{evil}');
  });

  it('keeps a prefix that already carries a hash tag as given', () => {
    expect(workerKeys('{bj}', true).index).toBe('{bj}:workers');
    expect(workerKeys('app:{bj}', true).entry('w')).toBe('app:{bj}:workers:w');
  });
});

describe('withBullFallback', () => {
  it("keeps the heartbeats where a queue has any, and takes BullMQ's worker list where it has none", () => {
    const beats = { ...Object.fromEntries(QUEUE_NAMES.map((q) => [q, 0])), alerts: 2 } as Record<QueueName, number>;
    const merged = withBullFallback(beats, { alerts: 5, 'data-sync': 1, 'email-sending': null });
    expect(merged.alerts).toBe(2);
    expect(merged['data-sync']).toBe(1);
    expect(merged['email-sending']).toBe(0);
    expect(withBullFallback(beats, undefined)['data-sync']).toBe(0);
  });
});
