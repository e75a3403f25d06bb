import type { Queue } from 'bullmq';
import type { Redis } from '../redis.ts';

/**
 * Removes up to ARGV[2] jobs from the head of a queue's wait list (KEYS[1]) in one call, as BullMQ's
 * removeJob does for a plain job: its deduplication key when it still points at it, then the job's keys.
 * The head is cut with LTRIM, O(batch): BullMQ's clean('wait') ends every call with an LREM over the
 * whole list, O(list), which at a million waiting jobs stalls Redis 50–175 ms per call (npm run bench).
 * A job of a flow (parentKey) or of a job scheduler (rjk) needs BullMQ's own bookkeeping: it is put back
 * at the tail, so the plain jobs go first and what is left for BullMQ is a short list.
 * Returns {removed, putBack}.
 */
const EMPTY_WAIT_BATCH = `
local ids = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local removed = 0
local keep = {}
for _, id in ipairs(ids) do
  local jobKey = ARGV[1] .. id
  local f = redis.call('HMGET', jobKey, 'parentKey', 'rjk', 'deid')
  if f[1] or f[2] then
    keep[#keep + 1] = id
  else
    if f[3] then
      local dedupKey = ARGV[1] .. 'de:' .. f[3]
      if redis.call('GET', dedupKey) == id then
        redis.call('DEL', dedupKey, ARGV[1] .. 'dn:' .. f[3])
      end
    end
    redis.call('DEL', jobKey, jobKey .. ':logs', jobKey .. ':dependencies', jobKey .. ':processed', jobKey .. ':failed', jobKey .. ':unsuccessful')
    removed = removed + 1
  end
end
if #ids > 0 then redis.call('LTRIM', KEYS[1], #ids, -1) end
if #keep > 0 then redis.call('RPUSH', KEYS[1], unpack(keep)) end
return {removed, #keep}
`;

type WithEmptyWaitBatch = Redis & { bizEmptyWaitBatch(waitKey: string, jobKeyPrefix: string, batch: number): Promise<[number, number]> };

function withCommand(connection: Redis): WithEmptyWaitBatch {
  const c = connection as WithEmptyWaitBatch;
  if (typeof c.bizEmptyWaitBatch !== 'function') c.defineCommand('bizEmptyWaitBatch', { numberOfKeys: 1, lua: EMPTY_WAIT_BATCH });
  return c;
}

/**
 * Empties a queue's wait list batch by batch from the head (workers take from the tail) of every plain
 * job; jobs of flows and schedulers are left, at the tail, for BullMQ's clean. Returns how many it removed.
 */
export async function emptyWaitList(connection: Redis, q: Queue, batch: number): Promise<number> {
  const c = withCommand(connection);
  const jobKeyPrefix = q.toKey('');
  let removed = 0;
  for (;;) {
    const [n, putBack] = await c.bizEmptyWaitBatch(q.keys.wait, jobKeyPrefix, batch);
    removed += n;
    // A short read: the list is done. A read of nothing but put-back jobs: only they are left.
    if (n + putBack < batch || n === 0) return removed;
  }
}
