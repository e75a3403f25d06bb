import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES, type Overview, type QueueName, type QueueStats } from '../../shared/queues.ts';
import { DEFAULT_HEALTH, evaluateHealth, type HealthReading } from '../../server/monitoring/queue-health.ts';

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

  it('counts waiting jobs only: active, delayed and a paused queue’s jobs are no backlog', () => {
    expect(keys(reading({ 'data-sync': { stats: { active: 50, delayed: 50, completed: 1000 } } }))).toEqual([]);
    expect(keys(reading({ 'data-sync': { stats: { paused: 50 }, isPaused: true } }, {}, {}))).toEqual([]);
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
    expect(DEFAULT_HEALTH).toEqual({ maxWaiting: 100, maxFailureRate: 0.2, minFinishedForRate: 10 });
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 100 } } }))).toEqual([]);
    expect(evaluateHealth(reading({ alerts: { stats: { waiting: 101 } } })).map((c) => c.key)).toEqual(['backlog:alerts']);
    expect(evaluateHealth(reading({}, { alerts: { completed: 7, failed: 2 } }))).toEqual([]); // 9 finished: too few
    expect(evaluateHealth(reading({}, { alerts: { completed: 7, failed: 3 } })).map((c) => c.key)).toEqual(['failure-rate:alerts']);
  });
});
