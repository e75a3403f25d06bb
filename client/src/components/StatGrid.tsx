import type { QueueStats } from '../../../shared/queues.ts';
import { formatNumber } from '../lib/format.ts';

// Light-theme numbers in the -700 shades: the -600 ones (emerald 3.7:1, amber 3.2:1 on white) fail WCAG AA at this size.
const ORDER: Array<[keyof QueueStats, string, string]> = [
  ['waiting', 'Waiting', 'text-sky-700 dark:text-sky-400'],
  ['active', 'Active', 'text-amber-700 dark:text-amber-400'],
  ['completed', 'Completed', 'text-emerald-700 dark:text-emerald-400'],
  ['failed', 'Failed', 'text-red-700 dark:text-red-400'],
  ['delayed', 'Delayed', 'text-slate-600 dark:text-slate-300'],
  ['paused', 'Paused', 'text-slate-500 dark:text-slate-400'],
];

/** The guide's six counts as a row of tiles. */
export function StatGrid({ stats, testId }: { stats: QueueStats; testId?: string }) {
  return (
    <dl className="grid grid-cols-3 gap-2 sm:grid-cols-6" data-testid={testId}>
      {ORDER.map(([key, label, color]) => (
        <div key={key} className="rounded-lg bg-white p-3 ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700">
          <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
          <dd className={`text-xl font-semibold tabular-nums ${color}`} data-stat={key}>
            {formatNumber(stats[key])}
          </dd>
        </div>
      ))}
    </dl>
  );
}
