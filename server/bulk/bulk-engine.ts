import { randomUUID } from 'node:crypto';
import {
  BULK_ACTION_STATES,
  bulkFilterSchema,
  type BulkAction,
  type BulkFilter,
  type BulkPhase,
  type BulkPreview,
  type BulkStatus,
} from '../../shared/bulk.ts';
import { actorFields, type ActorFields } from '../audit/actor-fields.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { AppError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Actor } from '../monitoring/queue-actions.ts';
import { queueKeyPrefix } from '../queue/key-prefix.ts';
import { QueueService } from '../queue/queue-service.ts';
import { isCluster, type Redis } from '../redis.ts';
import { acted, queueAction } from './batch-scripts.ts';
import { countMatching, matchingIds, type GroupJobIds } from './matching-jobs.ts';

/**
 * Jobs acted on per Redis call. One call is a MULTI of this many of BullMQ's per-job scripts; a removal
 * is the heaviest (see REMOVE_BATCH_SIZE), so 500 keeps a call well under 50 ms.
 */
export const BULK_BATCH_SIZE = 500;
/** A runner's claim on an operation; renewed each batch, so a dead process's operations are taken over after it. */
const LEASE_MS = 15_000;
/** How often a server looks for operations no process runs (a crashed one's). */
const SWEEP_MS = 5_000;
/** Finished operations are kept this long for their status. */
const KEEP_FINISHED_SEC = 7 * 24 * 3600;
const KEEP_OPERATIONS = 1000;

export interface BulkEngineDeps {
  /** The request path's connection: counts, searches and reads; the engine duplicates it for its batches. */
  connection: Redis;
  /** The request path's queue reads (counts, searches, BullMQ's key names). */
  queueService: QueueService;
  prefix: string;
  audit: AuditLog;
  log: Logger;
  groupJobIds?: GroupJobIds;
  batchSize?: number;
}

/** Cancels an operation that is still collecting or running: one atomic step, which also voids a batch in flight (WATCH). */
const CANCEL = `
local phase = redis.call('HGET', KEYS[1], 'phase')
if phase == 'collecting' or phase == 'running' then
  redis.call('HSET', KEYS[1], 'phase', 'cancelled', 'finishedAt', ARGV[1])
  return 1
end
return phase and 0 or -1`;

/** Extends this process's lease, or takes a free one; 0 when another process holds it. */
const LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Acts on every job a filter matches, in batches, with its progress in Redis. Exactly once per job, across
 * restarts: the matching ids are collected first into a Redis list, then each batch's actions (BullMQ's own
 * scripts) and the cursor's advance are one MULTI, under WATCH of the operation, so a batch either happened
 * with its cursor moved past it or not at all. A server that starts (or sweeps) resumes what no live process
 * runs; a lease keeps two processes from driving the same operation, and WATCH keeps them from acting twice
 * if they ever do.
 */
export class BulkEngine {
  private ownConnection?: Redis;
  private writerQueues?: QueueService;
  private readonly token = randomUUID();
  private readonly runs = new Map<string, Promise<void>>();
  private sweeper?: NodeJS.Timeout;
  private stopping = false;
  /** One batch at a time on the engine's connection (a WATCH belongs to the connection). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: BulkEngineDeps) {}

  /** The engine's own connection, opened on first use: a WATCH belongs to its connection. */
  private get own(): Redis {
    if (!this.ownConnection) {
      const c = this.deps.connection;
      const own: Redis = isCluster(c) ? c.duplicate() : c.duplicate();
      // The request connection's handlers log outages; a failed batch is retried by its runner.
      own.on('error', () => undefined);
      this.ownConnection = own;
    }
    return this.ownConnection;
  }

  /** The engine's connection once connected (it fails fast rather than queue commands, as the request path's does). */
  private async ownReady(): Promise<Redis> {
    const c = this.own;
    if (c.status === 'ready') return c;
    if (c.status === 'wait') void c.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis connection for bulk batches not ready')), 5000);
      c.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return c;
  }

  /** BullMQ defines its scripts per connection: these queues put them on the engine's own one. */
  private get writer(): QueueService {
    this.writerQueues ??= new QueueService({ connection: this.own, prefix: this.deps.prefix, log: this.deps.log });
    return this.writerQueues;
  }

  private get batchSize() {
    return this.deps.batchSize ?? BULK_BATCH_SIZE;
  }

  private indexKey() {
    return `${this.deps.prefix}:console:bulk:index`;
  }

