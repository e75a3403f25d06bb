import { EXPORT_COLUMNS, type ExportFormat } from '../../shared/job-history.ts';
import type { JobView } from '../queue/job-view.ts';

/** One exported job: the export's columns, data as JSON. */
export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string | number | null | unknown>;

export function exportRow(job: JobView): ExportRow {
  return {
    id: job.id,
    name: job.name,
    data: job.data ?? null,
    attempts: job.attemptsMade,
    timestamp: job.timestamp,
    processedOn: job.processedOn,
    finishedOn: job.finishedOn,
    failedReason: job.failedReason,
  };
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A text that a
 * spreadsheet would run as a formula (starts with = + - @, tab or CR) gets a leading ' first (OWASP's advice).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let s = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvHeader = (): string => `${EXPORT_COLUMNS.join(',')}\r\n`;

/** One line of the export, with its line ending. */
export function formatRow(row: ExportRow, format: ExportFormat): string {
  if (format === 'ndjson') return `${JSON.stringify(row)}\n`;
  return `${EXPORT_COLUMNS.map((c) => csvCell(c === 'data' ? JSON.stringify(row.data) : row[c])).join(',')}\r\n`;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};
