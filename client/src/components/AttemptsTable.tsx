import type { AttemptEntry } from '../../../shared/job-history.ts';
import { formatDuration, formatTime } from '../lib/format.ts';
import { Badge, Table } from './ui.tsx';

const OUTCOME_COLORS = { failed: 'red', completed: 'green', running: 'amber' } as const;

/** A job's attempts, oldest first: start, end, duration and the error of each. */
export function AttemptsTable({ attempts }: { attempts: AttemptEntry[] }) {
  if (attempts.length === 0) return <p className="text-sm text-slate-500 dark:text-slate-400">No attempt has started yet.</p>;
  return (
    <Table testId="attempts" columns={['#', 'Started', 'Ended', 'Took', 'Outcome']}>
      {attempts.map((a) => (
        <tr key={`${a.attempt}-${a.startedAt}`} className="align-top">
          <td className="px-3 py-2 tabular-nums">{a.attempt}</td>
          <td className="px-3 py-2 whitespace-nowrap">{a.startedAt ? formatTime(a.startedAt) : '—'}</td>
          <td className="px-3 py-2 whitespace-nowrap">{a.endedAt ? formatTime(a.endedAt) : '—'}</td>
          <td className="px-3 py-2 tabular-nums whitespace-nowrap">{a.startedAt && a.endedAt ? formatDuration(a.endedAt - a.startedAt) : '—'}</td>
          <td className="px-3 py-2">
            <Badge color={OUTCOME_COLORS[a.outcome]}>{a.outcome}</Badge>
            {a.error && <span className="ml-2 text-red-700 wrap-anywhere dark:text-red-400">{a.error}</span>}
          </td>
        </tr>
      ))}
    </Table>
  );
}
