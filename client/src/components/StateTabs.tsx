import { useRef, type KeyboardEvent } from 'react';
import { JOB_STATES, type JobStateName, type QueueStats } from '../../../shared/queues.ts';
import { formatNumber } from '../lib/format.ts';

/** Where a key moves the selection among `count` tabs from `index`; undefined for keys the tabs leave alone. */
export function tabTarget(key: string, index: number, count: number): number | undefined {
  if (key === 'ArrowRight') return (index + 1) % count;
  if (key === 'ArrowLeft') return (index - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return undefined;
}

/**
 * The job-state tabs of a queue page (WAI-ARIA tabs, selection follows focus): one tab stop, the
 * selected tab; arrow keys move to the next or previous state (wrapping), Home and End to the first and
 * last. `onSelect` gets `replace` for keyboard moves, so stepping through the states with the arrows adds
 * no history entry per tab (a click still does).
 */
export function StateTabs({
  value,
  counts,
  onSelect,
}: {
  value: JobStateName;
  counts?: QueueStats;
  onSelect: (state: JobStateName, opts: { replace: boolean }) => void;
}) {
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const next = tabTarget(e.key, JOB_STATES.indexOf(value), JOB_STATES.length);
    if (next === undefined) return;
    e.preventDefault();
    tabs.current[next]?.focus();
    onSelect(JOB_STATES[next], { replace: true });
  };
  return (
    <div role="tablist" aria-label="Job states" className="flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-700" onKeyDown={onKeyDown}>
      {JOB_STATES.map((s, i) => (
        <button
          key={s}
          ref={(el) => {
            tabs.current[i] = el;
          }}
          role="tab"
          type="button"
          aria-selected={s === value}
          tabIndex={s === value ? 0 : -1}
          onClick={() => onSelect(s, { replace: false })}
          className={`-mb-px border-b-2 px-3 py-1.5 text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${s === value ? 'border-indigo-600 font-semibold text-indigo-700 dark:text-indigo-300' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white'}`}
        >
          {s} {counts && <span className="ml-1 text-xs tabular-nums text-slate-500 dark:text-slate-400">{formatNumber(counts[s])}</span>}
        </button>
      ))}
    </div>
  );
}
