import cronstrue from 'cronstrue';

export interface CronCheck {
  ok: boolean;
  description?: string;
  error?: string;
}

/** Checks a 5-field cron pattern as you type and says what it means ("At 08:00 AM, only on Monday"). */
export function describeCron(pattern: string): CronCheck {
  const fields = pattern.trim().split(/\s+/).filter(Boolean);
  if (fields.length === 0) return { ok: false, error: 'Enter a cron pattern, e.g. 0 8 * * 1' };
  if (fields.length < 5 || fields.length > 6) return { ok: false, error: `Expected 5 fields (minute hour day month weekday), got ${fields.length}` };
  try {
    return { ok: true, description: cronstrue.toString(pattern.trim(), { use24HourTimeFormat: true, verbose: false }) };
  } catch (err) {
    return { ok: false, error: String(err).replace(/^Error:\s*/, '') };
  }
}
