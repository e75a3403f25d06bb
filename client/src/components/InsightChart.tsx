import { CartesianGrid, Line, LineChart, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatAmount, formatCompact, formatDay } from '../../../shared/insight-format.ts';
import type { InsightTone, InsightUnit } from '../../../shared/insights.ts';

const TONE_DOT: Record<InsightTone, string> = { good: '#059669', bad: '#dc2626', neutral: '#d97706' };
/** Axis lines and tick text in the box's text colour (slate-500 / dark slate-400), as in Charts.tsx: recharts fills tick text with the stroke. */
const axis = { stroke: 'currentColor', fontSize: 11 };
const shortDay = (d: string) => formatDay(d).replace(/^\w+ /, '');

/**
 * A metric's days over the insight's window, the day it is about marked (coloured by whether that
 * is good or bad news) and its typical level drawn across. An image named by `label` (the chart's
 * one-line summary); the numbers themselves are in the card's details.
 */
export function InsightChart({
  points,
  unit,
  currency,
  markDate,
  reference,
  referenceLabel,
  tone,
  label,
  tall = false,
}: {
  points: Array<{ date: string; value: number }>;
  unit: InsightUnit;
  currency: string | null;
  markDate: string | null;
  reference: number | null;
  referenceLabel: string;
  tone: InsightTone;
  label: string;
  tall?: boolean;
}) {
  const marked = markDate ? points.find((p) => p.date === markDate) : undefined;
  return (
    <div className={`mt-2 text-slate-500 dark:text-slate-400 ${tall ? 'h-40' : 'h-28'}`} role="img" aria-label={label} data-testid="insight-chart">
      <ResponsiveContainer>
        <LineChart data={points} accessibilityLayer={false} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} vertical={false} />
          <XAxis dataKey="date" tickFormatter={shortDay} {...axis} minTickGap={24} />
          <YAxis tickFormatter={(v: number) => formatCompact(v, unit, currency)} {...axis} width={52} />
          <Tooltip labelFormatter={(d) => formatDay(String(d))} formatter={(v) => (typeof v === 'number' ? formatAmount(v, unit, currency) : '—')} />
          {reference !== null && (
            <ReferenceLine
              y={reference}
              stroke="currentColor"
              strokeDasharray="4 3"
              label={{ value: referenceLabel, position: 'insideTopLeft', fontSize: 10, fill: 'currentColor' }}
            />
          )}
          <Line type="monotone" dataKey="value" name="Value" stroke="#6366f1" strokeWidth={1.75} dot={false} isAnimationActive={false} />
          {marked && <ReferenceDot x={marked.date} y={marked.value} r={5} fill={TONE_DOT[tone]} stroke="#fff" strokeWidth={1.5} />}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
