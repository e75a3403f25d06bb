import { useMemo, useRef, useState, type FormEvent } from 'react';
import type { QueueName } from '../../../shared/queues.ts';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { checkJobJson } from '../lib/validate-job.ts';
import { navigate } from '../router/router.tsx';
import { fieldErrorsOf, useTRPC } from '../trpc.ts';
import { Button, Card, Field, inputClass } from './ui.tsx';

/**
 * "Edit data and retry" on a failed job: its data in a JSON editor, checked as you type against the queue's
 * shared zod schema (the server checks again); submitting adds a new job with the fixed data, linked to this one,
 * and keeps or removes the original as chosen.
 */
export function EditRetryPanel({ queue, id, data, onClose }: { queue: QueueName; id: string; data: unknown; onClose: () => void }) {
  const trpc = useTRPC();
  const [text, setText] = useState(() => JSON.stringify(data, null, 2));
  const [removeOriginal, setRemoveOriginal] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string[]>>({});
  // Set at once, unlike isPending: a double click would otherwise add two jobs.
  const submitting = useRef(false);
  const check = useMemo(() => checkJobJson(queue, text), [queue, text]);
  const unchanged = useMemo(() => check.ok && JSON.stringify(check.data) === JSON.stringify(data), [check, data]);
  const errors = { ...check.errors, ...serverErrors };
  const retry = useActionMutation(
    trpc.jobs.editRetry.mutationOptions({
      onSuccess: (r) => navigate(`/queues/${queue}/jobs/${encodeURIComponent(r.newJobId)}`),
      onError: (err) => {
        const fields = fieldErrorsOf(err);
        if (fields) setServerErrors(fields);
      },
      onSettled: () => {
        submitting.current = false;
      },
    }),
    {
      success: (r) => `Added job ${r.newJobId} with the edited data${r.removedOriginal ? `; job ${r.originalId} removed` : ''}`,
      invalidates: jobChanges(trpc),
    },
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    if (submitting.current || !check.ok) return;
    submitting.current = true;
    setServerErrors({});
    retry.mutate({ queue, id, data: check.data, removeOriginal });
  }

  return (
    <Card title="Edit data and retry">
      <form className="space-y-3" onSubmit={submit} aria-label="Edit data and retry">
        <Field label="Job data (JSON)" hint={`Checked against the ${queue} schema as you type; the server checks it again.`}>
          {(field) => (
            <textarea
              {...field}
              className={`${inputClass} h-64 font-mono text-xs`}
              name="data"
              spellCheck={false}
              value={text}
              aria-invalid={!check.ok}
              onChange={(e) => {
                setText(e.target.value);
                setServerErrors({});
              }}
            />
          )}
        </Field>
        {Object.keys(errors).length > 0 ? (
          <ul className="space-y-1 text-sm text-red-600 dark:text-red-400" data-testid="edit-errors">
            {Object.entries(errors).map(([field, msgs]) => (
              <li key={field} role="alert">
                <span className="font-mono font-semibold">{field}</span>: {msgs.join(', ')}
              </li>
            ))}
          </ul>
        ) : (
          unchanged && <p className="text-sm text-slate-500 dark:text-slate-400">The data is unchanged: this is a plain retry as a new job.</p>
        )}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="removeOriginal" checked={removeOriginal} onChange={(e) => setRemoveOriginal(e.target.checked)} />
          Remove the failed original once the new job is added (otherwise it stays, linked to the new one)
        </label>
        <div className="flex gap-2">
          <Button type="submit" variant="primary" disabled={!check.ok || retry.isPending}>
            Add as new job
          </Button>
          <Button onClick={onClose} disabled={retry.isPending}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
