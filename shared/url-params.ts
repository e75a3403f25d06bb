import { z } from 'zod';
import { alertsListInputSchema, outboxListInputSchema } from './console-api.ts';

/**
 * Query-string values of the console's views that no other shared schema reads from text. Filters
 * reuse the API's own enums, so a link can only pick what the server accepts.
 */

/** A 1-based page number as the URL spells it; up to the job lists' limit, the largest any list takes. */
export const pageParamSchema = z.coerce.number().int().min(1).max(1_000_000);

/** Free text (a search, an id): any value. */
export const textParamSchema = z.string();

export const alertSeveritySchema = alertsListInputSchema.shape.severity.unwrap();
export const outboxStatusSchema = outboxListInputSchema.shape.status.unwrap();
