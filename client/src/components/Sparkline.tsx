/**
 * A tiny bar sparkline in plain SVG (no charts library in the Failures page's chunk). Named for screen readers by
 * `label`; the bars themselves are decoration.
 */
export function Sparkline({ values, label, width = 96, height = 24 }: { values: number[]; label: string; width?: number; height?: number }) {
  const max = Math.max(1, ...values);
  const bar = width / Math.max(1, values.length);
  return (
    <svg role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`} className="text-red-500 dark:text-red-400">
      <title>{label}</title>
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} className="stroke-slate-300 dark:stroke-slate-600" strokeWidth={1} />
      {values.map((v, i) => {
        const h = v === 0 ? 0 : Math.max(1.5, (v / max) * (height - 1));
        // biome-ignore lint/suspicious/noArrayIndexKey: a fixed series of hourly buckets; the position is the hour.
        return <rect key={i} x={i * bar + 0.5} y={height - 1 - h} width={Math.max(1, bar - 1)} height={h} fill="currentColor" />;
      })}
    </svg>
  );
}

/** "3 failures in the last 24 hours, most 2 in one hour": the sparkline's accessible name. */
export function sparklineLabel(values: number[]): string {
  const total = values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...values);
  return `${total} ${total === 1 ? 'failure' : 'failures'} in the last 24 hours${total > 0 ? `, at most ${peak} in one hour` : ''}`;
}