  /** Under the queue's hash tag on a cluster: a batch's MULTI touches the queue's keys and these. */
  private opKey(queue: BulkFilter['queue'], id: string) {
    return `${queueKeyPrefix(this.deps.prefix, queue, isCluster(this.deps.connection))}:console:bulk:${id}`;
  }

  private keysOf(queue: BulkFilter['queue'], id: string) {
    const op = this.opKey(queue, id);
    return { op, ids: `${op}:ids`, lease: `${op}:lease` };
  }

  private check(filter: BulkFilter, action: BulkAction) {
    if (filter.search && filter.group) throw new AppError('INVALID_JOB_STATE', 'Filter by a search or by an error group, not both');
    if (filter.group && filter.state !== 'failed') throw new AppError('INVALID_JOB_STATE', 'An error group holds failed jobs: use state "failed"');
    if (filter.group && !this.deps.groupJobIds) throw new AppError('NOT_FOUND', 'Error groups are not available on this server');
    if (!BULK_ACTION_STATES[action].includes(filter.state)) {
      throw new AppError('INVALID_JOB_STATE', `A bulk ${action} takes ${BULK_ACTION_STATES[action].join(', ')} jobs, not ${filter.state} ones`);
    }
  }

  /** How many jobs the filter matches now: what the confirmation names. */
  async preview(filter: BulkFilter, action?: BulkAction): Promise<BulkPreview> {
    if (action) this.check(filter, action);
    else if (filter.group && !this.deps.groupJobIds) throw new AppError('NOT_FOUND', 'Error groups are not available on this server');
    return countMatching(this.deps, filter);
  }

  /** Records the operation and starts it in this process; returns at once with its id. */
  async start(actor: Actor, filter: BulkFilter, action: BulkAction): Promise<BulkStatus> {
    this.check(filter, action);
    const id = randomUUID();
    const k = this.keysOf(filter.queue, id);
    const now = Date.now();
    await this.deps.connection
      .multi()
      .hset(k.op, {
        id,
        filter: JSON.stringify(filter),
        action,
        phase: 'collecting',
        total: 0,
        cursor: 0,
        done: 0,
        skipped: 0,
        createdAt: now,
        // Who started it, for the entry its end writes (possibly in another process, after a restart).
        actor: JSON.stringify(actorFields(actor)),
      })
      .zadd(this.indexKey(), now, `${filter.queue}/${id}`)
      .zremrangebyrank(this.indexKey(), 0, -(KEEP_OPERATIONS + 1))
      .exec();
    await this.deps.audit.record({
      ...actorFields(actor),
      action: `bulk.${action}.start`,
      queue: filter.queue,
      ok: true,
      detail: { filter, operation: id },
    });
    this.deps.log.info({ operation: id, action, filter, user: actor.user.name }, 'Bulk operation started');
    this.spawn(filter.queue, id);
    return (await this.status(id))!;
  }

  /** An operation's progress, or undefined when there is none by that id. */
  async status(id: string): Promise<BulkStatus | undefined> {
    const member = await this.memberOf(id);
    if (!member) return undefined;
    const raw = await this.deps.connection.hgetall(this.opKey(member.queue, id));
    return raw.id ? toStatus(raw) : undefined;
  }

  /** The most recent operations, newest first (of one queue when given). */
  async recent(queue?: BulkFilter['queue'], limit = 20): Promise<BulkStatus[]> {
    const members = await this.deps.connection.zrevrange(this.indexKey(), 0, KEEP_OPERATIONS - 1);
    const picked = members
      .map(parseMember)
      .filter((m) => !queue || m.queue === queue)
      .slice(0, limit);
    const raws = await Promise.all(picked.map((m) => this.deps.connection.hgetall(this.opKey(m.queue, m.id))));
    return raws.filter((r) => r.id).map(toStatus);
  }

  async cancel(actor: Actor, id: string): Promise<BulkStatus> {
    const member = await this.memberOf(id);
    if (!member) throw new NotFoundError(`Bulk operation ${id} not found`);
    const r = Number(await this.deps.connection.eval(CANCEL, 1, this.opKey(member.queue, id), Date.now()));
    if (r === -1) throw new NotFoundError(`Bulk operation ${id} not found`);
    const status = (await this.status(id))!;
    if (r === 0) throw new AppError('INVALID_JOB_STATE', `Bulk operation ${id} has already ended (${status.phase})`);
    this.deps.log.info({ operation: id, user: actor.user.name }, 'Bulk operation cancelled');
    // Who stopped it (the end's entry names who started it).
    await this.deps.audit.record({ ...actorFields(actor), action: `bulk.${status.action}.cancel`, queue: member.queue, ok: true, detail: { operation: id } });
    // The runner ends it (and records its count in the audit log) at its next batch; a sweep does if no runner has it.
    this.spawn(member.queue, id);
    return status;
  }

