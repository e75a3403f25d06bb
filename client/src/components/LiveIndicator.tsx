import { useEffect, useState } from 'react';
import type { LiveMode } from '../hooks/useLiveOverview.ts';

/** "Live" with a pulse while the stream flows; "Polling" on the fallback; the time of the last update. */
export function LiveIndicator({ mode, updatedAt }: { mode: LiveMode; updatedAt?: number }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  const stale = updatedAt ? Date.now() - updatedAt > 10_000 : true;
  const label = mode === 'live' && !stale ? 'Live' : mode === 'polling' ? 'Polling' : stale && updatedAt ? 'Stale' : 'Connecting';
  const dot = label === 'Live' ? 'bg-emerald-500 animate-pulse' : label === 'Polling' ? 'bg-amber-500' : 'bg-slate-400';
  return (
    <span className="inline-flex items-center gap-2 text-xs text-slate-600 dark:text-slate-300" data-testid="live-indicator" data-mode={label.toLowerCase()}>
      <span className={`h-2 w-2 rounded-full ${dot}`} aria-hidden />
      <span>{label}</span>
      {updatedAt && <span className="text-slate-500 dark:text-slate-400">· updated {new Date(updatedAt).toLocaleTimeString()}</span>}
    </span>
  );
}
