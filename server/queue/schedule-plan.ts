import { fnv1a } from '../lib/hash.ts';
import type { Platform } from '../../shared/jobs.ts';

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
