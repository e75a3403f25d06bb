import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { QUEUE_NAMES, queueNameSchema, type QueueName } from '../../../shared/queues.ts';
import { Button, Card, Field, inputClass } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { liveExample } from '../lib/live-examples.ts';
import { checkJobJson } from '../lib/validate-job.ts';
import { Link, useSearchParam } from '../router/router.tsx';
import { fieldErrorsOf, useTRPC } from '../trpc.ts';

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** Add a job: the JSON is checked as you type against the queue's shared zod schema, field by field. */
export function AddJobPage() {
  const trpc = useTRPC();
  const [queue, setQueueParam] = useSearchParam('queue', queueNameSchema, 'data-sync');
  // The example names a real organization and integration once they are known (lib/live-examples.ts).
  const orgs = useQuery(trpc.orgs.list.queryOptions(undefined, { staleTime: 30_000 }));
  const example = useMemo(() => liveExample(queue, orgs.data), [queue, orgs.data]);
  const [text, setText] = useState(() => pretty(example.data));
  // Typed-in data is the user's: a late organization list must not replace it.
  const edited = useRef(false);
  useEffect(() => {
    if (!edited.current) setText(pretty(example.data));
  }, [example]);
  const [delay, setDelay] = useState('');
  const [priority, setPriority] = useState('');
  const [attempts, setAttempts] = useState('');
  const [serverErrors, setServerErrors] = useState<Record<string, string[]>>({});
  const [added, setAdded] = useState<{ id: string; queue: string }>();
  // Set at once, unlike add.isPending: a double click submits twice before React disables the button.
  const submitting = useRef(false);
  const add = useActionMutation(
    trpc.jobs.add.mutationOptions({
      onSuccess: (job, v) => setAdded({ id: job.id, queue: v.queue }),
      onError: (err) => {
        const fields = fieldErrorsOf(err);
        if (fields) setServerErrors(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.replace(/^data\./, ''), v])));
      },
      onSettled: () => {
        submitting.current = false;
      },
    }),
    { success: (job, v) => `Job ${job.id} added to ${v.queue}`, invalidates: jobChanges(trpc) },
  );

  const check = useMemo(() => checkJobJson(queue, text), [queue, text]);
  const optErrors: Record<string, string> = {};
  const num = (label: string, v: string, min: number) => {
    if (v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) optErrors[label] = `must be a whole number ≥ ${min}`;
    return n;
  };
  const opts = { delay: num('delay', delay, 0), priority: num('priority', priority, 0), attempts: num('attempts', attempts, 1) };
  const errors = { ...check.errors, ...serverErrors };

  function submit(e: FormEvent) {
    e.preventDefault();
    if (submitting.current || !check.ok || Object.keys(optErrors).length) return;
    submitting.current = true;
    setServerErrors({});
    const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    add.mutate({ queue, data: JSON.parse(text), opts: Object.keys(clean).length ? clean : undefined });
  }

  return (
    <div className="max-w-3xl space-y-4">
      <h1 className="text-2xl font-semibold">Add a job</h1>
      <Card>
        <form className="space-y-4" onSubmit={submit} aria-label="Add job">
          <Field label="Queue">
            {(field) => (
              <select
                {...field}
                className={inputClass}
                name="queue"
                value={queue}
                onChange={(e) => {
                  const q = e.target.value as QueueName;
                  setQueueParam(q, { replace: true });
                  edited.current = false;
                  setText(pretty(liveExample(q, orgs.data).data));
                  setServerErrors({});
                  setAdded(undefined);
                }}
              >
                {QUEUE_NAMES.map((q) => (
                  <option key={q}>{q}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Data (JSON)" hint="Checked against the queue's schema as you type; the server checks it again.">
            {(field) => (
              <textarea
                {...field}
                className={`${inputClass} h-64 font-mono text-xs`}
                name="data"
                spellCheck={false}
                value={text}
                onChange={(e) => {
                  edited.current = true;
                  setText(e.target.value);
                  setServerErrors({});
                }}
                aria-invalid={!check.ok}
              />
            )}
          </Field>
          {example.note && text === pretty(example.data) && (
            <p className="text-sm text-amber-800 dark:text-amber-300" data-testid="example-note">
              {example.note}
            </p>
          )}
          {Object.keys(errors).length > 0 && (
            <ul className="space-y-1 text-sm text-red-600 dark:text-red-400" data-testid="field-errors">
              {Object.entries(errors).map(([field, msgs]) => (
                <li key={field} role="alert">
                  <span className="font-mono font-semibold">{field}</span>: {msgs.join(', ')}
                </li>
              ))}
            </ul>
          )}
          <div className="grid grid-cols-3 gap-3">
            <Field label="Delay (ms)" error={optErrors.delay}>
              {(field) => (
                <input
                  {...field}
                  className={inputClass}
                  name="delay"
                  inputMode="numeric"
                  value={delay}
                  onChange={(e) => setDelay(e.target.value)}
                  placeholder="0"
                />
              )}
            </Field>
            <Field label="Priority" error={optErrors.priority} hint="1 is the highest">
              {(field) => (
                <input
                  {...field}
                  className={inputClass}
                  name="priority"
                  inputMode="numeric"
                  value={priority}
                  onChange={(e) => setPriority(e.target.value)}
                  placeholder="none"
                />
              )}
            </Field>
            <Field label="Attempts" error={optErrors.attempts}>
              {(field) => (
                <input
                  {...field}
                  className={inputClass}
                  name="attempts"
                  inputMode="numeric"
                  value={attempts}
                  onChange={(e) => setAttempts(e.target.value)}
                  placeholder="3"
                />
              )}
            </Field>
          </div>
          <div className="flex items-center gap-3">
            <Button type="submit" variant="primary" disabled={add.isPending || !check.ok || Object.keys(optErrors).length > 0}>
              Add job
            </Button>
            {added && (
              <Link
                to={`/queues/${added.queue}/jobs/${encodeURIComponent(added.id)}`}
                className="text-sm text-indigo-700 underline dark:text-indigo-300"
                data-testid="added-job-link"
              >
                Open job {added.id}
              </Link>
            )}
          </div>
        </form>
      </Card>
    </div>
  );
}
