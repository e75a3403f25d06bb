import { z } from 'zod';
import { JOB_STATES, queueNameSchema } from './queues.ts';

/** A job's history beyond its own hash: the attempts it made, the jobs it was edited into or from, exports. */

/** One attempt in a job's timeline: when it ran, how it ended. `endedAt` null while it runs. */
export interface AttemptEntry {
  /** 1 for the first attempt. */
  attempt: number;
  startedAt: number | null;
  endedAt: number | null;
  outcome: 'failed' | 'completed' | 'running';
  /** The error message of a failed attempt. */
  error?: string;
}

/** The jobs an edit-and-retry linked this one to (both directions). */
export interface JobLinks {
  /** This job's data was edited and submitted again as that job. */
  retriedAs?: string;
  /** This job was made from that job's edited data. */
  editedFrom?: string;
}

/** "Edit data and retry" on a failed job: the fixed data, and whether the original stays. */
export const editRetryInputSchema = z.object({
  queue: queueNameSchema,
  id: z.string().min(1).max(256),
  /** Checked against the queue's own schema by the server (and, as you type, by the console). */
  data: z.unknown(),
  /** Remove the failed original once the new job exists (default: keep it). */
  removeOriginal: z.boolean().default(false),
});
export type EditRetryInput = z.input<typeof editRetryInputSchema>;

/** One changed path of an edit, as the audit log keeps it (values abbreviated). */
export interface DataChange {
  path: string;
  op: 'added' | 'removed' | 'changed';
  from?: string;
  to?: string;
}

export interface EditRetryResult {
  newJobId: string;
  originalId: string;
  removedOriginal: boolean;
  changes: DataChange[];
}

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_DEFAULT_LIMIT = 10_000;
export const EXPORT_MAX_LIMIT = 100_000;
/** The columns of an export, in order (CSV header; NDJSON keys). */
export const EXPORT_COLUMNS = ['id', 'name', 'data', 'attempts', 'timestamp', 'processedOn', 'finishedOn', 'failedReason'] as const;

/** GET /api/jobs/:queue/export's query string. */
export const exportQuerySchema = z.object({
  state: z.enum(JOB_STATES).default('failed'),
  format: z.enum(EXPORT_FORMATS).default('ndjson'),
  limit: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(EXPORT_MAX_LIMIT, `must be at most ${EXPORT_MAX_LIMIT}`)
      .default(EXPORT_DEFAULT_LIMIT),
  ),
  /** Text search over ids, names and data, as the queue page's search. */
  q: z.string().trim().max(200).optional(),
  /** An error group's fingerprint (the Failures page): its jobs still failed, whatever `state` says. */
  group: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'must be a group fingerprint (16 hex characters)')
    .optional(),
});
export type ExportQuery = z.infer<typeof exportQuerySchema>;

/** The REST URL of an export (the console links to it; the session cookie authenticates the download). */
export function exportUrl(queue: string, q: { state: string; format: ExportFormat; limit?: number; search?: string; group?: string }): string {
  const params = new URLSearchParams({ state: q.state, format: q.format });
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  if (q.search?.trim()) params.set('q', q.search.trim());
  if (q.group) params.set('group', q.group);
  return `/api/jobs/${encodeURIComponent(queue)}/export?${params}`;
}
