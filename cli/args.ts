/**
 * Parsers of the CLI's option values, pure. Each returns the value or throws an Error whose message says
 * what to give instead; the program turns that into a usage error (exit 2) naming the option.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A clean's grace: plain digits are milliseconds (the server's unit), or a number with a unit:
 * `500ms`, `30s`, `10m`, `1.5h`, `7d`. Whole milliseconds ≥ 0, as shared/api.ts cleanInputSchema wants.
 */
export function parseGrace(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim().toLowerCase());
  if (!m) throw new Error('Use milliseconds, or a number with ms, s, m, h or d (e.g. 600000, 10m, 1h, 7d)');
  const ms = Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 'ms') as keyof typeof UNIT_MS]);
  if (!Number.isSafeInteger(ms)) throw new Error('Use a smaller duration');
  return ms;
}

/** A whole number in plain digits between `min` and `max` ("1e3", "0x10", "1.5" are refused, as the server refuses them). */
export function parseWhole(text: string, min: number, max: number): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw new Error('Use a whole number in plain digits');
  const n = Number(text.trim());
  if (n < min || n > max) throw new Error(`Use a number from ${min} to ${max}`);
  return n;
}

/** The server's largest `start`/`end` of the failed-jobs window (server/http/rest/jobs-routes.ts MAX_LIST_INDEX). */
export const MAX_LIST_INDEX = 100_000_000;
/** The server's largest clean `limit` (shared/api.ts cleanInputSchema). */
export const MAX_CLEAN_LIMIT = 10_000_000;
