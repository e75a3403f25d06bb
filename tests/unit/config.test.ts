import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { maskUrl } from '../../server/logger.ts';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.NODE_ENV).toBe('development');
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.DATA_DIR).toBe('./data');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(path.isAbsolute(c.dataDir)).toBe(true);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.QUEUE_PREFIX).toBe('bizinsights');
    expect(c.RUN_WORKERS).toBe(true);
    expect(c.RUN_SCHEDULER).toBe(true);
    expect(c.SHUTDOWN_TIMEOUT_MS).toBe(30_000);
    expect(c.WORKER_STATS_INTERVAL_MS).toBe(30_000);
    expect(c.LOCK_DURATION_MS).toBe(5_000);
    expect(c.STALLED_INTERVAL_MS).toBe(2_500);
    expect(c.EMAIL_FROM).toBe('BizInsights <noreply@bizinsights.com>');
  });

  it('keeps takeover after a crash within 10 s: lock + stalled check + 2 s of timer drift seen on a loaded machine', () => {
    const c = loadConfig({});
    expect(c.LOCK_DURATION_MS + c.STALLED_INTERVAL_MS + 2_000).toBeLessThanOrEqual(10_000);
  });

  it('treats empty variables as unset (an empty line in .env keeps the default)', () => {
    const c = loadConfig({ PORT: '', RUN_WORKERS: '', REDIS_URL: '', DATA_DIR: '' });
    expect(c.PORT).toBe(3000);
    expect(c.RUN_WORKERS).toBe(true);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  it('ignores variables it does not know (the rest of process.env)', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it('takes overrides from the environment', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/bizinsights',
      LOG_LEVEL: 'debug',
      REDIS_URL: 'redis://:secret@redis.internal:6380/2',
      QUEUE_PREFIX: '{bizinsights}',
      SHUTDOWN_TIMEOUT_MS: '5000',
      WORKER_STATS_INTERVAL_MS: '0',
      LOCK_DURATION_MS: '30000',
      STALLED_INTERVAL_MS: '15000',
      EMAIL_FROM: 'Ops <ops@example.com>',
      ADMIN_PASSWORD: 'pw',
      ENCRYPTION_KEY: 'a-production-encryption-key',
      RESEND_API_KEY: 're_123',
    });
    expect(c).toMatchObject({
      NODE_ENV: 'production',
      PORT: 8080,
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/bizinsights',
      dataDir: '/var/lib/bizinsights',
      LOG_LEVEL: 'debug',
      REDIS_URL: 'redis://:secret@redis.internal:6380/2',
      QUEUE_PREFIX: '{bizinsights}',
      SHUTDOWN_TIMEOUT_MS: 5000,
      WORKER_STATS_INTERVAL_MS: 0,
      LOCK_DURATION_MS: 30_000,
      STALLED_INTERVAL_MS: 15_000,
      EMAIL_FROM: 'Ops <ops@example.com>',
      ADMIN_PASSWORD: 'pw',
      RESEND_API_KEY: 're_123',
    });
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/data' }).dataDir).toBe(path.resolve(process.cwd(), 'var/data'));
  });

  it.each([
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['true', true],
    ['1', true],
    ['yes', true],
    ['on', true],
  ])('RUN_WORKERS=%s → %s', (value, expected) => {
    expect(loadConfig({ RUN_WORKERS: value }).RUN_WORKERS).toBe(expected);
    expect(loadConfig({ RUN_SCHEDULER: value }).RUN_SCHEDULER).toBe(expected);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'not a url'],
    ['RUN_WORKERS', 'maybe'],
    ['NODE_ENV', 'staging'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['WORKER_STATS_INTERVAL_MS', '-5'],
  ])('%s=%j throws ConfigError naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/^Invalid configuration: /);
    expect(err.message).toContain(`${name}:`);
  });

  it('accepts redis:// and rediss:// URLs', () => {
    expect(loadConfig({ REDIS_URL: 'redis://localhost:6379' }).REDIS_URL).toBe('redis://localhost:6379');
    expect(loadConfig({ REDIS_URL: 'rediss://default:pw@cache.example.com:6380/0' }).REDIS_URL).toBe('rediss://default:pw@cache.example.com:6380/0');
  });

  // Any other scheme must stop the process with a line naming REDIS_URL, not start it.
  it.each(['http://example.com', 'mailto:ops@example.com', 'redis:6379'])('REDIS_URL=%s (not a redis URL) throws ConfigError', (value) => {
    expect(configError({ REDIS_URL: value }).message).toContain('REDIS_URL:');
  });

  it('names every bad variable at once', () => {
    const err = configError({ PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'not a url', HOST: 'fine' });
    for (const name of ['PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(err.message).toContain(`${name}:`);
    expect(err.message).not.toContain('HOST');
  });

  it('does not echo a bad REDIS_URL (it may carry a password) into the message', () => {
    const err = configError({ REDIS_URL: 'redis//user:hunter2@host' });
    expect(err.message).toContain('REDIS_URL');
    expect(err.message).not.toContain('hunter2');
  });
});

