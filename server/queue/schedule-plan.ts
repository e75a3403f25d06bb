import { fnv1a } from '../lib/hash.ts';
import type { Platform } from '../../shared/jobs.ts';
import { parseCron } from './cron.ts';

/** The guide's sync frequencies, in hours. */
export const SYNC_EVERY_HOURS: Record<Platform, number> = {
  shopify: 2,
  woocommerce: 2,
  stripe: 3,
  'google-analytics': 4,
  'facebook-ads': 24,
};
export const INSIGHTS_EVERY_HOURS = 6;

/** A stable 32-bit hash, so each integration keeps the same minute across restarts and machines. */
export const stableHash = fnv1a;

/**
 * A cron pattern running every `hours` hours, at a minute (and, daily, an hour) derived from the
 * key: a thousand integrations spread over the hour instead of all calling their platform at :00.
 */
export function spreadCron(key: string, hours: number): string {
  const h = stableHash(key);
  const minute = h % 60;
  if (hours >= 24) return `${minute} ${Math.floor(h / 60) % 24} * * *`;
  const start = Math.floor(h / 60) % hours;
  return `${minute} ${start === 0 ? '' : `${start}-23`}/${hours} * * *`.replace(' /', ' */');
}

export const syncSchedulerId = (integrationId: string) => `sync-${integrationId}`;
export const insightsSchedulerId = (organizationId: string) => `insights-${organizationId}`;

/** Minutes between an integration's syncs: its own setting, else its platform's default. */
export const syncEveryMinutes = (i: { platform: Platform; syncEveryMinutes?: number | null }) => i.syncEveryMinutes ?? SYNC_EVERY_HOURS[i.platform] * 60;

/**
 * A cron pattern every `minutes` (a divisor of 60, or whole hours dividing the day), spread by key
 * like spreadCron: whole hours give exactly spreadCron's pattern, so the defaults never move.
 */
export function everyCron(key: string, minutes: number): string {
  if (minutes >= 60) {
    if (minutes % 60 !== 0 || 24 % (minutes / 60) !== 0) throw new Error(`An interval of ${minutes} min does not divide the day into whole hours`);
    return spreadCron(key, minutes / 60);
  }
  if (60 % minutes !== 0 || minutes < 1) throw new Error(`An interval of ${minutes} min does not divide the hour`);
  const offset = stableHash(key) % minutes;
  return offset === 0 ? `*/${minutes} * * * *` : `${offset}-59/${minutes} * * * *`;
}

/**
 * The fixed interval a cron pattern runs at, in minutes, when its runs are evenly spaced over two
 * days and no more than a day apart ("*\/30 * * * *" → 30, "15 3 * * *" → 1440); null otherwise
 * ("0 8 * * 1-5", "0 9,17 * * *"). Reads a managed schedule's cron edit as the interval it means.
 */
export function intervalOfCron(pattern: string, tz?: string, from = new Date()): number | null {
  const it = parseCron(pattern, tz, from);
  const end = from.getTime() + 2 * 86_400_000;
  let prev = it.next().getTime();
  let gap: number | null = null;
  // At most 2 days of one-minute runs; a 6-field pattern with seconds fails the whole-minute check first.
  for (let n = 0; n < 2 * 1440 + 1; n++) {
    const t = it.next().getTime();
    const g = t - prev;
    if (gap === null) gap = g;
    else if (g !== gap) return null;
    if (g > 86_400_000 || g % 60_000 !== 0) return null;
    if (t > end) break;
    prev = t;
  }
  return gap === null ? null : gap / 60_000;
}
