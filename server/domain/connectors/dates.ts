import { PlatformRequestError } from './errors.ts';

/** Window days are YYYY-MM-DD; a date-time slipped in by a caller is cut to its day. */
export function day(d: string): string {
  const s = d.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) {
    throw new PlatformRequestError(`not a day (YYYY-MM-DD): ${d}`);
  }
  return s;
}

/** Milliseconds of a day's first instant, UTC. */
export const dayStartMs = (d: string): number => Date.parse(`${day(d)}T00:00:00Z`);

export const addDays = (d: string, n: number): string => new Date(dayStartMs(d) + n * 86_400_000).toISOString().slice(0, 10);

/** A platform time (with any offset, or none meaning UTC) as a Date; unreadable → request error. */
export function parseTime(t: string | number): Date {
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  if (Number.isNaN(d.getTime())) throw new PlatformRequestError(`unreadable time from platform: ${t}`);
  return d;
}

/** The UTC day a platform time falls on. */
export const utcDay = (t: string | number): string => parseTime(t).toISOString().slice(0, 10);

/** A platform time normalised to UTC ISO, so cursors compare as strings. */
export const utcIso = (t: string | number): string => parseTime(t).toISOString();

/** ISO without milliseconds, rounded down: platforms filter to the second, and earlier is the safe side. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The window's `since` as milliseconds; a cursor we cannot read is a bug upstream, not a retry. */
export function sinceMs(since: string): number {
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new PlatformRequestError(`unreadable since: ${since}`);
  return ms;
}
