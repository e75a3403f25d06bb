import {
  FAILURE_GROUP_PAGE_SIZE,
  type FailureGroupDetail,
  type FailureGroupJob,
  type FailureGroupRow,
  type FailureGroupSummary,
} from '../../shared/failures.ts';
import type { MetricRange } from '../../shared/api.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import { NotFoundError } from '../errors.ts';
import { queueKeyPrefix } from '../queue/key-prefix.ts';
import { isCluster, type Redis } from '../redis.ts';
import { GROUP_TTL_SEC, HOUR_MS, MINUTE_MS, failureKeys, failuresBase } from './failure-keys.ts';

const RANGE_HOURS: Record<MetricRange, number> = { '1h': 1, '24h': 24, '7d': 168 };
/** Ids checked against the failed set per round trip (ZMSCORE), while counting a group's still-failed jobs. */
const CHECK_CHUNK = 1_000;
/** Groups listed at most (the busiest, after sorting). */
const LIST_MAX = 500;

type Hash = Record<string, string>;

/** Pure: a group's counts from its hour and minute buckets at `now`. */
export function bucketCounts(hours: Hash, minutes: Hash, range: MetricRange, now: number) {
  const hourNow = Math.floor(now / HOUR_MS);
  const minuteNow = Math.floor(now / MINUTE_MS);
  const at = (h: Hash, k: number) => Number(h[String(k)] ?? 0);
  let lastHour = 0;
  for (let i = 0; i < 60; i++) lastHour += at(minutes, minuteNow - i);
  const sparkline = Array.from({ length: 24 }, (_, i) => at(hours, hourNow - 23 + i));
  let count = 0;
  // The 1 h range is the last 60 minutes (minute buckets); 24 h and 7 d are that many hourly buckets, the current included.
  if (range === '1h') count = lastHour;
  else for (let i = 0; i < RANGE_HOURS[range]; i++) count += at(hours, hourNow - i);
  return { count, lastHour, sparkline };
}

/** Pure: the page's order, newest spike first: the last 60 minutes' count, then the most recent. */
export const bySpike = (a: FailureGroupSummary, b: FailureGroupSummary) => b.lastHour - a.lastHour || b.lastSeen - a.lastSeen;
/** Pure: REST's order, biggest count over the range first. */
export const byCount = (a: FailureGroupSummary, b: FailureGroupSummary) => b.count - a.count || b.lastSeen - a.lastSeen;

export interface FailureReaderDeps {
  connection: Redis;
  prefix: string;
}

/** Reads the error groups the workers record (failure-recorder.ts): a few pipelined reads, never a scan of failed jobs. */
export class FailureReader {
  private readonly keys: ReturnType<typeof failureKeys>;

  constructor(private readonly deps: FailureReaderDeps) {
    this.keys = failureKeys(failuresBase(deps.prefix, deps.connection));
  }

  /** The groups seen within the range, on one queue or all; newest spike first. */
  async groups(input: { queue?: QueueName; range: MetricRange }, now = Date.now()): Promise<FailureGroupSummary[]> {
    const queues = input.queue ? [input.queue] : QUEUE_NAMES;
    const since = input.range === '1h' ? now - HOUR_MS : (Math.floor(now / HOUR_MS) - RANGE_HOURS[input.range] + 1) * HOUR_MS;
    const idx = this.deps.connection.pipeline();
    for (const q of queues) idx.zrevrangebyscore(this.keys.index(q), '+inf', since);
    const fps = [...new Set(((await idx.exec()) ?? []).flatMap(([err, ids]) => (err ? [] : (ids as string[]))))];
    const groups = (await this.summaries(fps, input.range, now)).filter((g) => g.count > 0 || g.lastSeen >= since);
    return groups.sort(bySpike).slice(0, LIST_MAX);
  }

  /** REST's rows: biggest count first, the normalised message. */
  async rows(input: { queue?: QueueName; range: MetricRange }, now = Date.now()): Promise<FailureGroupRow[]> {
    return (await this.groups(input, now))
      .sort(byCount)
      .map(({ fingerprint, queue, count, message, firstSeen, lastSeen }) => ({ fingerprint, queue, count, message, firstSeen, lastSeen }));
  }

  /** One group: the sample, the sparkline, and a page of its jobs that are still failed (newest first). */
  async group(fingerprint: string, page = 1, now = Date.now()): Promise<FailureGroupDetail> {
    const [summary] = await this.summaries([fingerprint], '24h', now);
    if (!summary) throw new NotFoundError(`No error group ${fingerprint} (it may have expired after a quiet week)`);
    const g = await this.deps.connection.hmget(this.keys.group(fingerprint), 'sample', 'stack');
    const { recorded, stillFailed, ids } = await this.stillFailed(summary.queue, fingerprint, (page - 1) * FAILURE_GROUP_PAGE_SIZE, FAILURE_GROUP_PAGE_SIZE);
    return {
      ...summary,
      sampleMessage: g[0] ?? '',
      sampleStack: g[1] ?? '',
      recorded,
      stillFailed,
      page,
      pageSize: FAILURE_GROUP_PAGE_SIZE,
      jobs: await this.jobs(summary.queue, ids),
    };
  }

