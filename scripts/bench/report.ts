/** One line of the result table: medians of each side, their ratio (ours/plain) against a target. */
export interface Row {
  scenario: string;
  unit: string;
  /** NaN when the scenario has no plain side (scale-out): shown as –. */
  plain: number;
  ours: number;
  /** Whether a larger figure is better (throughput) or a smaller one (memory, latency). */
  better: 'higher' | 'lower';
  /** The design's bound; none for figures shown for information. */
  target?: number;
  /** What the target bounds: ours/plain (default), ours − plain (latency), or ours alone (a stall in ms). */
  targetKind?: 'ratio' | 'delta' | 'abs';
  digits?: number;
  /**
   * The median of the rounds' own ours/plain ratios, when the scenario pairs its runs (each round runs both
   * sides back to back): a machine whose speed drifts during the run moves both sides of a pair alike, so this
   * is steadier than the ratio of the two medians, and it is the ratio shown and judged.
   */
  pairedRatio?: number;
  /** A short remark shown in the table's last column (how many jobs, CPU shares…). */
  note?: string;
  error?: string;
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');

/** The figure the target bounds: the ratio, the difference, or ours itself. */
function measured(row: Row): number {
  if (row.targetKind === 'delta') return row.ours - row.plain;
  if (row.targetKind === 'abs') return row.ours;
  return ratioOf(row);
}

const ratioOf = (row: Row): number => row.pairedRatio ?? row.ours / row.plain;

export function verdict(row: Row): string {
  if (row.error) return 'error';
  if (row.target === undefined) return 'info';
  const m = measured(row);
  if (!Number.isFinite(m)) return '–';
  if (row.better === 'higher') return m >= row.target ? 'meets' : 'below target';
  return m <= row.target ? 'meets' : 'over target';
}

function targetText(r: Row): string {
  if (r.target === undefined) return '–';
  const sign = r.better === 'higher' ? '≥' : '≤';
  if (r.targetKind === 'delta') return `${sign} plain + ${fmt(r.target, r.digits ?? 1)} ${r.unit}`;
  if (r.targetKind === 'abs') return `${sign} ${fmt(r.target)} ${r.unit}`;
  return `${sign} ${r.target.toFixed(2)}×`;
}

export function formatTable(rows: Row[]): string {
  const withNotes = rows.some((r) => r.note);
  const header = ['scenario', 'plain', 'ours', 'ratio', 'target', 'verdict', ...(withNotes ? ['note'] : [])];
  const lines = rows.map((r) => {
    if (r.error) return [r.scenario, '–', '–', '–', '–', `error: ${r.error.split('\n')[0].slice(0, 80)}`, ...(withNotes ? [''] : [])];
    const ratio = ratioOf(r);
    return [
      `${r.scenario} (${r.unit})`,
      fmt(r.plain, r.digits),
      fmt(r.ours, r.digits),
      Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–',
      targetText(r),
      verdict(r),
      ...(withNotes ? [r.note ?? ''] : []),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const right = new Set([1, 2, 3]);
  const row = (cells: string[]) => `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [row(header), sep, ...lines.map(row)].join('\n');
}

/** The table as data (`--json`): NaN becomes null, and each row carries its ratio, target text and verdict. */
export function tableJson(rows: Row[], meta: Record<string, unknown>): string {
  const n = (x: number) => (Number.isFinite(x) ? x : null);
  return JSON.stringify({
    ...meta,
    rows: rows.map((r) => ({
      scenario: r.scenario,
      unit: r.unit,
      plain: n(r.plain),
      ours: n(r.ours),
      ratio: n(ratioOf(r)),
      ratioKind: r.pairedRatio === undefined ? 'medians' : 'paired',
      better: r.better,
      target: r.target ?? null,
      targetKind: r.target === undefined ? null : (r.targetKind ?? 'ratio'),
      targetText: r.target === undefined ? null : targetText(r),
      verdict: verdict(r),
      note: r.note ?? null,
      error: r.error ?? null,
    })),
  });
}

export const num = fmt;
