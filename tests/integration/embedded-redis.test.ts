import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisServerMissingError,
  findRedisServer,
  freePort,
  pingRedis,
  resolveRedis,
  startRedisServer,
  type RedisServerHandle,
} from '../../server/embedded-redis.ts';
import { createRedisConnection, type Redis } from '../../server/redis.ts';
import { silentLogger } from '../helpers/silent-logger.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EMBEDDED_REDIS_MODULE = path.join(ROOT, 'server/embedded-redis.ts');
const REDIS_MODULE = path.join(ROOT, 'server/redis.ts');

/** Something (the developer's or CI's Redis) answers on the port resolveRedis tries first. */
const LOCAL_6379 = await pingRedis('127.0.0.1', 6379);

/**
 * resolveRedis always tries 127.0.0.1:6379 first and findRedisServer always looks at
 * /usr/bin/redis-server, and neither can be told otherwise. When that port answers (or that file
 * exists) the other paths are exercised in a child process inside fresh Linux namespaces
 * (`unshare`): a network namespace where nothing listens on 6379, and a mount namespace where
 * /usr/bin is an empty tmpfs. Nothing outside the child sees either. Skipped where unshare is refused.
 */
const canUnshare = (flags: string, script: string) => spawnSync('unshare', [flags, 'sh', '-c', script], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const NETNS = canUnshare('-rn', 'ip link set lo up');
const MOUNTNS = NETNS && canUnshare('-rmn', 'ip link set lo up && mount -t tmpfs tmpfs /usr/bin');
const DEFAULT_BINS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];
const BIN_ON_DEFAULT_PATH = DEFAULT_BINS.some((p) => fs.existsSync(p));

const tmpDirs: string[] = [];
const handles: RedisServerHandle[] = [];
const clients: Redis[] = [];

function tmpDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bizinsights-${label}-`));
  tmpDirs.push(dir);
  return dir;
}

async function start(opts: Parameters<typeof startRedisServer>[0]): Promise<RedisServerHandle> {
  const h = await startRedisServer(opts);
  handles.push(h);
  return h;
}

function client(url: string): Redis {
  const c = createRedisConnection(url, { name: 'bizinsights-test', redis: { retryStrategy: () => null } });
  clients.push(c);
  return c;
}

async function configGet(c: Redis, name: string): Promise<string | undefined> {
  const reply = (await c.config('GET', name)) as string[];
  return reply[1];
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  await Promise.all(handles.splice(0).map((h) => h.stop()));
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('startRedisServer', () => {
  it('starts a private redis-server in the directory: PING, AOF on, noeviction, loopback only', async () => {
    const dir = tmpDir('redis');
    const h = await start({ dir, log: silentLogger });
    expect(h.url).toBe(`redis://127.0.0.1:${h.port}`);
    expect(isAlive(h.process.pid)).toBe(true);

    const c = client(h.url);
    expect(await c.ping()).toBe('PONG');
    expect(await configGet(c, 'appendonly')).toBe('yes');
    expect(await configGet(c, 'appendfsync')).toBe('everysec');
    expect(await configGet(c, 'maxmemory-policy')).toBe('noeviction');
    expect(await configGet(c, 'bind')).toBe('127.0.0.1');
    expect(await configGet(c, 'port')).toBe(String(h.port));
    expect(await configGet(c, 'save')).toBe('');
    expect(fs.realpathSync((await configGet(c, 'dir'))!)).toBe(fs.realpathSync(dir));
    expect(fs.existsSync(path.join(dir, 'redis.log'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'appendonlydir'))).toBe(true);
  });

  it('stop() ends the process; a second stop() is a no-op', async () => {
    const h = await start({ dir: tmpDir('redis') });
    const pid = h.process.pid;
    await h.stop();
    expect(h.process.exitCode !== null || h.process.signalCode !== null).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(await pingRedis('127.0.0.1', h.port)).toBe(false);
    await h.stop();
  });

  it('keeps the data across a restart in the same directory (AOF flushed on stop)', async () => {
    const dir = tmpDir('redis');
    const first = await start({ dir });
    const c1 = client(first.url);
    await c1.set('survives', 'restart');
    await c1.rpush('list', 'a', 'b');
    await c1.quit();
    await first.stop();

    const second = await start({ dir });
    const c2 = client(second.url);
    expect(await c2.get('survives')).toBe('restart');
    expect(await c2.lrange('list', 0, -1)).toEqual(['a', 'b']);
  });

  it('takes a port and extra arguments (which win over the defaults)', async () => {
    const port = await freePort();
    const h = await start({ dir: tmpDir('redis'), port, args: ['--appendonly', 'no'] });
    expect(h.port).toBe(port);
    expect(h.url).toBe(`redis://127.0.0.1:${port}`);
    const c = client(h.url);
    expect(await configGet(c, 'appendonly')).toBe('no');
    expect(await configGet(c, 'maxmemory-policy')).toBe('noeviction');
  });

  it('runs the binary named by REDIS_SERVER_BIN first', async () => {
    const real = findRedisServer();
    expect(real).toBeTruthy();
    const binDir = tmpDir('bin');
    const custom = path.join(binDir, 'my-redis-server');
    fs.symlinkSync(real!, custom);
    const saved = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = custom;
    try {
      expect(findRedisServer()).toBe(custom);
      const h = await start({ dir: tmpDir('redis') });
      expect(h.process.spawnfile).toBe(custom);
      expect(await pingRedis('127.0.0.1', h.port)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
    }
  });

  // Another Redis holding the port must not pass for ours (its own redis-server exits at once).
  it('rejects when the port is held by another Redis (instead of returning the other server)', async () => {
    const other = await start({ dir: tmpDir('redis') });
    const dir = tmpDir('redis');
    await expect(start({ dir, port: other.port })).rejects.toThrow(/did not start/);
  });
});

