import { z } from 'zod';
import type { Platform } from './jobs.ts';
import { queueNameSchema } from './queues.ts';

/**
 * The sync intervals an integration may have, in minutes. Each divides the hour or the day, so the
 * cron the scheduler writes for it keeps every gap exactly that long (45 min or 5 h could not).
 */
export const SYNC_INTERVAL_MINUTES = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440] as const;

export const syncIntervalSchema = z
  .number()
  .int()
  .refine((m) => (SYNC_INTERVAL_MINUTES as readonly number[]).includes(m), {
    message: `must be one of ${SYNC_INTERVAL_MINUTES.join(', ')} minutes`,
  });

/** Sets a managed sync schedule's interval; null goes back to the platform's default. */
export const scheduleIntervalInputSchema = z.object({
  queue: queueNameSchema,
  name: z.string().min(1),
  everyMinutes: syncIntervalSchema.nullable(),
});
export type ScheduleIntervalInput = z.infer<typeof scheduleIntervalInputSchema>;

export const PLATFORM_LABELS: Record<Platform, string> = {
  shopify: 'Shopify',
  woocommerce: 'WooCommerce',
  stripe: 'Stripe',
  'google-analytics': 'Google Analytics',
  'facebook-ads': 'Facebook Ads',
};

/** "30 min", "2 h", "24 h". */
export const formatMinutes = (m: number) => (m % 60 === 0 ? `${m / 60} h` : `${m} min`);

/**
 * A schedule the scheduler writes at each start (a per-integration sync, a per-organization insights
 * run), as the console shows it. Custom schedules have none.
 */
export interface ScheduleOwnership {
  /** `orphan`: named like a managed one but with nothing to own it; the scheduler removes it at its next start. */
  kind: 'integration-sync' | 'organization-insights' | 'orphan';
  /** "Integration demo-shopify — Demo shopify (Shopify, org Demo Company)". */
  owner: string;
  /** The integration's or organization's id. */
  ownerId: string;
  /** Where the interval comes from, e.g. "integration's sync interval: 60 min, from the store". */
  source: string;
  /** The interval in force, minutes (null for an orphan). */
  everyMinutes: number | null;
  /** What it would be without the integration's own setting. */
  defaultMinutes: number | null;
  /** Sync schedules: the interval can be changed here (it is stored on the integration, so it lasts). */
  intervalEditable: boolean;
  /** Why an edit of its cron here is refused or mapped, in words for the operator. */
  editNote: string;
  /** Why removing it here is refused; null when it may be removed. */
  removeRefusal: string | null;
}
