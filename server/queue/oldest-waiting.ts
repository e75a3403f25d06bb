import type { Queue } from 'bullmq';
import type { Redis } from '../redis.ts';

/**
 * The fields of a queue's oldest waiting job, in one script call. KEYS: wait, prioritized; ARGV: the
 * job key prefix. Workers take from the wait list's tail, so its last entry is the oldest plain job
 * (skipping a BullMQ 5 marker "0:…"); of prioritized jobs the zset's first is the next to run (the one
 * whose wait says whether the queue moves: a low-priority job behind higher ones waits by design).
 * Returns [timestamp, opts, processedOn] for each of the two, nils where there is none.
 */
const OLDEST_WAITING = `
local function fields(id)
  if not id then return {false, false, false} end
  return redis.call('HMGET', ARGV[1] .. id, 'timestamp', 'opts', 'processedOn')
end
local last = redis.call('LINDEX', KEYS[1], -1)
if last and string.sub(last, 1, 2) == '0:' then last = redis.call('LINDEX', KEYS[1], -2) end
local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
local a = fields(last)
local b = fields(first)
return {a[1], a[2], a[3], b[1], b[2], b[3]}
`;

type WithOldestWaiting = Redis & { bizOldestWaiting(wait: string, prioritized: string, jobPrefix: string): Promise<Array<string | null>> };

function withCommand(connection: Redis): WithOldestWaiting {
  const c = connection as WithOldestWaiting;
  if (typeof c.bizOldestWaiting !== 'function') c.defineCommand('bizOldestWaiting', { numberOfKeys: 2, lua: OLDEST_WAITING });
  return c;
}

/**
 * When a waiting job became ready (epoch ms), from its hash. `timestamp + delay` is the idea, but
 * BullMQ zeroes the hash's `delay` when it promotes a delayed job (promoteDelayedJobs.lua), so the
 * delay asked for is read from `opts`; a retried or stalled job became ready after its last attempt
 * started (`processedOn`), so the later of the two. Undefined when the fields say nothing.
 */
export function readyAtOf(timestamp: string | null, opts: string | null, processedOn: string | null): number | undefined {
  const created = Number(timestamp);
  if (!timestamp || !Number.isFinite(created)) return undefined;
  let delay = 0;
  if (opts) {
    try {
      delay = Number((JSON.parse(opts) as { delay?: unknown }).delay) || 0;
    } catch {
      // An unreadable opts field: the job's creation time is the best left.
    }
  }
  const started = Number(processedOn) || 0;
  return Math.max(created + Math.max(0, delay), started);
}

/** When the oldest job waiting in the queue (plain or next prioritized) became ready; null when none waits. */
export async function readOldestWaiting(connection: Redis, q: Queue): Promise<number | null> {
  const [t1, o1, p1, t2, o2, p2] = await withCommand(connection).bizOldestWaiting(q.keys.wait, q.keys.prioritized, q.toKey(''));
  const times = [readyAtOf(t1, o1, p1), readyAtOf(t2, o2, p2)].filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : null;
}
