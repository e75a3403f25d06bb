import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from './logger.ts';

export class RedisServerMissingError extends Error {
  override name = 'RedisServerMissingError';
  constructor() {
    super('redis-server not found: install it (sudo apt-get install redis-server) or set REDIS_URL to a running Redis');
  }
}

export class RedisNotConfiguredError extends Error {
  override name = 'RedisNotConfiguredError';
  constructor() {
    super('No Redis: set REDIS_URL (or REDIS_CLUSTER_NODES), or EMBEDDED_REDIS=true to run a private redis-server');
  }
}

export interface RedisEndpoint {
  url: string;
  /** 'configured' (REDIS_URL), 'local' (something on 6379), 'embedded' (ours), 'shared-embedded' (another process's). */
  source: 'configured' | 'local' | 'embedded' | 'shared-embedded';
  /** Stops the server when this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

/** Sends PING over a raw socket: true when a Redis answers (even one asking for AUTH). */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (buf) => done(/^(\+PONG|-NOAUTH)/.test(buf.toString())));
  });
}

/** The process id of the Redis answering on a port (INFO server), or undefined. */
export function redisPid(host: string, port: number, timeoutMs = 500): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buf = '';
    const done = (pid?: number) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(timeoutMs, () => done());
    socket.once('error', () => done());
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      buf += chunk.toString();
      if (buf.startsWith('-')) return done();
      const m = /process_id:(\d+)/.exec(buf);
      if (m) done(Number(m[1]));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function findRedisServer(): string | undefined {
  for (const candidate of [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  dir: string;
  port?: number;
  log?: Logger;
  /** Extra redis-server arguments (tests turn AOF off). */
  args?: string[];
}

export interface RedisServerHandle {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server: AOF with fsync every second (a crash loses at most ~1 s of
 * queue state), noeviction (evicting a queue key corrupts the queue), bound to loopback.
 */
export async function startRedisServer(opts: StartOptions): Promise<RedisServerHandle> {
  const bin = findRedisServer();
  if (!bin) throw new RedisServerMissingError();
  fs.mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    opts.dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    path.join(opts.dir, 'redis.log'),
    ...(opts.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: 'ignore' });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  // Ready means: *our* process answers on the port (another Redis holding it must not pass for ours).
  const deadline = Date.now() + 10_000;
  while (exited || (await redisPid('127.0.0.1', port)) !== child.pid) {
    if (exited || Date.now() > deadline) {
      killOnExit();
      throw new Error(`redis-server did not start on port ${port}; see ${path.join(opts.dir, 'redis.log')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `redis://127.0.0.1:${port}`;
  opts.log?.info({ redis: url, dir: opts.dir }, 'Started a private redis-server');
  return {
    url,
    port,
    process: child,
    async stop() {
      process.off('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM'); // redis flushes the AOF on SIGTERM
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/**
 * Decides which Redis to use: REDIS_URL when set; else whatever answers on 127.0.0.1:6379; else a
 * private redis-server already started by another process of this DATA_DIR (its URL is kept in
 * `redis/url`); else a new private one, owned by this process and stopped by `stop()`.
 */
export async function resolveRedis(opts: {
  redisUrl?: string;
  dataDir: string;
  log?: Logger;
  probeLocal?: boolean;
  allowEmbedded?: boolean;
}): Promise<RedisEndpoint> {
  const noop = async () => {};
  if (opts.redisUrl) return { url: opts.redisUrl, source: 'configured', stop: noop };
  // Production never probes: a Redis that happens to answer on this machine is not a configuration.
  if (opts.probeLocal !== false && (await pingRedis('127.0.0.1', 6379))) return { url: 'redis://127.0.0.1:6379', source: 'local', stop: noop };

  if (opts.allowEmbedded === false) throw new RedisNotConfiguredError();
  const dir = path.join(opts.dataDir, 'redis');
  const urlFile = path.join(dir, 'url');
  const alreadyRunning = readUrlFile(urlFile);
  if (!(alreadyRunning && (await pingRedis('127.0.0.1', Number(new URL(alreadyRunning).port)))) && !findRedisServer()) {
    throw new RedisServerMissingError();
  }
  fs.mkdirSync(dir, { recursive: true });
  // Two processes starting together (server and worker) must end up on one server: decide under a lock.
  return withLockFile(path.join(dir, 'start.lock'), async () => {
    const known = readUrlFile(urlFile);
    if (known && (await pingRedis('127.0.0.1', Number(new URL(known).port)))) {
      opts.log?.info({ redis: known }, 'Using the private redis-server another process started');
      return { url: known, source: 'shared-embedded' as const, stop: noop };
    }
    const server = await startRedisServer({ dir, log: opts.log });
    fs.writeFileSync(urlFile, server.url);
    return {
      url: server.url,
      source: 'embedded' as const,
      async stop() {
        if (readUrlFile(urlFile) === server.url) fs.rmSync(urlFile, { force: true });
        await server.stop();
      },
    };
  });
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding an exclusive lock file (O_EXCL) with our pid; a dead holder's lock is taken over. */
async function withLockFile<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readUrlFile(lockFile) ?? NaN);
      // An empty file is a lock being written right now; a dead pid is a crashed holder.
      if (!Number.isNaN(holder) && !pidAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockFile} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function readUrlFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
