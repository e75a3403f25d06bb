import type { QueueName } from '../../shared/queues.ts';
import { WORKER_DROPPED_AFTER_MS, liveWorkersByQueue, workerHeartbeatSchema, workerStatusAt, type WorkerInfo } from '../../shared/workers.ts';
import { isCluster, type Redis } from '../redis.ts';
import { workerKeys, type WorkerKeys } from './worker-keys.ts';

export interface WorkerRegistryOptions {
  connection: Redis;
  prefix: string;
  /** The reader's clock, compared with each heartbeat's own timestamp; Date.now by default. */
  now?: () => number;
}

/** Live before gone, then by name. */
const byStatusThenName = (a: WorkerInfo, b: WorkerInfo) => (a.status === b.status ? a.name.localeCompare(b.name) : a.status === 'live' ? -1 : 1);

/**
 * Reads the worker processes' heartbeats (server/workers/heartbeat.ts): every worker seen within the last
 * hour, "gone" once its last heartbeat is WORKER_GONE_AFTER_MS old. Two round trips: the index (pruned of
 * names over an hour old in the same pipeline), then every entry in one MGET.
 */
export class WorkerRegistry {
  private readonly keys: WorkerKeys;
  private readonly now: () => number;
  private pendingCounts?: Promise<Record<QueueName, number>>;

  constructor(private readonly opts: WorkerRegistryOptions) {
    this.keys = workerKeys(opts.prefix, isCluster(opts.connection));
    this.now = opts.now ?? Date.now;
  }

  async list(): Promise<WorkerInfo[]> {
    const now = this.now();
    const cutoff = now - WORKER_DROPPED_AFTER_MS;
    const results = await this.opts.connection.pipeline().zremrangebyscore(this.keys.index, '-inf', `(${cutoff}`).zrange(this.keys.index, '0', '-1').exec();
    const failed = results?.find(([e]) => e)?.[0];
    if (failed) throw failed;
    const names = (results?.[1]?.[1] as string[] | undefined) ?? [];
    if (names.length === 0) return [];
    const raw = await this.opts.connection.mget(names.map((n) => this.keys.entry(n)));
    const workers: WorkerInfo[] = [];
    for (const text of raw) {
      // An entry that expired, or that a different version wrote in a shape we cannot read, is left out.
      const parsed = text === null ? undefined : workerHeartbeatSchema.safeParse(safeJson(text));
      if (!parsed?.success || parsed.data.lastSeen < cutoff) continue;
      const beat = parsed.data;
      workers.push({ ...beat, status: workerStatusAt(beat.lastSeen, now), lastSeenAgoMs: Math.max(0, now - beat.lastSeen) });
    }
    return workers.sort(byStatusThenName);
  }

  /** Per queue, the live worker processes that serve it. */
  async liveCountByQueue(): Promise<Record<QueueName, number>> {
    return liveWorkersByQueue(await this.list());
  }

  /**
   * Live workers of one queue, for the health monitor's no-worker check. It asks for all six queues at once:
   * calls made while a read is under way share it; the next check reads afresh.
   */
  async workerCount(queue: QueueName): Promise<number> {
    this.pendingCounts ??= this.liveCountByQueue().finally(() => {
      this.pendingCounts = undefined;
    });
    return (await this.pendingCounts)[queue];
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
