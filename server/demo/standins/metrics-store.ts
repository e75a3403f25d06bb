import type { MetricName } from '../../../shared/metrics.ts';
import type { DailyMetricRow } from '../../domain/connectors/types.ts';
import { addDays, dayOf, lastDays, rngFor, type Rng } from './prng.ts';

export type DayValues<M extends MetricName> = Record<M, number>;

/** Daily metrics for `days` days up to now's day, each day drawn from its own seed; tests may overwrite days. */
export class MetricsStore<M extends MetricName> {
  private readonly byDay = new Map<string, DayValues<M>>();

  constructor(
    readonly platform: string,
    readonly metrics: readonly M[],
    generate: (rng: Rng, day: string) => DayValues<M>,
    now: number,
    days: number,
  ) {
    for (const day of lastDays(dayOf(now), days)) this.byDay.set(day, generate(rngFor(platform, day), day));
  }

  get(day: string): DayValues<M> | undefined {
    return this.byDay.get(day);
  }

  /** Overwrite (or create) a day's values. */
  setDay(day: string, values: Partial<DayValues<M>>): void {
    const current = this.byDay.get(day) ?? (Object.fromEntries(this.metrics.map((m) => [m, 0])) as DayValues<M>);
    this.byDay.set(day, { ...current, ...values });
  }

  /** The days with data in [start, end], oldest first. */
  range(start: string, end: string): [string, DayValues<M>][] {
    const out: [string, DayValues<M>][] = [];
    for (let d = start; d <= end; d = addDays(d, 1)) {
      const v = this.byDay.get(d);
      if (v) out.push([d, v]);
    }
    return out;
  }

  /** What a connector must return for [start, end]. */
  expectedMetrics(start: string, end: string): DailyMetricRow[] {
    return this.range(start, end).flatMap(([date, v]) => this.metrics.map((metric) => ({ date, metric, value: v[metric] })));
  }
}

/** Busier on weekdays, a slow drift over the weeks: curves that look like a business on a chart. */
export function seasonality(day: string): number {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  const week = dow === 0 || dow === 6 ? 0.75 : 1.05;
  return week * (1 + 0.15 * Math.sin(Date.parse(day) / (86_400_000 * 28)));
}
