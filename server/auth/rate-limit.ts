import net from 'node:net';
import type { Redis } from '../redis.ts';

export interface LoginAttempt {
  allowed: boolean;
  /** Seconds until the window that blocks it ends; 0 when allowed. */
  retryAfterSec: number;
}

export interface LoginLimits {
  prefix: string;
  /** Failures per (address, user) per window: guessing one user's password. */
  maxPerUser: number;
  /** Failures per address per window, whatever the user: a success never clears it. */
  maxPerAddress: number;
  windowSec: number;
}

/**
 * Refuses when either count is at its limit, else counts the attempt in both (expiring with the window), in one
 * step: parallel attempts cannot all slip through a check that runs before the count.
 * KEYS: address, address+user. ARGV: maxPerAddress, maxPerUser, windowSec. Returns [allowed 1|0, retry after s].
 */
const ATTEMPT = `
local counts = { tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0') }
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]) }
local wait = -1
for i = 1, 2 do
  if counts[i] >= limits[i] then wait = math.max(wait, redis.call('TTL', KEYS[i]), 1) end
end
if wait >= 0 then return { 0, wait } end
for i = 1, 2 do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[3]) end
end
return { 1, 0 }
`;

/**
 * The attempt was a success: the user's own count is cleared; the address gives back the one failure this attempt
 * held (DECR keeps the key's expiry; a key that expired meanwhile is not brought back without one).
 */
const SUCCEEDED = `
redis.call('DEL', KEYS[2])
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 1 then redis.call('DECR', KEYS[1]) elseif n == 1 then redis.call('DEL', KEYS[1]) end
return n
`;

/**
 * The unit an address is counted in: IPv4 as is (also when written IPv4-mapped), IPv6 by its /64, since one host
 * commonly holds a whole /64 and could otherwise take a fresh address per guess.
 */
export function limitAddress(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4) return v4;
  const addr = ip.split('%')[0];
  if (!net.isIPv6(addr)) return ip;
  const groups = (s: string) => (s ? s.split(':') : []);
  const [head, tail] = addr.split('::');
  const right = tail === undefined ? [] : groups(tail);
  // An embedded IPv4 (the last 32 bits) counts as two groups.
  const width = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const full = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(8 - groups(head).length - width).fill('0'), ...right];
  const first64 = full.slice(0, 4).map((g) => parseInt(g, 16).toString(16));
  return `${first64.join(':')}::/64`;
}

/**
 * Failed sign-ins in fixed windows in Redis (shared by every server process), counted per (address, user) and per
 * address. Only failures count: each attempt that gets through holds one failure until its password turns out
 * right, and a blocked address or user is refused before its password is checked, so guessing cannot continue.
 */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: LoginLimits,
  ) {}

  /** Both keys share the address as hash tag: one slot on a cluster, so one script may touch both. */
  private keys(ip: string, user: string): [string, string] {
    const address = `${this.opts.prefix}:ratelimit:login:{${limitAddress(ip)}}`;
    return [address, `${address}:user:${user}`];
  }

  /** Counts an attempt as a failure until `succeeded`, or refuses it when the address or the user is at its limit. */
  async attempt(ip: string, user: string): Promise<LoginAttempt> {
    const { maxPerAddress, maxPerUser, windowSec } = this.opts;
    const [allowed, wait] = (await this.redis.eval(ATTEMPT, 2, ...this.keys(ip, user), maxPerAddress, maxPerUser, windowSec)) as [number, number];
    return { allowed: allowed === 1, retryAfterSec: allowed === 1 ? 0 : Math.max(1, wait) };
  }

  /** The password was right: clears this user's count from this address, never the address's own. */
  async succeeded(ip: string, user: string): Promise<void> {
    await this.redis.eval(SUCCEEDED, 2, ...this.keys(ip, user));
  }
}
