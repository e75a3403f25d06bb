import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES, type Overview, type QueueName, type QueueStats } from '../../shared/queues.ts';
import { DEFAULT_HEALTH, evaluateHealth, formatDuration, type HealthReading } from '../../server/monitoring/queue-health.ts';

const ZERO: QueueStats = { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 };
const T = { maxWaiting: 5, maxFailureRate: 0.5, minFinishedForRate: 4 };

/** A reading of all six queues: idle unless told, each with one worker unless told. */
function reading(
  queues: Partial<Record<QueueName, { stats?: Partial<QueueStats>; isPaused?: boolean }>> = {},
  recent: HealthReading['recent'] = {},
  workers: HealthReading['workers'] = Object.fromEntries(QUEUE_NAMES.map((q) => [q, 1])),
): HealthReading {
  const overview: Overview = {
    queues: QUEUE_NAMES.map((name) => ({ name, isPaused: queues[name]?.isPaused ?? false, stats: { ...ZERO, ...queues[name]?.stats } })),
    totals: ZERO,
    at: 0,
  };
  return { overview, recent, workers };
}

const keys = (r: HealthReading, t = T) => evaluateHealth(r, t).map((c) => c.key);

describe('evaluateHealth', () => {
  it('finds nothing wrong with idle queues that have workers', () => {
    expect(evaluateHealth(reading(), T)).toEqual([]);
    expect(evaluateHealth(reading({}, {}, {}), T)).toEqual([]); // no work, so no worker needed
  });

  it('raises a backlog strictly above maxWaiting: HIGH, CRITICAL above ten times it', () => {
    expect(keys(reading({ alerts: { stats: { waiting: 5 } } }))).toEqual([]);
    const high = evaluateHealth(reading({ alerts: { stats: { waiting: 6 } } }), T);
    expect(high).toEqual([
      {
        key: 'backlog:alerts',
        queue: 'alerts',
        alertType: 'QUEUE_BACKLOG',
        severity: 'HIGH',
        message: 'alerts has 6 waiting jobs (threshold 5): add workers or look for a stuck processor',
        metadata: { queue: 'alerts', waiting: 6, threshold: 5 },
      },
    ]);
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 50 } } }), T)[0].severity).toBe('HIGH');
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 51 } } }), T)[0].severity).toBe('CRITICAL');
  });

  it('counts waiting jobs only: active and delayed jobs are no backlog', () => {
    expect(keys(reading({ 'data-sync': { stats: { active: 50, delayed: 50, completed: 1000 } } }))).toEqual([]);
  });

  it('counts a paused queue’s waiting jobs as a backlog (a forgotten pause piles work up), but raises no QUEUE_NO_WORKER for it', () => {
    expect(keys(reading({ 'data-sync': { stats: { paused: 5 }, isPaused: true } }, {}, {}))).toEqual([]);
    expect(evaluateHealth(reading({ 'data-sync': { stats: { paused: 6 }, isPaused: true } }, {}, {}), T)).toEqual([
      {
        key: 'backlog:data-sync',
        queue: 'data-sync',
        alertType: 'QUEUE_BACKLOG',
        severity: 'HIGH',
        message: 'data-sync has 6 waiting jobs (threshold 5); the queue is paused: resume it',
        metadata: { queue: 'data-sync', waiting: 6, threshold: 5, paused: true },
      },
    ]);
  });

  it('raises a failure rate above maxFailureRate once enough jobs finished; HIGH below 50 %, CRITICAL from 50 %', () => {
    const at = (completed: number, failed: number, t = T) => evaluateHealth(reading({}, { 'email-sending': { completed, failed } }), t);
    // Too few finished to judge (3 < 4), even if all failed.
    expect(at(0, 3)).toEqual([]);
    // Exactly at the rate is not above it.
    expect(at(2, 2)).toEqual([]);
    const over = at(3, 4);
    expect(over).toEqual([
      {
        key: 'failure-rate:email-sending',
        queue: 'email-sending',
        alertType: 'QUEUE_FAILURE_RATE',
        severity: 'CRITICAL',
        message: 'email-sending: 57.1% of recent jobs failed (4 of 7; threshold 50%)',
        metadata: { queue: 'email-sending', failed: 4, finished: 7, rate: 57.1, threshold: 0.5 },
      },
    ]);
    const high = at(7, 3, { ...T, maxFailureRate: 0.2 });
    expect(high).toMatchObject([{ severity: 'HIGH', metadata: { rate: 30, finished: 10 } }]);
    // No reading for a queue: nothing to say.
    expect(evaluateHealth(reading({}, {}), T)).toEqual([]);
  });

  it('raises QUEUE_NO_WORKER for a running queue with waiting jobs and no worker, not for a paused one', () => {
    const none = { alerts: 0 };
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 1 } } }, {}, none), T)).toEqual([
      {
        key: 'no-worker:alerts',
        queue: 'alerts',
        alertType: 'QUEUE_NO_WORKER',
        severity: 'HIGH',
        message: 'alerts has 1 waiting jobs and no worker: start one (npm run worker)',
        metadata: { queue: 'alerts', waiting: 1 },
      },
    ]);
    // A queue missing from the worker counts has none.
    expect(keys(reading({ alerts: { stats: { waiting: 1 } } }, {}, {}))).toEqual(['no-worker:alerts']);
    expect(keys(reading({ alerts: { stats: { waiting: 1 }, isPaused: true } }, {}, none))).toEqual([]);
    expect(keys(reading({ alerts: { stats: { waiting: 1 } } }, {}, { alerts: 2 }))).toEqual([]);
    // Delayed jobs alone are not work waiting for a worker yet.
    expect(keys(reading({ alerts: { stats: { delayed: 3 } } }, {}, none))).toEqual([]);
  });

  it('reports every condition of every queue, with keys stable per condition and queue', () => {
    const r = reading(
      { 'data-sync': { stats: { waiting: 9 } }, alerts: { stats: { waiting: 7 } } },
      { 'data-sync': { completed: 0, failed: 5 } },
      { 'data-sync': 0, alerts: 1 },
    );
    expect(keys(r)).toEqual(['backlog:data-sync', 'failure-rate:data-sync', 'no-worker:data-sync', 'backlog:alerts']);
    expect(keys(r)).toEqual(keys(r));
  });

  it('defaults to the guide’s thresholds (waiting > 100, failure rate > 20 % of at least 10)', () => {
    expect(DEFAULT_HEALTH).toEqual({ maxWaiting: 100, maxFailureRate: 0.2, minFinishedForRate: 10, maxWaitSeconds: 600, maxMemoryRatio: 0.8, maxStalled: 0 });
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 100 } } }))).toEqual([]);
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 101 } } })).map((c) => c.key)).toEqual(['backlog:alerts']);
    expect(evaluateHealth(reading({}, { alerts: { completed: 7, failed: 2 } }))).toEqual([]); // 9 finished: too few
    expect(evaluateHealth(reading({}, { alerts: { completed: 7, failed: 3 } })).map((c) => c.key)).toEqual(['failure-rate:alerts']);
  });

  describe('oldest waiting job (HEALTH_MAX_WAIT_SECONDS)', () => {
    // The reading's now is overview.at (0 here): a job ready at -601 s has waited 601 s.
    const waited = (seconds: number, queue: Partial<{ waiting: number; paused: number }> = { waiting: 3 }, isPaused = false, t = {}) =>
      evaluateHealth({ ...reading({ alerts: { stats: queue, isPaused } }), oldestWaiting: { alerts: -seconds * 1000 } }, { ...T, maxWaitSeconds: 600, ...t });

    it('raises QUEUE_OLDEST_WAIT strictly above the threshold: HIGH, CRITICAL above six times it', () => {
      expect(waited(600)).toEqual([]);
      expect(waited(601)).toEqual([
        {
          key: 'oldest-wait:alerts',
          queue: 'alerts',
          alertType: 'QUEUE_OLDEST_WAIT',
          severity: 'HIGH',
          message: 'alerts: the oldest waiting job has waited 10m 1s (threshold 10m): workers are not keeping up or not taking jobs',
          metadata: { queue: 'alerts', waitedSeconds: 601, threshold: 600, waiting: 3 },
        },
      ]);
      expect(waited(3600)[0].severity).toBe('HIGH');
      expect(waited(3601)[0]).toMatchObject({ severity: 'CRITICAL', message: expect.stringContaining('waited 1h (threshold 10m)') });
    });

    it('counts a paused queue’s jobs too, and says it is paused', () => {
      expect(waited(700, { paused: 2 }, true)).toEqual([
        expect.objectContaining({ key: 'oldest-wait:alerts', metadata: { queue: 'alerts', waitedSeconds: 700, threshold: 600, waiting: 2, paused: true } }),
      ]);
      expect(waited(700, { paused: 2 }, true)[0].message).toContain('; the queue is paused: resume it');
    });

    it('says nothing without waiting jobs, without a reading, or for a job ready in the future', () => {
      expect(waited(5000, { waiting: 0 })).toEqual([]);
      expect(evaluateHealth({ ...reading({ alerts: { stats: { waiting: 3 } } }), oldestWaiting: { alerts: null } }, T)).toEqual([]);
      expect(evaluateHealth(reading({ alerts: { stats: { waiting: 3 } } }), T)).toEqual([]);
      expect(waited(-30)).toEqual([]);
    });
  });

  describe('Redis memory', () => {
    const MB = 1024 * 1024;
    const memory = (usedBytes: number, maxBytes: number) => evaluateHealth({ ...reading(), redisMemory: { usedBytes, maxBytes } }, T);

    it('raises REDIS_MEMORY above 80 % of maxmemory (CRITICAL from 95 %), Redis-wide: no queue', () => {
      expect(memory(80 * MB, 100 * MB)).toEqual([]);
      expect(memory(81 * MB, 100 * MB)).toEqual([
        {
          key: 'redis-memory',
          alertType: 'REDIS_MEMORY',
          severity: 'HIGH',
          message: 'Redis uses 81% of its maxmemory (81 MB of 100 MB; threshold 80%): clean finished jobs or raise maxmemory',
          metadata: { usedBytes: 81 * MB, maxBytes: 100 * MB, percent: 81, threshold: 0.8 },
        },
      ]);
      expect(memory(95 * MB, 100 * MB)[0].severity).toBe('CRITICAL');
    });

    it('has no condition without maxmemory (0) or without a reading', () => {
      expect(memory(10_000 * MB, 0)).toEqual([]);
      expect(evaluateHealth(reading(), T)).toEqual([]);
    });

    it('follows maxMemoryRatio', () => {
      expect(evaluateHealth({ ...reading(), redisMemory: { usedBytes: 60, maxBytes: 100 } }, { ...T, maxMemoryRatio: 0.5 }).map((c) => c.key)).toEqual([
        'redis-memory',
      ]);
    });
  });

  describe('stalled jobs', () => {
    const stalled = (counts: HealthReading['workers'], t = {}) => evaluateHealth({ ...reading(), stalled: { windowMinutes: 5, counts } }, { ...T, ...t });

    it('raises QUEUE_STALLED per queue for any stall in the window (maxStalled 0); CRITICAL from 10', () => {
      expect(stalled({ 'data-sync': 0 })).toEqual([]);
      expect(stalled({ 'data-sync': 1 })).toEqual([
        {
          key: 'stalled:data-sync',
          queue: 'data-sync',
          alertType: 'QUEUE_STALLED',
          severity: 'HIGH',
          message: 'data-sync: 1 job stalled in the last 5 min (a worker died or blocked its event loop past the lock; the jobs were retried)',
          metadata: { queue: 'data-sync', stalled: 1, windowMinutes: 5, threshold: 0 },
        },
      ]);
      expect(stalled({ 'data-sync': 3, alerts: 10 }).map((c) => [c.key, c.severity])).toEqual([
        ['stalled:data-sync', 'HIGH'],
        ['stalled:alerts', 'CRITICAL'],
      ]);
    });

    it('follows maxStalled, and says nothing without a reading', () => {
      expect(stalled({ alerts: 2 }, { maxStalled: 2 })).toEqual([]);
      expect(stalled({ alerts: 3 }, { maxStalled: 2 }).map((c) => c.key)).toEqual(['stalled:alerts']);
      expect(evaluateHealth(reading(), T)).toEqual([]);
    });
  });

  it('formats durations for people', () => {
    expect([0, 59, 60, 61, 754, 3600, 3660, 90_000].map(formatDuration)).toEqual(['0s', '59s', '1m', '1m 1s', '12m 34s', '1h', '1h 1m', '25h']);
  });
});
