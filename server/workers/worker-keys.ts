/**
 * Where the heartbeats live: a sorted set `<prefix>:workers` (name → last heartbeat, epoch ms) and one key
 * per worker `<prefix>:workers:<name>` (its heartbeat as JSON, expiring after an hour). On Redis Cluster the
 * reader fetches every entry in one MGET, so all of them share one hash tag, `{<prefix>}:workers…`; a prefix
 * that already carries a tag is kept as given (as queueKeyPrefix does for queues).
 */
export interface WorkerKeys {
  index: string;
  entry(name: string): string;
}

export function workerKeys(prefix: string, cluster: boolean): WorkerKeys {
  const base = !cluster || /\{[^}]+\}/.test(prefix) ? `${prefix}:workers` : `{${prefix}}:workers`;
  return { index: base, entry: (name) => `${base}:${name}` };
}
