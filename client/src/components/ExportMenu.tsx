import { useState } from 'react';
import { EXPORT_DEFAULT_LIMIT, EXPORT_FORMATS, EXPORT_MAX_LIMIT, exportUrl, type ExportFormat } from '../../../shared/job-history.ts';
import { compactInputClass } from './ui.tsx';

/**
 * Download the jobs of the current state (and search), or of an error group, as NDJSON or CSV: a link to the REST export, which the
 * session cookie authenticates; the server streams it, so a large export does not load into the page.
 */
export function ExportMenu({ queue, state, search, group }: { queue: string; state: string; search?: string; group?: string }) {
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [limitText, setLimitText] = useState(String(EXPORT_DEFAULT_LIMIT));
  const limit = Number(limitText);
  const limitOk = /^\d+$/.test(limitText) && limit >= 1 && limit <= EXPORT_MAX_LIMIT;
  const what = group ? 'this group’s failed jobs' : search ? `${state} jobs matching “${search}”` : `${state} jobs`;
  return (
    <details className="text-sm" data-testid="export-menu">
      <summary className="cursor-pointer text-indigo-700 dark:text-indigo-300">Export {what}…</summary>
      <div className="mt-2 flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1">
          <span className="font-medium">Format</span>
          <select className={compactInputClass} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
            {EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="font-medium">At most (rows)</span>
          <input
            className={`${compactInputClass} w-32`}
            inputMode="numeric"
            value={limitText}
            aria-invalid={!limitOk}
            aria-describedby="export-limit-note"
            onChange={(e) => setLimitText(e.target.value.trim())}
          />
        </label>
        {limitOk ? (
          <a
            className="inline-flex items-center rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500"
            href={exportUrl(queue, { state, format, limit, search, group })}
            download
          >
            Download
          </a>
        ) : (
          <span
            aria-disabled="true"
            className="inline-flex cursor-not-allowed items-center rounded-md bg-indigo-300 px-3 py-1.5 font-medium text-white dark:bg-indigo-900"
          >
            Download
          </span>
        )}
        <span
          id="export-limit-note"
          className={`text-xs ${limitOk ? 'text-slate-500 dark:text-slate-400' : 'text-red-600 dark:text-red-400'}`}
          role={limitOk ? undefined : 'alert'}
        >
          1 to {EXPORT_MAX_LIMIT.toLocaleString()} rows, newest first
        </span>
      </div>
    </details>
  );
}
