import type { QueueName } from '../../shared/queues.ts';

/**
 * BullMQ's key prefix for one queue. On Redis Cluster every key of a queue must share a hash slot
 * (BullMQ's scripts touch several at once), and the six queues should spread over the shards: so each
 * queue gets its own hash tag, `{bizinsights:data-sync}`. A prefix that already carries a tag
 * (`{bizinsights}`) is kept as given: everything in one slot, the operator's choice. A single Redis
 * keeps the plain prefix, so existing keys stay where they are.
 */
export function queueKeyPrefix(prefix: string, queue: QueueName, cluster: boolean): string {
  if (!cluster || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}:${queue}}`;
}
