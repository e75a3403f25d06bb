import type { AlertSeverity } from '../../shared/domain.ts';
import type { Overview, QueueName } from '../../shared/queues.ts';

export interface HealthThresholds {
  /** The guide: "Alert if waiting > 100". */
  maxWaiting: number;
  /** Failed share of finished jobs over the last minutes, 0–1. */
  maxFailureRate: number;
  /** Below this many finished jobs the failure rate says too little to alert on. */
  minFinishedForRate: number;
  /** The oldest waiting job may have waited this long since it became ready (HEALTH_MAX_WAIT_SECONDS). */
  maxWaitSeconds: number;
  /** Redis memory in use over maxmemory, 0–1 (no maxmemory: no limit to approach). */
  maxMemoryRatio: number;
  /** More stalled jobs than this in the recent window is a condition (0: any stall). */
  maxStalled: number;
}

export const DEFAULT_HEALTH: HealthThresholds = {
  maxWaiting: 100,
  maxFailureRate: 0.2,
  minFinishedForRate: 10,
  maxWaitSeconds: 600,
  maxMemoryRatio: 0.8,
  maxStalled: 0,
};

export type HealthAlertType = 'QUEUE_BACKLOG' | 'QUEUE_FAILURE_RATE' | 'QUEUE_NO_WORKER' | 'QUEUE_OLDEST_WAIT' | 'QUEUE_STALLED' | 'REDIS_MEMORY';

export interface HealthCondition {
  /** Stable per condition and queue: the alert it raises is resolved under the same key. */
  key: string;
  /** The queue concerned; none for Redis-wide conditions. */
  queue?: QueueName;
  alertType: HealthAlertType;
  severity: AlertSeverity;
  message: string;
  metadata: Record<string, unknown>;
}

export interface HealthReading {
  /** Its `at` is the reading's "now" (the oldest wait is measured from it). */
  overview: Overview;
  /** Per queue: completed and failed over the recent window. */
  recent: Partial<Record<QueueName, { completed: number; failed: number }>>;
  /** Per queue: how many workers are connected. */
  workers: Partial<Record<QueueName, number>>;
  /** Per queue: when its oldest waiting job became ready (epoch ms); null or missing when none waits. */
  oldestWaiting?: Partial<Record<QueueName, number | null>>;
  /** Redis's INFO memory; maxBytes 0 means no maxmemory. Missing when unread. */
  redisMemory?: { usedBytes: number; maxBytes: number };
  /** Stalled jobs per queue over the last `windowMinutes`. */
  stalled?: { windowMinutes: number; counts: Partial<Record<QueueName, number>> };
}

