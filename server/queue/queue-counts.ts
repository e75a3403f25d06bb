import type { Queue } from 'bullmq';
import type { Redis } from '../redis.ts';

/**
 * A queue's counts and paused flag in one script call: what getJobCounts (one script) plus isPaused
 * (one HEXISTS) give, at half the commands, which is most of what the overview costs us per queue
 * (npm run bench, "Depth" rows). KEYS: wait, prioritized, active, completed, failed, delayed, meta.
 * A wait list may still end in a BullMQ 5 marker ("0:…"), which is no job: counted out as getJobCounts does.
 */
const QUEUE_COUNTS = `
local wait = redis.call('LLEN', KEYS[1])
if wait > 0 then
  local last = redis.call('LINDEX', KEYS[1], -1)
  if last and string.sub(last, 1, 2) == '0:' then wait = wait - 1 end
end
return {
  wait,
  redis.call('ZCARD', KEYS[2]),
  redis.call('LLEN', KEYS[3]),
  redis.call('ZCARD', KEYS[4]),
  redis.call('ZCARD', KEYS[5]),
  redis.call('ZCARD', KEYS[6]),
  redis.call('HEXISTS', KEYS[7], 'paused'),
}
`;

export interface RawQueueCounts {
  wait: number;
  prioritized: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  paused: boolean;
}

type WithQueueCounts = Redis & { bizQueueCounts(...keys: string[]): Promise<number[]> };

function withCommand(connection: Redis): WithQueueCounts {
  const c = connection as WithQueueCounts;
  if (typeof c.bizQueueCounts !== 'function') c.defineCommand('bizQueueCounts', { numberOfKeys: 7, lua: QUEUE_COUNTS });
  return c;
}

export async function readQueueCounts(connection: Redis, q: Queue): Promise<RawQueueCounts> {
  const k = q.keys;
  const [wait, prioritized, active, completed, failed, delayed, paused] = await withCommand(connection).bizQueueCounts(
    k.wait,
    k.prioritized,
    k.active,
    k.completed,
    k.failed,
    k.delayed,
    k.meta,
  );
  return { wait, prioritized, active, completed, failed, delayed, paused: paused === 1 };
}
