import { CronExpressionParser } from 'cron-parser';
import { InvalidCronError } from './errors.ts';

/** Validates a cron pattern (5 or 6 fields) and timezone; throws InvalidCronError naming the problem. */
export function parseCron(pattern: string, tz?: string, from: Date = new Date()) {
  const fields = pattern.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    throw new InvalidCronError(pattern, `expected 5 fields (minute hour day month weekday), got ${fields.length}`);
  }
  if (tz !== undefined && !isValidTimeZone(tz)) throw new InvalidCronError(pattern, `unknown time zone "${tz}"`);
  try {
    return CronExpressionParser.parse(pattern, { tz, currentDate: from, strict: false });
  } catch (err) {
    throw new InvalidCronError(pattern, (err as Error).message);
  }
}

/** The next run after `from`, as epoch ms. */
export function nextRun(pattern: string, tz?: string, from: Date = new Date()): number {
  return parseCron(pattern, tz, from).next().getTime();
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
