import type { MetricRange, Percentiles, QueueLatency } from '../../../shared/api.ts';
import { formatSeconds, percentileDetail, rangePhrase } from '../lib/latency-format.ts';

const KINDS = [
  ['wait', 'wait p95', 'From ready to started'],
  ['processing', 'processing p95', 'Time in the processor, per attempt'],
] as const;

/**
 * A queue card's wait and processing p95, with p50/p99 in small print (and the whole set in a tooltip).
 * `latency` undefined: still loading, or `failed` when the read failed.
 */
export function QueueLatencyStats({ latency, range = '1h', failed = false }: { latency?: QueueLatency; range?: MetricRange; failed?: boolean }) {
  return (
    <dl className="mt-3 grid grid-cols-2 gap-x-3 border-t border-slate-100 pt-2 text-sm dark:border-slate-800" data-testid="queue-latency">
      {KINDS.map(([kind, label, meaning]) => {
        const p = latency?.[kind];
        return (
          <div key={kind} className="min-w-0" title={p ? tooltip(meaning, p, range) : meaning}>
            <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
            <dd className="font-medium tabular-nums" data-testid={`latency-${kind}-p95`}>
              {p ? formatSeconds(p.p95) : failed ? '—' : '…'}
            </dd>
            <dd className="text-[11px] text-slate-500 tabular-nums dark:text-slate-400" data-testid={`latency-${kind}-detail`}>
              {p ? percentileDetail(p, range) : failed ? 'latency unavailable' : `over ${rangePhrase(range)}`}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function tooltip(meaning: string, p: Percentiles, range: MetricRange): string {
  if (p.count === 0) return `${meaning}: no jobs in ${rangePhrase(range)}`;
  return `${meaning}, over ${rangePhrase(range)} (${p.count.toLocaleString('en-US')} jobs): p50 ${formatSeconds(p.p50)}, p95 ${formatSeconds(p.p95)}, p99 ${formatSeconds(p.p99)}`;
}
