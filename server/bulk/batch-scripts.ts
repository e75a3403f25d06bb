import type { Queue, RedisQueueBackend } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { BulkAction } from '../../shared/bulk.ts';

type Transaction = Parameters<RedisQueueBackend['execCommand']>[0];

/**
 * An ioredis MULTI as BullMQ's script runner sees one: BullMQ defines its scripts on the connection it was
 * given (versioned names), and ioredis offers a connection's scripts on its transactions too.
 */
function asTransaction(tx: ChainableCommander): Transaction {
  const commands = tx as unknown as Record<string, (args: unknown[]) => unknown>;
  return { runCommand: (name: string, args: unknown[]) => commands[name](args) } as unknown as Transaction;
}

/**
 * Queues one job's action as BullMQ's own script (the one Job.retry / promote / remove runs) on a
 * transaction, so a batch of them and the bulk operation's cursor commit together or not at all. Each
 * script checks the job is still where the action expects it (a retry: in the failed set; a promote: in
 * the delayed set; a remove: not locked by a worker, not a schedule's next run) and answers per job.
 */
export function queueAction(q: Queue, multi: ChainableCommander, action: BulkAction, id: string): void {
  const backend = q.backend as RedisQueueBackend;
  const tx = asTransaction(multi);
  const k = q.keys;
  if (action === 'retry') {
    // As Job.retry('failed'): attempts kept. The console's job options have no `lifo`, so LPUSH as BullMQ's default.
    const keys = [q.toKey(id), k.events, q.toKey('failed'), k.wait, k.meta, k.active, k.marker, k.prioritized, k.pc];
    backend.execCommand(tx, 'reprocessJob', [...keys, id, 'LPUSH', 'failedReason', 'failed', '0', '0']);
  } else if (action === 'promote') {
    const keys = [k.delayed, k.wait, k.paused, k.meta, k.prioritized, k.active, k.pc, k.events, k.marker];
    backend.execCommand(tx, 'promote', [...keys, q.toKey(''), id]);
  } else {
    // As Job.remove(): with its unprocessed children.
    backend.execCommand(tx, 'removeJob', [q.toKey(id), q.toKey('repeat'), id, 1, q.toKey('')]);
  }
}

/** Whether a script's answer means the action happened (retry 1, promote 0, remove 1; negatives and remove's 0: it did not). */
export function acted(action: BulkAction, reply: unknown): boolean {
  const n = Number(reply);
  return action === 'promote' ? n === 0 : n === 1;
}
