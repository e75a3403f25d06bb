import type { QueueName } from '../../shared/queues.ts';
import { isCluster, type Redis } from '../redis.ts';

const MINUTE = 60_000;
/** A minute's count outlives any window the monitor reads (an hour at most). */
export const STALLED_TTL_SEC = 2 * 3600;
/** The monitor's window: a stall keeps its condition raised this long. */
export const STALLED_WINDOW_MINUTES = 5;

/**
 * Where stalled jobs are counted, per queue and minute, across every worker process. On Redis Cluster
 * the keys share one hash tag so a read is one MGET.
 */
function stalledKey(connection: Redis, prefix: string, queue: QueueName, minute: number): string {
  const base = isCluster(connection) ? `{${prefix}:health}` : `${prefix}:health`;
  return `${base}:stalled:${queue}:${minute}`;
}

/**
 * Counts one stalled job of `queue` in this minute. Called from a Worker's 'stalled' event (the
 * lead wires it in server/queue/worker.ts); `prefix` is QUEUE_PREFIX. One MULTI: INCR and EXPIRE.
 */
export async function recordStalled(connection: Redis, prefix: string, queue: QueueName, now = Date.now()): Promise<void> {
  const key = stalledKey(connection, prefix, queue, Math.floor(now / MINUTE));
  await connection.multi().incr(key).expire(key, STALLED_TTL_SEC).exec();
}

/** Stalled jobs per queue over the last `minutes` minutes (the running one included), in one MGET. */
export async function recentStalled(
  connection: Redis,
  prefix: string,
  queues: readonly QueueName[],
  minutes = STALLED_WINDOW_MINUTES,
  now = Date.now(),
): Promise<Partial<Record<QueueName, number>>> {
  const last = Math.floor(now / MINUTE);
  const keys = queues.flatMap((q) => Array.from({ length: minutes }, (_, i) => stalledKey(connection, prefix, q, last - i)));
  const values = keys.length ? await connection.mget(...keys) : [];
  const counts: Partial<Record<QueueName, number>> = {};
  queues.forEach((q, qi) => {
    let n = 0;
    for (let i = 0; i < minutes; i++) n += Number(values[qi * minutes + i] ?? 0) || 0;
    counts[q] = n;
  });
  return counts;
}

/** The monitor's reading: the window and each queue's stalled jobs in it. */
export async function readStalledWindow(connection: Redis, prefix: string, queues: readonly QueueName[], now = Date.now()) {
  return { windowMinutes: STALLED_WINDOW_MINUTES, counts: await recentStalled(connection, prefix, queues, STALLED_WINDOW_MINUTES, now) };
}
