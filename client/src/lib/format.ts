/** Formatting for tables and cards. Pure: unit-tested. */

export function formatNumber(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "5 s ago", "3 min ago", "in 2 h" relative to now. */
export function formatRelative(at: number | null | undefined, now = Date.now()): string {
  if (!at) return '—';
  const diff = at - now;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 5_000) return diff > 0 ? 'in a moment' : 'just now';
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 48 * 3_600_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

export function formatTime(at: number | null | undefined): string {
  if (!at) return '—';
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Failure rate of finished jobs, as a percentage string. */
export function failureRate(completed: number, failed: number): string {
  const total = completed + failed;
  if (total === 0) return '—';
  const pct = (failed / total) * 100;
  return `${pct < 1 && pct > 0 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** The few fields of a job's data worth a table column, e.g. "shopify · 456". */
export function keyData(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as Record<string, unknown>;
  const keys = ['platform', 'organizationId', 'integrationId', 'period', 'template', 'to', 'alertType', 'severity', 'reportType', 'eventType'];
  return keys
    .filter((k) => d[k] !== undefined && d[k] !== null && d[k] !== '')
    .slice(0, 3)
    .map((k) => (Array.isArray(d[k]) ? (d[k] as unknown[]).join(', ') : String(d[k])))
    .join(' · ');
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** "1 job", "3 jobs", "2 entries" (with thousands separators). */
export function plural(n: number, one: string, many: string): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** A number behind an insight: at most two decimals, no float noise (5754.459999… → 5,754.46). */
export function formatMetricNumber(n: number): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: Math.abs(n) < 1 && n !== 0 ? 4 : 2 }).format(n);
}
