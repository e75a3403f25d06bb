import { jobDataSchemas } from '../../../shared/jobs.ts';
import type { QueueName } from '../../../shared/queues.ts';

export interface JobCheck {
  ok: boolean;
  /** Field path → messages; '(json)' for a syntax error. */
  errors: Record<string, string[]>;
  data?: unknown;
}

/** Parses the editor's JSON and checks it against the same zod schema the server uses. */
export function checkJobJson(queue: QueueName, text: string): JobCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: { '(json)': [`Not valid JSON: ${(err as Error).message}`] } };
  }
  const r = jobDataSchemas[queue].safeParse(value);
  if (r.success) return { ok: true, errors: {}, data: r.data };
  const errors: Record<string, string[]> = {};
  for (const issue of r.error.issues) (errors[issue.path.join('.') || '(root)'] ??= []).push(issue.message);
  return { ok: false, errors };
}
