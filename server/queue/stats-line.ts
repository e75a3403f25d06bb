import type { AllQueueStats, QueueStats } from '../../shared/queues.ts';

const short = (s: QueueStats) => `w${s.waiting} a${s.active} c${s.completed} f${s.failed} d${s.delayed}${s.paused ? ` p${s.paused}` : ''}`;

/** One line for the worker's periodic summary: `totals w… a… | data-sync w… …` (w=waiting a=active c=completed f=failed d=delayed p=paused). */
export function formatStatsLine(all: AllQueueStats): string {
  const queues = Object.entries(all.queues).map(([name, s]) => `${name} ${short(s)}`);
  return `Queue stats: totals ${short(all.totals)} | ${queues.join(' | ')}`;
}
