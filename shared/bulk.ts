import { z } from 'zod';
import { JOB_STATES, queueNameSchema, type JobStateName } from './queues.ts';

/** Acting on every job a filter matches (the queue page's "Retry all N matching", the Failures page's groups). */

export const BULK_ACTIONS = ['retry', 'remove', 'promote'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The states each action applies to: a retry takes failed jobs, a promote delayed ones; active jobs are a worker's. */
export const BULK_ACTION_STATES: Record<BulkAction, readonly JobStateName[]> = {
  retry: ['failed'],
  promote: ['delayed'],
  remove: ['failed', 'completed', 'delayed', 'waiting', 'paused'],
};

export function bulkActionsFor(state: JobStateName): BulkAction[] {
  return BULK_ACTIONS.filter((a) => BULK_ACTION_STATES[a].includes(state));
}

export const bulkFilterSchema = z.object({
  queue: queueNameSchema,
  state: z.enum(JOB_STATES),
  /** The queue page's search text: id, name and data, as its search matches. */
  search: z.string().trim().min(1).max(200).optional(),
  /** An error group's fingerprint (the Failures page): its failed jobs. */
  group: z.string().min(1).max(200).optional(),
});
export type BulkFilter = z.infer<typeof bulkFilterSchema>;

export const bulkStartInputSchema = z.object({ filter: bulkFilterSchema, action: z.enum(BULK_ACTIONS) });
export const bulkIdInputSchema = z.object({ id: z.string().uuid() });

export const bulkPreviewSchema = z.object({
  /** Jobs the filter matches now (what the confirmation names). */
  count: z.number().int().min(0),
  /** False when a search stopped at its reading limit: `count` is then "at least". */
  complete: z.boolean(),
});
export type BulkPreview = z.infer<typeof bulkPreviewSchema>;

export const BULK_PHASES = ['collecting', 'running', 'done', 'cancelled', 'failed'] as const;
export type BulkPhase = (typeof BULK_PHASES)[number];

export const bulkStatusSchema = z.object({
  id: z.string(),
  filter: bulkFilterSchema,
  action: z.enum(BULK_ACTIONS),
  phase: z.enum(BULK_PHASES),
  /** Jobs matched (known once collected; 0 while collecting). */
  total: z.number().int().min(0),
  /** Jobs gone through (acted on or skipped). */
  processed: z.number().int().min(0),
  /** Jobs acted on. */
  done: z.number().int().min(0),
  /** Jobs that no longer matched when their batch ran (retried, removed or moved meanwhile). */
  skipped: z.number().int().min(0),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  user: z.string(),
  error: z.string().nullable(),
});
export type BulkStatus = z.infer<typeof bulkStatusSchema>;