  /** Resumes what no live process runs, now and every few seconds (a crashed process's operations, after its lease). */
  resumeUnfinished(): Promise<void> {
    this.sweeper ??= setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    return this.sweep();
  }

  /** Stops taking batches, waits for the one in flight, and gives up this process's leases (another may resume at once). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.allSettled([...this.runs.values()]);
    await this.writerQueues?.close().catch(() => undefined);
    await this.ownConnection?.quit().catch(() => undefined);
  }

  /** Resolves once the operation no longer runs in this process (tests). */
  async settled(id: string): Promise<void> {
    await this.runs.get(id);
  }

  private async sweep(): Promise<void> {
    if (this.stopping) return;
    try {
      const members = await this.deps.connection.zrevrange(this.indexKey(), 0, KEEP_OPERATIONS - 1);
      for (const m of members.map(parseMember)) {
        if (this.runs.has(m.id)) continue;
        const [phase, audited] = await this.deps.connection.hmget(this.opKey(m.queue, m.id), 'phase', 'audited');
        if (phase === 'collecting' || phase === 'running' || (phase && !audited)) this.spawn(m.queue, m.id);
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'Bulk operations sweep failed');
    }
  }

  private async memberOf(id: string): Promise<{ queue: BulkFilter['queue']; id: string } | undefined> {
    // The index is small (KEEP_OPERATIONS); an id names its queue only there.
    const members = await this.deps.connection.zrevrange(this.indexKey(), 0, KEEP_OPERATIONS - 1);
    return members.map(parseMember).find((m) => m.id === id);
  }

  private spawn(queue: BulkFilter['queue'], id: string): void {
    if (this.stopping || this.runs.has(id)) return;
    const run = this.run(queue, id)
      .catch((err) => this.deps.log.error({ operation: id, err: (err as Error).message }, 'Bulk operation stopped'))
      .finally(() => this.runs.delete(id));
    this.runs.set(id, run);
  }

  private async claim(lease: string): Promise<boolean> {
    return Number(await this.deps.connection.eval(LEASE, 1, lease, this.token, LEASE_MS)) === 1;
  }

