import { z } from 'zod';

/**
 * Meta's Business Use Case usage, the `X-Business-Use-Case-Usage` header the Marketing API sends: JSON keyed
 * by business object id (the ad account, without `act_`), each an array of one entry per rate-limit type.
 * Percentages of the hourly budget; estimated_time_to_regain_access is in MINUTES.
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting#business-use-case-rate-limits
 */
export const BUC_HEADER = 'x-business-use-case-usage';

const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);
const entrySchema = z.looseObject({
  type: z.string().optional(),
  call_count: num.optional(),
  total_cputime: num.optional(),
  total_time: num.optional(),
  estimated_time_to_regain_access: num.optional(),
});
const headerSchema = z.record(z.string(), z.array(entrySchema));

export type BucEntry = z.infer<typeof entrySchema> & { objectId: string };

/** The header's entries, flattened; [] when absent or unreadable (a throttle must still be recognised without it). */
export function parseBucUsage(value: string | null | undefined): BucEntry[] {
  if (!value) return [];
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return [];
  }
  const r = headerSchema.safeParse(json);
  if (!r.success) return [];
  return Object.entries(r.data).flatMap(([objectId, entries]) => entries.map((e) => ({ ...e, objectId })));
}

/** The longest wait any entry names, in ms (minutes × 60 000); undefined when none names one. */
export function bucRegainMs(entries: BucEntry[]): number | undefined {
  const minutes = entries.map((e) => e.estimated_time_to_regain_access ?? 0);
  const max = Math.max(0, ...minutes);
  return max > 0 ? Math.ceil(max * 60_000) : undefined;
}

/** The fullest of call_count, total_cputime and total_time over all entries, in percent (0 without entries). */
export function bucPeakPercent(entries: BucEntry[]): number {
  return Math.max(0, ...entries.flatMap((e) => [e.call_count ?? 0, e.total_cputime ?? 0, e.total_time ?? 0]));
}

/** From this much use of the hourly budget, slow down before the next page. */
export const BUC_SLOW_DOWN_PERCENT = 90;
/** How long to wait before the next page when near the budget. */
export const BUC_SLOW_DOWN_MS = 20_000;

/**
 * The pause before the next page a successful response's usage calls for. Near the top (90–99 %) a pause
 * spreads the remaining calls out. At 100 % the next call is throttled whatever we wait here, and that
 * throttle's reply names the real wait (minutes), which delays the job instead of holding a worker: no pause.
 */
export function bucPauseMs(entries: BucEntry[]): number | undefined {
  const peak = bucPeakPercent(entries);
  return peak >= BUC_SLOW_DOWN_PERCENT && peak < 100 ? BUC_SLOW_DOWN_MS : undefined;
}
