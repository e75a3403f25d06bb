import { isCluster, type Redis } from '../redis.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** A group quiet this long is gone (every key has this TTL, refreshed on each failure): the 7 d range and a day spare. */
export const GROUP_TTL_SEC = 8 * 24 * 3600;
/** Minute counts serve the last 60 minutes (the spike order and the 1 h range). */
export const MINUTES_TTL_SEC = 2 * 3600;
/** Job ids kept per group, newest. */
export const RECORDED_JOBS_CAP = 100_000;
/** Groups kept per queue (by last seen): a message the normaliser misses cannot grow the index without bound. */
export const GROUPS_PER_QUEUE_CAP = 1_000;
/** Organizations and platforms kept per group (the most recent). */
export const TOUCHED_CAP = 20;

/**
 * Where the error groups live. On Redis Cluster every key the recorder writes in one MULTI and the reader pipelines
 * must share a slot, so they all carry one hash tag `{<prefix>:failures}` (failures are rare: no load worth spreading).
 */
export function failuresBase(prefix: string, connection: Redis): string {
  return isCluster(connection) ? `{${prefix}:failures}` : `${prefix}:failures`;
}

export const failureKeys = (base: string) => ({
  /** Per queue: fingerprint → last seen. */
  index: (queue: string) => `${base}:idx:${queue}`,
  /** The group: queue, name, message, frame, sample, stack, firstSeen, lastSeen, total. */
  group: (fp: string) => `${base}:g:${fp}`,
  /** Job id → when it failed. */
  jobs: (fp: string) => `${base}:jobs:${fp}`,
  /** Hour number → failures in it. */
  hours: (fp: string) => `${base}:h:${fp}`,
  /** Minute number → failures in it. */
  minutes: (fp: string) => `${base}:m:${fp}`,
  /** Organization id → last seen. */
  orgs: (fp: string) => `${base}:orgs:${fp}`,
  /** Platform → last seen. */
  platforms: (fp: string) => `${base}:plat:${fp}`,
});