describe('resolveRedis', () => {
  it("returns 'configured' for a REDIS_URL, starts nothing and writes nothing", async () => {
    const dataDir = tmpDir('data');
    const ep = await resolveRedis({ redisUrl: 'redis://:pw@redis.example.com:6380/1', dataDir });
    expect(ep.source).toBe('configured');
    expect(ep.url).toBe('redis://:pw@redis.example.com:6380/1');
    await ep.stop();
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it.runIf(LOCAL_6379)("returns 'local' when 127.0.0.1:6379 answers, and its stop() leaves that Redis alone", async () => {
    const dataDir = tmpDir('data');
    const ep = await resolveRedis({ dataDir });
    expect(ep).toMatchObject({ source: 'local', url: 'redis://127.0.0.1:6379' });
    await ep.stop();
    expect(await pingRedis('127.0.0.1', 6379)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  describe.runIf(!LOCAL_6379 || NETNS)(`with nothing on 6379${LOCAL_6379 ? ' (in a network namespace)' : ''}`, () => {
    it("starts an 'embedded' server, shares it ('shared-embedded') through DATA_DIR/redis/url, and cleans up", async () => {
      const dataDir = tmpDir('data');
      const out = await runScenario('lifecycle', { dataDir, netns: LOCAL_6379 });
      expect(out.local6379).toBe(false);

      // First process: starts its own, with the production settings, and records its URL.
      expect(out.a.source).toBe('embedded');
      expect(out.a.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(out.fileAfterA).toBe(out.a.url);
      expect(out.aConfig).toEqual({ appendonly: 'yes', 'maxmemory-policy': 'noeviction', dir: fs.realpathSync(path.join(dataDir, 'redis')) });

      // Second process: finds it through the file; its stop() does not stop the owner's server.
      expect(out.b).toEqual({ source: 'shared-embedded', url: out.a.url });
      expect(out.aliveAfterSharedStop).toBe(true);
      expect(out.fileAfterSharedStop).toBe(out.a.url);

      // The owner's stop() ends the server and removes the file.
      expect(out.aliveAfterOwnerStop).toBe(false);
      expect(out.fileAfterOwnerStop).toBeNull();

      // A file naming a dead server is ignored: a new one is started (on the same AOF: data kept).
      expect(out.c.source).toBe('embedded');
      expect(out.c.url).not.toBe(out.a.url);
      expect(out.fileAfterC).toBe(out.c.url);
      expect(out.keptAcrossRestart).toBe('yes');

      // stop() leaves the file alone when it names another server by then.
      expect(out.fileAfterCStopWhenReplaced).toBe('redis://127.0.0.1:1');
      expect(out.aliveAfterCStop).toBe(false);
    });

    // Both must end up on one server (the start is decided under a lock file in DATA_DIR/redis).
    it('two processes starting at once both succeed and share ONE server', async () => {
      const out = await runScenario('concurrent', { dataDir: tmpDir('data'), netns: LOCAL_6379 });
      expect(out.local6379).toBe(false);
      expect(out.aliveAfterStop).toEqual([]);
      expect(out.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(out.results[0].url).toBe(out.results[1].url);
      expect(out.results.map((r) => r.source).sort()).toEqual(['embedded', 'shared-embedded']);
    });
  });
});

describe('RedisServerMissingError', () => {
  it('says how to fix it', () => {
    const err = new RedisServerMissingError();
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('RedisServerMissingError');
    expect(err.message).toMatch(/apt-get install redis-server/);
    expect(err.message).toMatch(/REDIS_URL/);
  });

  // Only reachable in-process where no redis-server sits at the hard-coded default paths.
  it.runIf(!BIN_ON_DEFAULT_PATH)('is thrown when REDIS_SERVER_BIN is missing and redis-server is not on PATH', async () => {
    const saved = { bin: process.env.REDIS_SERVER_BIN, path: process.env.PATH };
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    process.env.PATH = '';
    try {
      expect(findRedisServer()).toBeUndefined();
      const dir = path.join(tmpDir('nobin'), 'redis');
      await expect(startRedisServer({ dir })).rejects.toBeInstanceOf(RedisServerMissingError);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      if (saved.bin === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved.bin;
      process.env.PATH = saved.path;
    }
  });

  it.runIf(MOUNTNS)('is thrown by startRedisServer and resolveRedis on a machine without redis-server (mount namespace)', async () => {
    const dataDir = tmpDir('data');
    const out = await runScenario('missing', { dataDir, netns: true, hideUsrBin: true });
    expect(out.local6379).toBe(false);
    expect(out.found).toBeNull();
    expect(out.start).toEqual({ name: 'RedisServerMissingError', isMissingError: true });
    expect(out.resolve).toEqual({ name: 'RedisServerMissingError', isMissingError: true });
    expect(out.dirCreated).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Child-process scenarios (a separate process is also what "another process" means to resolveRedis).

const CHILD_SCRIPT = String.raw`
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const env = process.env;
if (env.HIDE_USR_BIN === '1') execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', '/usr/bin']);
const m = await import(env.EMBEDDED_REDIS_MODULE);
const { createRedisConnection } = await import(env.REDIS_MODULE);

const dataDir = env.DATA_DIR;
const urlFile = path.join(dataDir, 'redis', 'url');
const readUrl = () => (fs.existsSync(urlFile) ? fs.readFileSync(urlFile, 'utf8').trim() : null);
const portOf = (url) => Number(new URL(url).port);
const alive = (url) => m.pingRedis('127.0.0.1', portOf(url));
const pick = (ep) => ({ source: ep.source, url: ep.url });
const errorOf = (fn) => fn().then(() => null, (e) => ({ name: e.name, isMissingError: e instanceof m.RedisServerMissingError }));
const out = { local6379: await m.pingRedis('127.0.0.1', 6379) };

async function withClient(url, fn) {
  const c = createRedisConnection(url, { redis: { retryStrategy: () => null } });
  try { return await fn(c); } finally { await c.quit(); }
}

const scenarios = {
  async lifecycle() {
    const a = await m.resolveRedis({ dataDir });
    out.a = pick(a);
    out.fileAfterA = readUrl();
    out.aConfig = await withClient(a.url, async (c) => {
      await c.set('kept', 'yes');
      const get = async (k) => (await c.config('GET', k))[1];
      return { appendonly: await get('appendonly'), 'maxmemory-policy': await get('maxmemory-policy'), dir: await get('dir') };
    });
    const b = await m.resolveRedis({ dataDir });
    out.b = pick(b);
    await b.stop();
    out.aliveAfterSharedStop = await alive(a.url);
    out.fileAfterSharedStop = readUrl();
    await a.stop();
    out.aliveAfterOwnerStop = await alive(a.url);
    out.fileAfterOwnerStop = readUrl();

    fs.writeFileSync(urlFile, a.url); // a stale file: its server is gone
    const c = await m.resolveRedis({ dataDir });
    out.c = pick(c);
    out.fileAfterC = readUrl();
    out.keptAcrossRestart = await withClient(c.url, (cl) => cl.get('kept'));
    fs.writeFileSync(urlFile, 'redis://127.0.0.1:1'); // someone else's by now
    await c.stop();
    out.fileAfterCStopWhenReplaced = readUrl();
    out.aliveAfterCStop = await alive(c.url);
  },
  async concurrent() {
    const settled = await Promise.allSettled([m.resolveRedis({ dataDir }), m.resolveRedis({ dataDir })]);
    out.results = settled.map((s) => (s.status === 'fulfilled' ? { status: s.status, ...pick(s.value) } : { status: s.status, error: String(s.reason) }));
    const eps = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    for (const e of eps) await e.stop();
    out.aliveAfterStop = (await Promise.all(eps.map((e) => alive(e.url)))).filter(Boolean);
  },
  async missing() {
    env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    env.PATH = '';
    out.found = m.findRedisServer() ?? null;
    out.start = await errorOf(() => m.startRedisServer({ dir: path.join(dataDir, 'redis') }));
    out.resolve = await errorOf(() => m.resolveRedis({ dataDir }));
    out.dirCreated = fs.existsSync(path.join(dataDir, 'redis'));
  },
};

await scenarios[env.SCENARIO]();
process.stdout.write('\n' + JSON.stringify(out) + '\n');
`;

let childScript: string;
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-child-'));
  childScript = path.join(dir, 'scenario.mjs');
  fs.writeFileSync(childScript, CHILD_SCRIPT);
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

/** What a resolved endpoint looks like in the child's output (`pick`). */
interface PickedEndpoint {
  source: string;
  url: string;
}

/** `errorOf`: null when the call succeeded. */
type ErrorSummary = { name: string; isMissingError: boolean } | null;

/** The JSON each CHILD_SCRIPT scenario prints: `local6379` plus what that scenario recorded in `out`. */
interface ScenarioOutputs {
  lifecycle: {
    a: PickedEndpoint;
    fileAfterA: string | null;
    aConfig: Record<string, string>;
    b: PickedEndpoint;
    aliveAfterSharedStop: boolean;
    fileAfterSharedStop: string | null;
    aliveAfterOwnerStop: boolean;
    fileAfterOwnerStop: string | null;
    c: PickedEndpoint;
    fileAfterC: string | null;
    keptAcrossRestart: string | null;
    fileAfterCStopWhenReplaced: string | null;
    aliveAfterCStop: boolean;
  };
  concurrent: {
    /** A fulfilled start has `source` and `url`, a rejected one `error`. */
    results: Array<{ status: 'fulfilled' | 'rejected'; source?: string; url?: string; error?: string }>;
    aliveAfterStop: boolean[];
  };
  missing: {
    found: string | null;
    start: ErrorSummary;
    resolve: ErrorSummary;
    dirCreated: boolean;
  };
}
type Scenario = keyof ScenarioOutputs;
type ScenarioOutput<S extends Scenario> = ScenarioOutputs[S] & { local6379: boolean };

function runScenario<S extends Scenario>(scenario: S, opts: { dataDir: string; netns: boolean; hideUsrBin?: boolean }): Promise<ScenarioOutput<S>> {
  const node = [process.execPath, '--import', 'tsx', childScript];
  const [cmd, ...args] = opts.netns ? ['unshare', opts.hideUsrBin ? '-rmn' : '-rn', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', ...node] : node;
  const env = {
    ...process.env,
    SCENARIO: scenario,
    DATA_DIR: opts.dataDir,
    EMBEDDED_REDIS_MODULE,
    REDIS_MODULE,
    HIDE_USR_BIN: opts.hideUsrBin ? '1' : '',
  };
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`scenario ${scenario} failed: ${err.message}\n${stderr}`));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as ScenarioOutput<S>);
      } catch {
        reject(new Error(`scenario ${scenario}: no result in output:\n${stdout}\n${stderr}`));
      }
    });
  });
}
