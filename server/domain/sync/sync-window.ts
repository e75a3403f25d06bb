import type { DataSyncJobData } from '../../../shared/jobs.ts';
import type { SyncWindow } from '../connectors/types.ts';

/** How far back a full sync reaches. */
export const FULL_SYNC_DAYS = 90;
/** Platforms that report finished numbers per day settle late: re-read the last few days. */
export const METRIC_SETTLE_DAYS = 3;

export const day = (d: Date | string | number) => new Date(d).toISOString().slice(0, 10);
const addDays = (d: string, n: number) => day(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000);

/**
 * The window a sync job covers. Explicit dates win; a full sync reads the last FULL_SYNC_DAYS;
 * an incremental one reads what changed since the stored cursor (record platforms) or the last
 * few days (metric platforms), and falls back to full when there is no cursor yet.
 */
export function syncWindow(
  job: Pick<DataSyncJobData, 'syncType' | 'startDate' | 'endDate'>,
  cursor: string | null,
  recordBased: boolean,
  now = new Date(),
): SyncWindow & { mode: 'full' | 'incremental' | 'range' } {
  const today = day(now);
  if (job.startDate || job.endDate) {
    return {
      mode: 'range',
      startDate: job.startDate ? day(job.startDate) : addDays(today, -FULL_SYNC_DAYS + 1),
      endDate: job.endDate ? day(job.endDate) : today,
    };
  }
  const fullStart = addDays(today, -FULL_SYNC_DAYS + 1);
  if (job.syncType === 'full' || !cursor) return { mode: 'full', startDate: fullStart, endDate: today };
  if (recordBased) return { mode: 'incremental', since: cursor, startDate: fullStart, endDate: today };
  const settle = addDays(day(cursor), -METRIC_SETTLE_DAYS);
  return { mode: 'incremental', startDate: laterDay(settle, fullStart), endDate: today };
}

/** The later of two ISO days (YYYY-MM-DD sorts as text). */
function laterDay(a: string, b: string): string {
  return a.localeCompare(b) >= 0 ? a : b;
}
