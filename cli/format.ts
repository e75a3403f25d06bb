import type { AllQueueStats, QueueStats } from '../shared/queues.ts';
import type { WorkerInfo } from '../shared/workers.ts';

/**
 * What the CLI prints, as pure functions of the server's answers (and `now`, for "3m ago"): plain
 * aligned tables for people, JSON for scripts. No I/O here.
 */

/** What the CLI reads of a failed job (the server's JobView has more). */
export interface FailedJobRow {
  id: string;
  name: string;
  attemptsMade: number;
  failedReason: string | null;
  timestamp: number;
  finishedOn: number | null;
}

/** What the CLI reads of a schedule (GET /api/schedules). */
export interface ScheduleRow {
  queue: string;
  name: string;
  pattern: string | null;
  every: number | null;
  tz: string | null;
  next: number | null;
  last: number | null;
  managed: { kind: string; owner: string } | null;
}

/** `--json`: the server's data, indented, one trailing newline. */
export function json(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** One line, at most `max` characters (a stack trace or a multi-line reason must not break the table). */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

const NUMERIC = /^-?[\d,.]+$/;

/**
 * Columns padded to their widest cell, two spaces apart. A column of numbers is right-aligned, unless `textColumns`
 * names it (ids are names that happen to be digits).
 */
export function table(headers: string[], rows: string[][], textColumns: readonly string[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = headers.map((h, i) => !textColumns.includes(h) && rows.length > 0 && rows.every((r) => NUMERIC.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** 90_000 → "1m 30s", 7_200_000 → "2h"; for ages and intervals, rounded to what a person reads. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** An epoch-ms time relative to now: "5m ago", "in 2h", "-" when absent. */
export function relative(time: number | null | undefined, now: number): string {
  if (time === null || time === undefined) return '-';
  const diff = time - now;
  if (Math.abs(diff) < 1000) return 'now';
  return diff < 0 ? `${duration(diff)} ago` : `in ${duration(diff)}`;
}

const STAT_COLUMNS = ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused'] as const satisfies ReadonlyArray<keyof QueueStats>;

/** `jobs stats`: one row per queue and a total. */
export function formatStats(stats: AllQueueStats): string {
  const row = (name: string, s: QueueStats) => [name, ...STAT_COLUMNS.map((k) => String(s[k]))];
  const rows = Object.entries(stats.queues).map(([name, s]) => row(name, s));
  return table(['QUEUE', ...STAT_COLUMNS.map((k) => k.toUpperCase())], [...rows, row('total', stats.totals)]);
}

/** `jobs failed <queue>`: newest first, as the server lists them, under a line saying which slice this is. */
export function formatFailed(queue: string, failedTotal: number, start: number, jobs: FailedJobRow[], now: number): string {
  if (jobs.length === 0) {
    return failedTotal === 0 ? `No failed jobs in ${queue}.\n` : `No failed jobs of ${queue} from position ${start} (${failedTotal} in all).\n`;
  }
  const head = `${queue}: failed jobs ${start + 1}–${start + jobs.length} of ${failedTotal}, newest first\n`;
  const rows = jobs.map((j) => [j.id, j.name, String(j.attemptsMade), relative(j.finishedOn ?? j.timestamp, now), oneLine(j.failedReason ?? '', 80)]);
  return head + table(['ID', 'NAME', 'ATTEMPTS', 'FAILED', 'REASON'], rows, ['ID']);
}

/** A schedule's rule: its cron pattern, or "every 5m". */
export function scheduleRule(s: Pick<ScheduleRow, 'pattern' | 'every'>): string {
  if (s.pattern) return s.pattern;
  if (s.every) return `every ${duration(s.every)}`;
  return '-';
}

/** `jobs schedules`. */
export function formatSchedules(schedules: ScheduleRow[], now: number): string {
  if (schedules.length === 0) return 'No schedules.\n';
  const rows = schedules.map((s) => [
    s.queue,
    s.name,
    scheduleRule(s),
    s.tz ?? '-',
    relative(s.next, now),
    relative(s.last, now),
    s.managed ? oneLine(s.managed.owner, 60) : 'custom',
  ]);
  return table(['QUEUE', 'NAME', 'SCHEDULE', 'TZ', 'NEXT', 'LAST', 'OWNER'], rows);
}

/** 52_428_800 → "50 MB". */
export function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** `jobs workers`: live ones first, as the server orders them; each queue as `name active/concurrency`. */
export function formatWorkers(workers: WorkerInfo[]): string {
  if (workers.length === 0) return 'No worker processes seen within the hour.\n';
  const rows = workers.map((w) => [
    w.name,
    w.status,
    w.host,
    String(w.pid),
    `${duration(w.lastSeenAgoMs)} ago`,
    megabytes(w.rssBytes),
    w.version,
    w.queues.map((q) => `${q.queue} ${q.active}/${q.concurrency}`).join(', ') || '-',
  ]);
  return table(['NAME', 'STATUS', 'HOST', 'PID', 'LAST SEEN', 'MEMORY', 'VERSION', 'QUEUES (ACTIVE/CONCURRENCY)'], rows, ['PID', 'VERSION']);
}

/** "1 job", "3 jobs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
