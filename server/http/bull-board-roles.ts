import type { Role } from '../../shared/auth.ts';

/**
 * The role each of Bull Board's writes needs (its API routes, @bull-board/api 9 dist/routes.js, relative to the
 * board's base path). An operator may do what the console lets an operator do: pause, resume, retry, promote, add,
 * run a schedule now, and the per-job and per-queue settings Bull Board offers (data, delay, priority, concurrency,
 * rate limit). Everything that deletes (empty, clean, obliterate, a job's clean, its unprocessed children) or changes
 * a schedule is the admin's, and so is any write not listed here: a route a later Bull Board adds is refused to
 * operators until someone decides otherwise.
 */
const OPERATOR_WRITES: ReadonlyArray<readonly [method: string, pattern: string]> = [
  ['PUT', '/api/queues/pause'],
  ['PUT', '/api/queues/resume'],
  ['POST', '/api/queues/:queue/add'],
  ['PUT', '/api/queues/:queue/retry/:status'],
  ['PUT', '/api/queues/:queue/promote'],
  ['PUT', '/api/queues/:queue/pause'],
  ['PUT', '/api/queues/:queue/resume'],
  ['PUT', '/api/queues/:queue/concurrency'],
  ['PUT', '/api/queues/:queue/rate-limit'],
  ['PUT', '/api/queues/:queue/rate-limit/release'],
  ['PUT', '/api/queues/:queue/job-schedulers/:scheduler/run'],
  ['PUT', '/api/queues/:queue/:job/retry'],
  ['PUT', '/api/queues/:queue/:job/promote'],
  ['PATCH', '/api/queues/:queue/:job/update-data'],
  ['PATCH', '/api/queues/:queue/:job/delay'],
  ['PATCH', '/api/queues/:queue/:job/priority'],
];

/**
 * The admin's, listed so that a path matching one of these and an operator route too (a job whose id is `clean`,
 * `/api/queues/q/clean/retry`) is the admin's: Express runs whichever route Bull Board registered first.
 */
const ADMIN_WRITES: ReadonlyArray<readonly [method: string, pattern: string]> = [
  ['PUT', '/api/queues/:queue/empty'],
  ['PUT', '/api/queues/:queue/clean/:status'],
  ['PUT', '/api/queues/:queue/obliterate'],
  ['PUT', '/api/queues/:queue/:job/clean'],
  ['PUT', '/api/queues/:queue/:job/remove-unprocessed-children'],
  ['PUT', '/api/queues/:queue/job-schedulers/:scheduler/remove'],
  ['PATCH', '/api/queues/:queue/job-schedulers/:scheduler'],
  ['POST', '/api/metrics/history/purge'],
];

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A path's segments as Express's router compares them: case-insensitive, a trailing slash ignored. Segments are
 * decoded too, so an escaped literal (`%65mpty`) reads as what it spells; undecodable ones stay as they are.
 */
function segmentsOf(path: string): string[] {
  const parts = path.replace(/\/+$/, '').split('/').slice(1);
  return parts.map((p) => {
    try {
      return decodeURIComponent(p).toLowerCase();
    } catch {
      return p.toLowerCase();
    }
  });
}

function matches(pattern: string, segments: string[]): boolean {
  const want = pattern.split('/').slice(1);
  return want.length === segments.length && want.every((w, i) => w.startsWith(':') || w === segments[i]);
}

const anyOf = (table: typeof OPERATOR_WRITES, method: string, segments: string[]) => table.some(([m, p]) => m === method && matches(p, segments));

/** The role a Bull Board request needs: undefined for a read (any signed-in user), else operator or admin. */
export function boardRoleFor(method: string, path: string): Role | undefined {
  const m = method.toUpperCase();
  if (READS.has(m)) return undefined;
  const segments = segmentsOf(path);
  if (anyOf(ADMIN_WRITES, m, segments)) return 'admin';
  return anyOf(OPERATOR_WRITES, m, segments) ? 'operator' : 'admin';
}
