/** One line of the result table: medians of each side, their ratio (ours/plain) against a target. */
export interface Row {
  scenario: string;
  unit: string;
  plain: number;
  ours: number;
  /** Whether a larger figure is better (throughput) or a smaller one (memory, latency). */
  better: 'higher' | 'lower';
  /** The design's bound on ours/plain; none for figures shown for information. */
  target?: number;
  digits?: number;
  error?: string;
}

const fmt = (x: number, digits = 0) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';

export function verdict(row: Row): string {
  if (row.error) return 'error';
  if (row.target === undefined) return 'info';
  const ratio = row.ours / row.plain;
  if (!Number.isFinite(ratio)) return '–';
  if (row.better === 'higher') return ratio >= row.target ? 'meets' : 'below target';
  return ratio <= row.target ? 'meets' : 'over target';
}

export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'plain', 'ours', 'ratio', 'target', 'verdict'];
  const lines = rows.map((r) => {
    if (r.error) return [r.scenario, '–', '–', '–', '–', `error: ${r.error.split('\n')[0].slice(0, 80)}`];
    const ratio = r.ours / r.plain;
    return [
      `${r.scenario} (${r.unit})`,
      fmt(r.plain, r.digits),
      fmt(r.ours, r.digits),
      Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–',
      r.target === undefined ? '–' : `${r.better === 'higher' ? '≥' : '≤'} ${r.target.toFixed(2)}×`,
      verdict(r),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const right = new Set([1, 2, 3]);
  const row = (cells: string[]) => `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [row(header), sep, ...lines.map(row)].join('\n');
}

export const num = fmt;