  private async summaries(fps: string[], range: MetricRange, now: number): Promise<FailureGroupSummary[]> {
    if (fps.length === 0) return [];
    const k = this.keys;
    const p = this.deps.connection.pipeline();
    for (const fp of fps) {
      p.hgetall(k.group(fp));
      p.hgetall(k.hours(fp));
      p.hgetall(k.minutes(fp));
      p.zrevrange(k.orgs(fp), 0, 9);
      p.zrevrange(k.platforms(fp), 0, 9);
    }
    const res = (await p.exec()) ?? [];
    const val = <T>(i: number, fallback: T): T => (res[i] && !res[i][0] ? (res[i][1] as T) : fallback);
    const out: FailureGroupSummary[] = [];
    const stale: Array<[string, string[]]> = [];
    fps.forEach((fp, n) => {
      const g = val<Hash>(n * 5, {});
      if (!g.queue) return;
      const hours = val<Hash>(n * 5 + 1, {});
      const minutes = val<Hash>(n * 5 + 2, {});
      stale.push([k.hours(fp), oldFields(hours, Math.floor(now / HOUR_MS) - GROUP_TTL_SEC / 3600)]);
      stale.push([k.minutes(fp), oldFields(minutes, Math.floor(now / MINUTE_MS) - 120)]);
      out.push({
        fingerprint: fp,
        queue: g.queue as QueueName,
        errorName: g.name ?? 'Error',
        message: g.message ?? '',
        frame: g.frame ?? '',
        total: Number(g.total ?? 0),
        firstSeen: Number(g.firstSeen ?? 0),
        lastSeen: Number(g.lastSeen ?? 0),
        organizations: val<string[]>(n * 5 + 3, []),
        platforms: val<string[]>(n * 5 + 4, []),
        ...bucketCounts(hours, minutes, range, now),
      });
    });
    this.prune(stale);
    return out;
  }

  /**
   * Buckets past their range are dropped when seen (the keys' TTLs bound a quiet group; this bounds a busy one).
   * Best effort: a failed prune is retried at the next read.
   */
  private prune(stale: Array<[string, string[]]>): void {
    const todo = stale.filter(([, f]) => f.length > 0);
    if (todo.length === 0) return;
    const p = this.deps.connection.pipeline();
    for (const [key, fields] of todo) p.hdel(key, ...fields);
    p.exec().catch(() => undefined);
  }

  /**
   * The group's jobs still failed, newest first: `count` of them after skipping `from` (fewer means the end). The
   * bulk engine's source for "retry all in group" (server/bulk/matching-jobs.ts GroupJobIds).
   */
  async groupJobIds(queue: QueueName, fingerprint: string, from: number, count: number): Promise<string[]> {
    return (await this.stillFailed(queue, fingerprint, from, count, true)).ids;
  }

  /**
   * Walks the group's recorded ids newest first, checking each against the queue's failed set (ZMSCORE, a chunk per
   * call): how many are still failed, and `take` of them after skipping `skip`. `early`: stop once those are found.
   */
  private async stillFailed(queue: QueueName, fp: string, skip: number, take: number, early = false) {
    const c = this.deps.connection;
    const failedKey = `${queueKeyPrefix(this.deps.prefix, queue, isCluster(c))}:${queue}:failed`;
    const recorded = await c.zcard(this.keys.jobs(fp));
    let stillFailed = 0;
    const ids: string[] = [];
    for (let start = 0; start < recorded; start += CHECK_CHUNK) {
      const chunk = await c.zrevrange(this.keys.jobs(fp), start, start + CHECK_CHUNK - 1);
      if (chunk.length === 0) break;
      const scores = await c.zmscore(failedKey, ...chunk);
      chunk.forEach((id, i) => {
        if (scores[i] === null) return;
        if (stillFailed >= skip && ids.length < take) ids.push(id);
        stillFailed++;
      });
      if (early && ids.length >= take) break;
    }
    return { recorded, stillFailed, ids };
  }

  private async jobs(queue: QueueName, ids: string[]): Promise<FailureGroupJob[]> {
    if (ids.length === 0) return [];
    const base = `${queueKeyPrefix(this.deps.prefix, queue, isCluster(this.deps.connection))}:${queue}`;
    const p = this.deps.connection.pipeline();
    // BullMQ keeps attempts made as `atm` (older versions: `attemptsMade`).
    for (const id of ids) p.hmget(`${base}:${id}`, 'name', 'failedReason', 'atm', 'attemptsMade', 'finishedOn');
    const res = (await p.exec()) ?? [];
    return ids.map((id, i) => {
      const [name, failedReason, atm, attemptsMade, finishedOn] = (res[i]?.[1] as Array<string | null>) ?? [];
      return {
        id,
        name: name ?? '',
        failedReason: failedReason ?? null,
        attemptsMade: Number(atm ?? attemptsMade ?? 0),
        finishedOn: finishedOn ? Number(finishedOn) : null,
      };
    });
  }
}

function oldFields(h: Hash, oldest: number): string[] {
  return Object.keys(h).filter((f) => Number(f) < oldest);
}