/** 754 s → "12m 34s", for messages people read. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h${m ? ` ${m}m` : ''}`;
}

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/** What is wrong right now, from one reading. Pure: the monitor raises and resolves alerts from it. */
export function evaluateHealth(r: HealthReading, thresholds: Partial<HealthThresholds> = {}): HealthCondition[] {
  const t: HealthThresholds = { ...DEFAULT_HEALTH, ...thresholds };
  const out: HealthCondition[] = [];
  for (const q of r.overview.queues) {
    // A paused queue's jobs wait too (BullMQ keeps them in its wait list): a backlog piling up behind a
    // pause someone forgot is worth telling. Only "no worker" excuses a pause (below).
    const waiting = q.isPaused ? q.stats.paused : q.stats.waiting;
    const pausedNote = q.isPaused ? '; the queue is paused: resume it' : '';
    if (waiting > t.maxWaiting) {
      out.push({
        key: `backlog:${q.name}`,
        queue: q.name,
        alertType: 'QUEUE_BACKLOG',
        severity: waiting > t.maxWaiting * 10 ? 'CRITICAL' : 'HIGH',
        message: q.isPaused
          ? `${q.name} has ${waiting} waiting jobs (threshold ${t.maxWaiting})${pausedNote}`
          : `${q.name} has ${waiting} waiting jobs (threshold ${t.maxWaiting}): add workers or look for a stuck processor`,
        metadata: { queue: q.name, waiting, threshold: t.maxWaiting, ...(q.isPaused ? { paused: true } : {}) },
      });
    }
    const recent = r.recent[q.name];
    const finished = (recent?.completed ?? 0) + (recent?.failed ?? 0);
    if (recent && finished >= t.minFinishedForRate && recent.failed / finished > t.maxFailureRate) {
      const rate = Math.round((recent.failed / finished) * 1000) / 10;
      out.push({
        key: `failure-rate:${q.name}`,
        queue: q.name,
        alertType: 'QUEUE_FAILURE_RATE',
        severity: rate >= 50 ? 'CRITICAL' : 'HIGH',
        message: `${q.name}: ${rate}% of recent jobs failed (${recent.failed} of ${finished}; threshold ${t.maxFailureRate * 100}%)`,
        metadata: { queue: q.name, failed: recent.failed, finished, rate, threshold: t.maxFailureRate },
      });
    }
    // A paused queue is meant to wait; only a running one with work and nobody to do it is a problem.
    if (!q.isPaused && waiting > 0 && (r.workers[q.name] ?? 0) === 0) {
      out.push({
        key: `no-worker:${q.name}`,
        queue: q.name,
        alertType: 'QUEUE_NO_WORKER',
        severity: 'HIGH',
        message: `${q.name} has ${waiting} waiting jobs and no worker: start one (npm run worker)`,
        metadata: { queue: q.name, waiting },
      });
    }
    const readyAt = r.oldestWaiting?.[q.name];
    const waitedSec = readyAt == null || waiting === 0 ? 0 : (r.overview.at - readyAt) / 1000;
    if (waitedSec > t.maxWaitSeconds) {
      const seconds = Math.round(waitedSec);
      out.push({
        key: `oldest-wait:${q.name}`,
        queue: q.name,
        alertType: 'QUEUE_OLDEST_WAIT',
        severity: waitedSec > t.maxWaitSeconds * 6 ? 'CRITICAL' : 'HIGH',
        message: `${q.name}: the oldest waiting job has waited ${formatDuration(seconds)} (threshold ${formatDuration(t.maxWaitSeconds)})${
          pausedNote || ': workers are not keeping up or not taking jobs'
        }`,
        metadata: { queue: q.name, waitedSeconds: seconds, threshold: t.maxWaitSeconds, waiting, ...(q.isPaused ? { paused: true } : {}) },
      });
    }
    const stalled = r.stalled?.counts[q.name] ?? 0;
    if (r.stalled && stalled > t.maxStalled) {
      out.push({
        key: `stalled:${q.name}`,
        queue: q.name,
        alertType: 'QUEUE_STALLED',
        severity: stalled >= 10 ? 'CRITICAL' : 'HIGH',
        message: `${q.name}: ${stalled} job${stalled === 1 ? '' : 's'} stalled in the last ${r.stalled.windowMinutes} min (a worker died or blocked its event loop past the lock; the jobs were retried)`,
        metadata: { queue: q.name, stalled, windowMinutes: r.stalled.windowMinutes, threshold: t.maxStalled },
      });
    }
  }
  const mem = r.redisMemory;
  if (mem && mem.maxBytes > 0 && mem.usedBytes / mem.maxBytes > t.maxMemoryRatio) {
    const percent = Math.round((mem.usedBytes / mem.maxBytes) * 1000) / 10;
    out.push({
      key: 'redis-memory',
      alertType: 'REDIS_MEMORY',
      severity: percent >= 95 ? 'CRITICAL' : 'HIGH',
      message: `Redis uses ${percent}% of its maxmemory (${mb(mem.usedBytes)} of ${mb(mem.maxBytes)}; threshold ${t.maxMemoryRatio * 100}%): clean finished jobs or raise maxmemory`,
      metadata: { usedBytes: mem.usedBytes, maxBytes: mem.maxBytes, percent, threshold: t.maxMemoryRatio },
    });
  }
  return out;
}