describe('maskUrl', () => {
  it.each([
    ['redis://user:secret@host:6379', 'redis://user:***@host:6379'],
    ['redis://:secret@host:6379/0', 'redis://:***@host:6379/0'],
    ['rediss://default:p%40ss@cache.example.com:6380', 'rediss://default:***@cache.example.com:6380'],
    ['postgres://app:pw@db.internal:5432/biz?sslmode=require', 'postgres://app:***@db.internal:5432/biz?sslmode=require'],
    // An unencoded '@' in the password: the last '@' ends the credentials.
    ['redis://user:p@ss@host:6379', 'redis://user:***@host:6379'],
  ])('%s → %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it('leaves a URL without a password unchanged', () => {
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrl('redis://user@host:6379/1')).toBe('redis://user@host:6379/1');
  });

  it('masks the password of a string URL cannot parse', () => {
    const masked = maskUrl('redis://:s3cr3t@[::1');
    expect(masked).not.toContain('s3cr3t');
    expect(masked).toBe('redis://:***@[::1');
    expect(maskUrl('not a url')).toBe('not a url');
  });
});

describe('production (NODE_ENV=production) refuses to guess', () => {
  const complete = { NODE_ENV: 'production', REDIS_URL: 'redis://redis.internal:6379', ENCRYPTION_KEY: 'a-production-encryption-key', ADMIN_PASSWORD: 'pw' };
  const without = (name: keyof typeof complete) => Object.fromEntries(Object.entries(complete).filter(([k]) => k !== name));

  it('starts with Redis, the encryption key and the admin password given', () => {
    expect(loadConfig(complete).NODE_ENV).toBe('production');
    expect(loadConfig({ ...without('REDIS_URL'), REDIS_CLUSTER_NODES: 'a:7000,b:7001' }).REDIS_CLUSTER_NODES).toEqual([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
    expect(loadConfig({ ...without('REDIS_URL'), EMBEDDED_REDIS: 'true' }).EMBEDDED_REDIS).toBe(true);
  });

  it.each([
    ['REDIS_URL', /^REDIS_URL is required in production/],
    ['ENCRYPTION_KEY', /^ENCRYPTION_KEY is required in production/],
    ['ADMIN_PASSWORD', /^ADMIN_PASSWORD is required in production/],
  ] as const)('names a missing %s in one line', (name, message) => {
    const err = configError(without(name));
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('gives one line per missing value', () => {
    expect(configError({ NODE_ENV: 'production' }).message.split('\n')).toHaveLength(3);
  });

  it('keeps the zero-config defaults outside production, and a producer client needs only its Redis', () => {
    expect(loadConfig({}).REDIS_URL).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', REDIS_URL: 'redis://r:6379' }, { producerOnly: true }).REDIS_URL).toBe('redis://r:6379');
  });

  it('refuses a malformed REDIS_CLUSTER_NODES', () => {
    expect(configError({ REDIS_CLUSTER_NODES: 'a:7000,b' }).message).toMatch(/REDIS_CLUSTER_NODES/);
  });
});
