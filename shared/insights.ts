import { z } from 'zod';
import { insightPeriodSchema } from './jobs.ts';
import { METRIC_NAMES } from './metrics.ts';

/**
 * What `insights.get` answers: the stored insights (every field they always had, kept for older
 * readers) plus, per insight, a plain-language summary, its unit, the day it is about, what it is
 * compared with, its impact and the statistics behind it; and per stored set the currency and the
 * daily series the charts draw. The console reads this; the server's rules write the stored part.
 */

export const insightTypeSchema = z.enum(['total_change', 'trend', 'anomaly', 'best_day', 'worst_day', 'roas']);
export const insightSeveritySchema = z.enum(['info', 'positive', 'warning', 'critical']);
export const metricNameSchema = z.enum(METRIC_NAMES);
/** money: an amount in the organization's currency; count: orders, sessions…; ratio: ROAS. */
export const insightUnitSchema = z.enum(['money', 'count', 'ratio']);
export type InsightUnit = z.infer<typeof insightUnitSchema>;
/** Whether the finding is good or bad for the business (colours follow it), or neither. */
export const insightToneSchema = z.enum(['good', 'bad', 'neutral']);
export type InsightTone = z.infer<typeof insightToneSchema>;

export const dailyPointSchema = z.object({ date: z.string(), value: z.number() });

/** One insight as stored (unchanged since before the view fields). */
export const storedInsightSchema = z.object({
  type: insightTypeSchema,
  severity: insightSeveritySchema,
  metric: metricNameSchema.optional(),
  headline: z.string(),
  detail: z.string(),
  numbers: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
});

export const insightStatisticSchema = z.object({ label: z.string(), value: z.string() });
export type InsightStatistic = z.infer<typeof insightStatisticSchema>;

export const insightViewSchema = storedInsightSchema.extend({
  /** The headline a business reader reads: "Revenue on Tue 24 Nov was 62% below a typical day ($1,240 vs about $3,300)". */
  summary: z.string(),
  unit: insightUnitSchema,
  /** The day the insight is about (marked on its chart); null for a whole-period finding. */
  date: z.string().nullable(),
  /** The value it is about (the day's, the period's total, the ROAS). */
  value: z.number().nullable(),
  /** What that value is compared with (a typical day, the previous period…), same unit; null when nothing. */
  typical: z.number().nullable(),
  /** A daily level to draw across its chart (the typical day, the previous period's daily average); null for none. */
  reference: z.number().nullable(),
  tone: insightToneSchema,
  impact: z.object({
    /** How far from typical, in the metric's unit (money for money metrics); null when not measurable. */
    amount: z.number().nullable(),
    /** How far from typical as a fraction (0.62 = 62%); null when the typical value is 0 or absent. */
    relative: z.number().nullable(),
    /** 1 for the insight that matters most (the order of `insights`). */
    rank: z.number().int().min(1),
  }),
  /** The numbers behind it, labelled for people (the "details"). */
  statistics: z.array(insightStatisticSchema),
});
export type InsightView = z.infer<typeof insightViewSchema>;

export const currencyShareSchema = z.object({ currency: z.string(), share: z.number() });

export const insightsViewSchema = z.object({
  organizationId: z.string(),
  period: insightPeriodSchema,
  windowStart: z.string(),
  windowEnd: z.string(),
  /** Most impact first (impact.rank). */
  insights: z.array(insightViewSchema),
  narrative: z.string().nullable(),
  generatedAt: z.string(),
  /** ISO 4217 code money is shown in: the currency of most of the organization's sales; null when none is known. */
  currency: z.string().nullable(),
  /** Every currency seen in the organization's sales with its share of the amounts (more than one: they are added as they are). */
  currencies: z.array(currencyShareSchema),
  /** The window's daily values of each metric an insight is about, oldest first (the charts). */
  series: z.partialRecord(metricNameSchema, z.array(dailyPointSchema)),
});
export type InsightsView = z.infer<typeof insightsViewSchema>;
