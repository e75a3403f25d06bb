import { z } from 'zod';
import { parseRetryAfter, type ErrorMapper } from './http.ts';
import { PlatformRateLimitError } from './errors.ts';

/**
 * GA4 Data API quotas (developers.google.com/analytics/devguides/reporting/data/v1/quotas): per property,
 * tokens per day (200,000 standard) and per hour (40,000; 14,000 per project), 10 concurrent requests.
 * A 429 RESOURCE_EXHAUSTED names its bucket only in the message and sends no Retry-After.
 */

/** GA's QuotaStatus. proto3 JSON leaves zeros out, so a missing number is 0. */
const quotaStatusSchema = z.looseObject({ consumed: z.number().default(0), remaining: z.number().default(0) });

export const propertyQuotaSchema = z.looseObject({
  tokensPerDay: quotaStatusSchema.optional(),
  tokensPerHour: quotaStatusSchema.optional(),
  concurrentRequests: quotaStatusSchema.optional(),
  serverErrorsPerProjectPerHour: quotaStatusSchema.optional(),
  potentiallyThresholdedRequestsPerHour: quotaStatusSchema.optional(),
  tokensPerProjectPerHour: quotaStatusSchema.optional(),
});
export type PropertyQuota = z.infer<typeof propertyQuotaSchema>;

/** Least wait for an hourly bucket: its tokens "return in under an hour", a little at a time. */
export const GA_HOURLY_QUOTA_FLOOR_MS = 5 * 60_000;
/** Least wait for the concurrency bucket, which empties as soon as other requests finish. */
export const GA_CONCURRENT_QUOTA_FLOOR_MS = 1000;

/**
 * When the daily tokens are back. Google: "Daily quotas refresh at midnight PST". Whether that means
 * Pacific time (07:00 UTC in summer) or PST proper (08:00 UTC all year) is not said, so we wait for
 * 08:00 UTC, which is never before either and at most an hour after; plus a minute for clock skew.
 */
export function nextDailyQuotaReset(nowMs: number): number {
  const d = new Date(nowMs);
  const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 8, 1, 0);
  return today > nowMs ? today : today + 86_400_000;
}

/** This report's cost is more than the day has left: the next report would likely be refused. */
export function dailyBudgetLow(quota: PropertyQuota | undefined): boolean {
  const day = quota?.tokensPerDay;
  return day !== undefined && day.remaining < Math.max(1, day.consumed);
}

const errorMessage = (body: unknown): string => {
  const m = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof m === 'string' ? m : 'RESOURCE_EXHAUSTED';
};

/**
 * GA's 429 by the bucket its message names: the daily one waits (told) for the reset; the hourly and
 * concurrent ones have no stated end, so the sync engine backs off from a floor, growing and capped.
 */
export function gaQuotaError(body: unknown, headers: Headers, nowMs = Date.now()): PlatformRateLimitError {
  const message = errorMessage(body);
  const msg = `Google Analytics quota → 429: ${message.slice(0, 300)}`;
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) return new PlatformRateLimitError(msg, parseRetryAfter(retryAfter, nowMs), true);
  if (/per day/i.test(message)) return new PlatformRateLimitError(msg, nextDailyQuotaReset(nowMs) - nowMs, true);
  if (/per hour/i.test(message)) return new PlatformRateLimitError(msg, GA_HOURLY_QUOTA_FLOOR_MS, false);
  return new PlatformRateLimitError(msg, GA_CONCURRENT_QUOTA_FLOOR_MS, false);
}

/** The Data API's error responses that are not the generic reading (http.ts): 429 is a quota bucket. */
export const gaApiError: ErrorMapper = (status, body, headers) => (status === 429 ? gaQuotaError(body, headers) : undefined);
