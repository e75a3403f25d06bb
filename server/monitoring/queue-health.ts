import type { AlertSeverity } from '../../shared/domain.ts';
import type { Overview, QueueName } from '../../shared/queues.ts';

export interface HealthThresholds {
  /** The guide: "Alert if waiting > 100". */
  maxWaiting: number;
  /** Failed share of finished jobs over the last minutes, 0–1. */
  maxFailureRate: number;
  /** Below this many finished jobs the failure rate says too little to alert on. */
  minFinishedForRate: number;
}

export const DEFAULT_HEALTH: HealthThresholds = { maxWaiting: 100, maxFailureRate: 0.2, minFinishedForRate: 10 };

export interface HealthCondition {
  /** Stable per condition and queue: the alert it raises is resolved under the same key. */
  key: string;
  queue: QueueName;
  alertType: 'QUEUE_BACKLOG' | 'QUEUE_FAILURE_RATE' | 'QUEUE_NO_WORKER';
  severity: AlertSeverity;
  message: string;
  metadata: Record<string, unknown>;
}

export interface HealthReading {
  overview: Overview;
  /** Per queue: completed and failed over the recent window. */
  recent: Partial<Record<QueueName, { completed: number; failed: number }>>;
  /** Per queue: how many workers are connected. */
  workers: Partial<Record<QueueName, number>>;
}

/** What is wrong right now, from one reading. Pure: the monitor raises and resolves alerts from it. */
export function evaluateHealth(r: HealthReading, t: HealthThresholds = DEFAULT_HEALTH): HealthCondition[] {
  const out: HealthCondition[] = [];
  for (const q of r.overview.queues) {
    const waiting = q.stats.waiting;
    if (waiting > t.maxWaiting) {
      out.push({
        key: `backlog:${q.name}`,
        queue: q.name,
        alertType: 'QUEUE_BACKLOG',
        severity: waiting > t.maxWaiting * 10 ? 'CRITICAL' : 'HIGH',
        message: `${q.name} has ${waiting} waiting jobs (threshold ${t.maxWaiting}): add workers or look for a stuck processor`,
        metadata: { queue: q.name, waiting, threshold: t.maxWaiting },
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
  }
  return out;
}
