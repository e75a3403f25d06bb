import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { isQueueName, type QueueName } from '../../../shared/queues.ts';
import { AttemptsTable } from '../components/AttemptsTable.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { EditRetryPanel } from '../components/EditRetryPanel.tsx';
import { JsonView } from '../components/JsonView.tsx';
import { Badge, Button, Card, ErrorBox, STATE_COLORS, ScrollBox, Skeleton } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatDuration, formatTime } from '../lib/format.ts';
import { Link, navigate } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';
import { NotFoundPage } from './NotFoundPage.tsx';

export function JobPage({ queue, id }: { queue: string; id: string }) {
  if (!isQueueName(queue)) return <NotFoundPage what={`Queue "${queue}"`} />;
  return <JobView queue={queue} id={id} />;
}

/** The job-list tab that lists a job in this state (a paused queue lists its waiting jobs under paused). */
function tabFor(state: string, queuePaused: boolean): string {
  if (state === 'wait' || state === 'waiting' || state === 'prioritized') return queuePaused ? 'paused' : 'waiting';
  return state;
}

function JobView({ queue, id }: { queue: QueueName; id: string }) {
  const trpc = useTRPC();
  const { can } = useAuth();
  const q = useQuery(trpc.jobs.get.queryOptions({ queue, id }, { refetchInterval: 2000, retry: false }));
  const invalidates = jobChanges(trpc);
  const retry = useActionMutation(trpc.jobs.retry.mutationOptions(), {
    success: (r) => (r.done.length ? 'Job queued for retry' : `Not retried: ${r.failed[0]?.error}`),
    invalidates,
  });
  const promote = useActionMutation(trpc.jobs.promote.mutationOptions(), { success: () => 'Job promoted', invalidates });
  const remove = useActionMutation(
    trpc.jobs.remove.mutationOptions({
      // Leaves before the refetch, which would only find the job gone.
      onSuccess: (r) => {
        if (r.done.length) navigate(`/queues/${queue}`);
      },
    }),
    { success: (r) => (r.done.length ? 'Job removed' : `Not removed: ${r.failed[0]?.error}`), invalidates },
  );
  const busy = retry.isPending || promote.isPending || remove.isPending;
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [editing, setEditing] = useState(false);

  if (q.error) {
    return (
      <div className="space-y-3">
        <Link to={`/queues/${queue}`} className="text-sm text-indigo-700 dark:text-indigo-300">
          ← {queue}
        </Link>
        <ErrorBox error={q.error} />
      </div>
    );
  }
  if (!q.data) return <Skeleton className="h-96" />;
  const job = q.data;
  const progress = typeof job.progress === 'number' ? Math.max(0, Math.min(100, job.progress)) : null;
  const timeline: Array<[string, number | null]> = [
    ['Created', job.timestamp],
    ['Started', job.processedOn],
    [job.state === 'failed' ? 'Failed' : 'Finished', job.finishedOn],
    [job.attemptsMade > 0 ? 'Next retry' : 'Runs at', job.nextRunAt],
  ];

  return (
    <div className="space-y-4">
      <Link to={`/queues/${queue}?tab=${tabFor(job.state, job.queuePaused)}`} className="text-sm text-indigo-700 dark:text-indigo-300">
        ← {queue}
      </Link>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="break-all font-mono text-xl font-semibold">{job.id}</h1>
        <Badge color={STATE_COLORS[job.state] ?? 'gray'}>{job.state}</Badge>
        <span className="min-w-0 text-sm text-slate-500 wrap-anywhere dark:text-slate-400">{job.name}</span>
        {can('operator') && (
          // scroll-margin: tabbing back up to these buttons stops below the sticky header, not under it.
          <div className="ml-auto flex gap-2 [&_button]:scroll-mt-20" data-testid="job-actions">
            {job.state === 'failed' && (
              <Button variant="primary" disabled={busy} onClick={() => retry.mutate({ queue, ids: [id] })}>
                Retry
              </Button>
            )}
            {job.state === 'failed' && (
              <Button disabled={busy || editing} onClick={() => setEditing(true)}>
                Edit data and retry
              </Button>
            )}
            {job.state === 'delayed' && (
              <Button disabled={busy} onClick={() => promote.mutate({ queue, ids: [id] })}>
                Run now
              </Button>
            )}
            {can('admin') && job.state !== 'active' && (
              <Button
                variant="danger"
                disabled={busy}
                onClick={() =>
                  setConfirm({
                    title: 'Remove this job?',
                    danger: true,
                    body: `Job ${job.id} (${job.state}) is deleted with its data and logs.`,
                    confirmLabel: 'Remove',
                    onConfirm: () => remove.mutate({ queue, ids: [id] }),
                  })
                }
              >
                Remove
              </Button>
            )}
          </div>
        )}
      </div>

      {(job.links.retriedAs || job.links.editedFrom) && (
        <p className="flex flex-wrap gap-4 text-sm" data-testid="job-links">
          {job.links.editedFrom && (
            <span>
              Edited from{' '}
              <Link
                to={`/queues/${queue}/jobs/${encodeURIComponent(job.links.editedFrom)}`}
                className="font-mono text-indigo-700 underline dark:text-indigo-300"
              >
                #{job.links.editedFrom}
              </Link>
            </span>
          )}
          {job.links.retriedAs && (
            <span>
              Retried as{' '}
              <Link
                to={`/queues/${queue}/jobs/${encodeURIComponent(job.links.retriedAs)}`}
                className="font-mono text-indigo-700 underline dark:text-indigo-300"
              >
                #{job.links.retriedAs}
              </Link>
            </span>
          )}
        </p>
      )}

      {editing && can('operator') && job.state === 'failed' && <EditRetryPanel queue={queue} id={id} data={job.data} onClose={() => setEditing(false)} />}

      {progress !== null && (
        <div
          aria-label="Progress"
          role="progressbar"
          aria-valuenow={progress}
          aria-valuemin={0}
          aria-valuemax={100}
          className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-700"
        >
          <div className="h-full bg-indigo-600" style={{ width: `${progress}%` }} />
        </div>
      )}

      <div className="grid gap-4 lg:grid-cols-3">
        {/* min-w-0: a grid item is otherwise as wide as its longest unbroken line, which widens the page on a phone. */}
        <Card title="Attempts and timeline" className="min-w-0 lg:col-span-1">
          <p className="mb-3 text-sm">
            Attempts: <span className="font-semibold tabular-nums">{job.attemptsMade}</span> of {String(job.opts.attempts ?? 1)}
            {job.processedOn && job.finishedOn && <> · took {formatDuration(job.finishedOn - job.processedOn)}</>}
          </p>
          <ol className="space-y-2 border-l border-slate-200 pl-4 text-sm dark:border-slate-700" data-testid="timeline">
            {timeline
              .filter(([, at]) => at)
              .map(([label, at]) => (
                <li key={label}>
                  <span className="font-medium">{label}</span> <span className="text-slate-500 dark:text-slate-400">{formatTime(at)}</span>
                </li>
              ))}
          </ol>
        </Card>
        <Card title="Data" className="min-w-0 lg:col-span-2">
          <JsonView value={job.data} label="Job data" />
        </Card>
      </div>

      <Card title={`Attempts (${job.attempts.length})`} className="min-w-0">
        <AttemptsTable attempts={job.attempts} />
      </Card>

      {job.failedReason && (
        <Card title="Failure">
          <p className="mb-2 text-sm font-medium text-red-700 wrap-anywhere dark:text-red-400" data-testid="failed-reason">
            {job.failedReason}
          </p>
          {job.stacktrace.length > 0 && (
            <ScrollBox label="Stack trace" testId="stacktrace" className="max-h-96 rounded-md bg-slate-950 p-3 font-mono text-xs text-slate-100">
              {job.stacktrace.join('\n\n— previous attempt —\n')}
            </ScrollBox>
          )}
        </Card>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Options" className="min-w-0">
          <JsonView value={job.opts} label="Job options" />
        </Card>
        <Card title="Return value" className="min-w-0">
          {job.returnvalue === null || job.returnvalue === undefined ? (
            <p className="text-sm text-slate-500 dark:text-slate-400">None yet.</p>
          ) : (
            <JsonView value={job.returnvalue} label="Return value" />
          )}
        </Card>
      </div>

      <Card title={`Logs (${job.logs.length})`}>
        {job.logs.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">The processor wrote no log lines.</p>
        ) : (
          <ScrollBox label="Logs" className="max-h-80 font-mono text-xs">
            {job.logs.join('\n')}
          </ScrollBox>
        )}
      </Card>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}
