import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../server/embedded-redis.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);

export interface LocalCluster {
  nodes: Array<{ host: string; port: number }>;
  /** `host:port,host:port,host:port`, as REDIS_CLUSTER_NODES takes it. */
  spec: string;
  stop(): Promise<void>;
}

/**
 * A real 3-master Redis Cluster on free loopback ports: three `redis-server --cluster-enabled yes`
 * and `redis-cli --cluster create … --cluster-yes`, then waits until every node says cluster_state:ok.
 */
export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bj-cluster-'));
  const servers: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const dir = path.join(root, `node-${i}`);
      servers.push(
        await startRedisServer({
          dir,
          args: ['--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000'],
        }),
      );
    }
    const nodes = servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitForClusterOk(nodes);
    return { nodes, spec: nodes.map((n) => `${n.host}:${n.port}`).join(','), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForClusterOk(nodes: Array<{ host: string; port: number }>, timeoutMs = 20_000): Promise<void> {
  const clients = nodes.map((n) => new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 1 }));
  try {
    const everyNodeOk = async () => {
      const infos = await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>));
      return infos.every((info) => /cluster_state:ok/.test(info) && /cluster_known_nodes:(\d+)/.exec(info)?.[1] === String(nodes.length));
    };
    await waitFor(everyNodeOk, { timeoutMs, intervalMs: 100, message: 'the local Redis Cluster to reach cluster_state:ok' });
  } finally {
    for (const c of clients) c.disconnect();
  }
}
