import { isCluster, type Redis } from '../redis.ts';

export interface RedisMemory {
  usedBytes: number;
  /** 0: no maxmemory set. */
  maxBytes: number;
}

/** used_memory and maxmemory from INFO memory's text. */
export function parseMemoryInfo(info: string): RedisMemory {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { usedBytes: field('used_memory'), maxBytes: field('maxmemory') };
}

/**
 * Redis memory against maxmemory; on a cluster the fullest master (the first to evict or refuse
 * writes). A master without maxmemory has no limit to approach.
 */
export async function readRedisMemory(connection: Redis): Promise<RedisMemory> {
  const nodes = isCluster(connection) ? connection.nodes('master') : [connection];
  const readings = await Promise.all(nodes.map(async (n) => parseMemoryInfo(await n.info('memory'))));
  const ratio = (m: RedisMemory) => (m.maxBytes > 0 ? m.usedBytes / m.maxBytes : 0);
  return readings.reduce((worst, m) => (ratio(m) > ratio(worst) ? m : worst), readings[0] ?? { usedBytes: 0, maxBytes: 0 });
}