  private async run(queue: BulkFilter['queue'], id: string): Promise<void> {
    const k = this.keysOf(queue, id);
    if (!(await this.claim(k.lease))) return;
    let failures = 0;
    try {
      while (!this.stopping) {
        try {
          const phase = (await this.deps.connection.hget(k.op, 'phase')) as BulkPhase | null;
          if (!phase) return;
          if (phase === 'collecting') await this.collect(queue, id);
          else if (phase === 'running') await this.exclusive(() => this.batch(queue, id));
          else return await this.finish(queue, id);
          failures = 0;
          if (!(await this.claim(k.lease))) return;
        } catch (err) {
          // Redis down or a script error: the operation stays where it was; try again after a pause, up to a point.
          failures++;
          this.deps.log.warn({ operation: id, err: (err as Error).message, failures }, 'Bulk batch failed');
          if (failures >= 20) {
            await this.deps.connection.hset(k.op, { phase: 'failed', finishedAt: Date.now(), error: (err as Error).message });
            return await this.finish(queue, id);
          }
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * failures)));
        }
      }
    } finally {
      await this.deps.connection.eval(RELEASE, 1, k.lease, this.token).catch(() => undefined);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.turn.then(fn, fn);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /**
   * Collects the matching ids into a list of this run's own, then makes it the operation's list in one
   * MULTI with the move to `running`: a collection cut short (a restart) leaves nothing half-done and starts
   * over; nothing has been acted on yet.
   */
  private async collect(queue: BulkFilter['queue'], id: string): Promise<void> {
    const k = this.keysOf(queue, id);
    const filter = bulkFilterSchema.parse(JSON.parse((await this.deps.connection.hget(k.op, 'filter')) ?? '{}'));
    const tmp = `${k.ids}:${this.token}`;
    await this.deps.connection.del(tmp);
    let total = 0;
    try {
      for await (const ids of matchingIds(this.deps, filter)) {
        if (this.stopping || (await this.deps.connection.hget(k.op, 'phase')) !== 'collecting') return;
        await this.deps.connection.rpush(tmp, ...ids);
        total += ids.length;
      }
      await this.exclusive(async () => {
        await this.ownReady();
        await this.own.watch(k.op);
        if ((await this.own.hget(k.op, 'phase')) !== 'collecting') {
          await this.own.unwatch();
          return;
        }
        const tx = this.own.multi();
        if (total > 0) tx.rename(tmp, k.ids);
        await tx.hset(k.op, { phase: 'running', total, cursor: 0 }).exec();
      });
    } finally {
      await this.deps.connection.del(tmp);
    }
  }

  /** One batch: its jobs' scripts and the cursor's move, one MULTI, void if the operation changed meanwhile. */
  private async batch(queue: BulkFilter['queue'], id: string): Promise<void> {
    const k = this.keysOf(queue, id);
    const c = await this.ownReady();
    const q = this.writer.queue(queue);
    await q.waitUntilReady(); // its scripts are on the connection once the queue is ready
    await c.watch(k.op);
    const [phase, cursorRaw, action] = await c.hmget(k.op, 'phase', 'cursor', 'action');
    if (phase !== 'running') {
      await c.unwatch();
      return;
    }
    const cursor = Number(cursorRaw);
    const ids = await c.lrange(k.ids, cursor, cursor + this.batchSize - 1);
    const tx = c.multi();
    if (ids.length === 0) {
      await tx.hset(k.op, { phase: 'done', finishedAt: Date.now() }).exec();
      return;
    }
    for (const jobId of ids) queueAction(q, tx, action as BulkAction, jobId);
    tx.hincrby(k.op, 'cursor', ids.length);
    const replies = await tx.exec();
    if (!replies) return; // cancelled (or taken) meanwhile: nothing of this batch happened
    let done = 0;
    for (let i = 0; i < ids.length; i++) {
      const [err, reply] = replies[i];
      if (!err && acted(action as BulkAction, reply)) done++;
    }
    // Counters follow the batch (a crash between the two under-counts, never re-acts).
    await c
      .multi()
      .hincrby(k.op, 'done', done)
      .hincrby(k.op, 'skipped', ids.length - done)
      .exec();
  }

  /** Records the outcome in the audit log once, and lets the operation's keys expire. */
  private async finish(queue: BulkFilter['queue'], id: string): Promise<void> {
    const k = this.keysOf(queue, id);
    if ((await this.deps.connection.hsetnx(k.op, 'audited', '1')) !== 1) return;
    const status = toStatus(await this.deps.connection.hgetall(k.op));
    const actor = JSON.parse((await this.deps.connection.hget(k.op, 'actor')) ?? '{}') as ActorFields;
    await this.deps.connection.multi().expire(k.op, KEEP_FINISHED_SEC).del(k.ids).exec();
    await this.deps.audit.record({
      ...actor,
      action: `bulk.${status.action}`,
      queue: status.filter.queue,
      ok: status.phase === 'done',
      count: status.done,
      error: status.error ?? (status.phase === 'cancelled' ? 'cancelled' : undefined),
      detail: { filter: status.filter, operation: id, outcome: status.phase, matched: status.total, skipped: status.skipped },
    });
    this.deps.log.info({ operation: id, outcome: status.phase, done: status.done, matched: status.total }, 'Bulk operation ended');
  }
}

function parseMember(member: string): { queue: BulkFilter['queue']; id: string } {
  const slash = member.indexOf('/');
  return { queue: member.slice(0, slash) as BulkFilter['queue'], id: member.slice(slash + 1) };
}

function toStatus(raw: Record<string, string>): BulkStatus {
  return {
    id: raw.id,
    filter: bulkFilterSchema.parse(JSON.parse(raw.filter)),
    action: raw.action as BulkAction,
    phase: raw.phase as BulkPhase,
    total: Number(raw.total ?? 0),
    processed: Math.min(Number(raw.cursor ?? 0), Number(raw.total ?? 0)),
    done: Number(raw.done ?? 0),
    skipped: Number(raw.skipped ?? 0),
    createdAt: Number(raw.createdAt),
    finishedAt: raw.finishedAt ? Number(raw.finishedAt) : null,
    user: (JSON.parse(raw.actor ?? '{}') as { user?: string }).user ?? '',
    error: raw.error ?? null,
  };
}
