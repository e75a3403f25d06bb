import { z } from 'zod';
import { QUEUE_NAMES, type QueueName } from './queues.ts';

/** How often a worker process writes its heartbeat. */
export const WORKER_HEARTBEAT_MS = 5_000;
/**
 * A worker whose last heartbeat is this old is shown as gone: two missed beats and 2 s of slack. With the
 * Workers page refreshing every 2 s, a killed worker shows as gone there within 15 s of its death (its last
 * beat is at most 5 s before it). A worker whose event loop stalls this long has lost its job locks anyway
 * (LOCK_DURATION_MS, 5 s).
 */
export const WORKER_GONE_AFTER_MS = 12_000;
/** A worker whose last heartbeat is this old is dropped from the list (its entry expires too). */
export const WORKER_DROPPED_AFTER_MS = 3_600_000;

/** One queue a worker process serves: its concurrency and the jobs it runs now. */
export const workerQueueLoadSchema = z.object({
  // A plain string: a newer worker's queue must not make an older reader drop the whole entry.
  queue: z.string().min(1),
  concurrency: z.number().int().min(0),
  active: z.number().int().min(0),
});
export type WorkerQueueLoad = z.infer<typeof workerQueueLoadSchema>;

/** What a worker process writes to Redis every WORKER_HEARTBEAT_MS. Times are epoch ms of the worker's clock. */
export const workerHeartbeatSchema = z.object({
  name: z.string().min(1),
  host: z.string(),
  pid: z.number().int(),
  /** package.json version of the code the process runs. */
  version: z.string(),
  /** When the process started. */
  startedAt: z.number(),
  /** When this heartbeat was written. */
  lastSeen: z.number(),
  rssBytes: z.number().min(0),
  queues: z.array(workerQueueLoadSchema),
});
export type WorkerHeartbeat = z.infer<typeof workerHeartbeatSchema>;

export const workerStatusSchema = z.enum(['live', 'gone']);
export type WorkerStatus = z.infer<typeof workerStatusSchema>;

/** A worker as GET /api/workers and workers.list return it. */
export const workerInfoSchema = workerHeartbeatSchema.extend({
  status: workerStatusSchema,
  /** Age of the last heartbeat by the server's clock when it answered (the browser's clock may differ). */
  lastSeenAgoMs: z.number(),
});
export type WorkerInfo = z.infer<typeof workerInfoSchema>;

/** Live while its last heartbeat is younger than WORKER_GONE_AFTER_MS. */
export function workerStatusAt(lastSeen: number, now: number): WorkerStatus {
  return now - lastSeen < WORKER_GONE_AFTER_MS ? 'live' : 'gone';
}

/** Per queue, how many live worker processes serve it (concurrency above 0); every queue present. */
export function liveWorkersByQueue(workers: ReadonlyArray<Pick<WorkerInfo, 'status' | 'queues'>>): Record<QueueName, number> {
  const counts = Object.fromEntries(QUEUE_NAMES.map((q) => [q, 0])) as Record<QueueName, number>;
  for (const w of workers) {
    if (w.status !== 'live') continue;
    for (const q of w.queues) if (q.concurrency > 0 && q.queue in counts) counts[q.queue as QueueName]++;
  }
  return counts;
}

/** Per queue: the heartbeats' count where any live worker serves it, else BullMQ's own worker list (CLIENT LIST). */
export function withBullFallback(beats: Record<QueueName, number>, bull: Partial<Record<QueueName, number | null>> | undefined): Record<QueueName, number> {
  const out = { ...beats };
  for (const q of Object.keys(out) as QueueName[]) if (out[q] === 0) out[q] = bull?.[q] ?? 0;
  return out;
}
