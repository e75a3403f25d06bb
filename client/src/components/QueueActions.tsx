import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { CLEANABLE_STATES, type CleanState, type QueueName, type QueueStats } from '../../../shared/queues.ts';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatNumber } from '../lib/format.ts';
import { useTRPC } from '../trpc.ts';
import { ConfirmDialog, type ConfirmRequest } from './ConfirmDialog.tsx';
import { Button, Field, inputClass } from './ui.tsx';

const AGE_UNITS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/**
 * Pause/resume, retry all, promote all (operators and admins), clean and empty (admins); each says what it will do to
 * how many jobs first.
 */
export function QueueActions({ queue, stats, isPaused }: { queue: QueueName; stats: QueueStats; isPaused: boolean }) {
  const trpc = useTRPC();
  const canDelete = useAuth().can('admin');
  const n = formatNumber;
  const invalidates = jobChanges(trpc);
  const pause = useActionMutation(trpc.queues.pause.mutationOptions(), { success: () => `${queue} paused`, invalidates });
  const resume = useActionMutation(trpc.queues.resume.mutationOptions(), { success: () => `${queue} resumed`, invalidates });
  const retryAll = useActionMutation(trpc.queues.retryAll.mutationOptions(), { success: (r) => `${n(r.retried)} job(s) queued for retry`, invalidates });
  const promoteAll = useActionMutation(trpc.queues.promoteAll.mutationOptions(), { success: (r) => `${n(r.promoted)} job(s) promoted`, invalidates });
  const empty = useActionMutation(trpc.queues.empty.mutationOptions(), { success: (r) => `${n(r.removed)} job(s) removed from ${queue}`, invalidates });
  const clean = useActionMutation(trpc.queues.clean.mutationOptions(), {
    success: (r, v) => `${n(r.removed)} ${v.state} job(s) removed from ${queue}`,
    invalidates,
  });
  const busy = [pause, resume, retryAll, promoteAll, empty, clean].some((m) => m.isPending);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [cleaning, setCleaning] = useState(false);

  return (
    <div className="flex flex-wrap gap-2" data-testid="queue-actions">
      {isPaused ? (
        <Button variant="primary" disabled={busy} onClick={() => resume.mutate({ queue })}>
          Resume
        </Button>
      ) : (
        <Button
          disabled={busy}
          onClick={() =>
            setConfirm({
              title: `Pause ${queue}?`,
              body: `Workers stop taking new jobs from ${queue}; ${n(stats.active)} active job(s) finish. ${n(stats.waiting)} waiting job(s) will wait until you resume.`,
              confirmLabel: 'Pause queue',
              onConfirm: () => pause.mutate({ queue }),
            })
          }
        >
          Pause
        </Button>
      )}
      <Button
        disabled={busy || stats.failed === 0}
        onClick={() =>
          setConfirm({
            title: `Retry all failed jobs in ${queue}?`,
            body: `${n(stats.failed)} failed job(s) go back to waiting and run again.`,
            confirmLabel: `Retry ${n(stats.failed)}`,
            onConfirm: () => retryAll.mutate({ queue }),
          })
        }
      >
        Retry all failed
      </Button>
      <Button
        disabled={busy || stats.delayed === 0}
        onClick={() =>
          setConfirm({
            title: `Run all delayed jobs in ${queue} now?`,
            body: `${n(stats.delayed)} delayed job(s) move to waiting and run as soon as a worker is free.`,
            confirmLabel: `Promote ${n(stats.delayed)}`,
            onConfirm: () => promoteAll.mutate({ queue }),
          })
        }
      >
        Promote delayed
      </Button>
      {canDelete && (
        <Button disabled={busy} onClick={() => setCleaning(true)}>
          Clean…
        </Button>
      )}
      {canDelete && (
        <Button
          variant="danger"
          disabled={busy}
          onClick={() =>
            setConfirm({
              title: `Empty ${queue}?`,
              danger: true,
              body: (
                <>
                  This permanently removes {n(stats.waiting + stats.paused)} waiting, {n(stats.delayed)} delayed, {n(stats.completed)} completed and{' '}
                  {n(stats.failed)} failed job(s). {n(stats.active)} active job(s) are left to finish. Schedules stay.
                </>
              ),
              confirmLabel: 'Empty queue',
              onConfirm: () => empty.mutate({ queue }),
            })
          }
        >
          Empty
        </Button>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
      {canDelete && (
        <CleanDialog
          open={cleaning}
          queue={queue}
          stats={stats}
          onClose={() => setCleaning(false)}
          onClean={(state, graceMs) => clean.mutate({ queue, state, graceMs })}
        />
      )}
    </div>
  );
}

function CleanDialog({
  open,
  queue,
  stats,
  onClose,
  onClean,
}: {
  open: boolean;
  queue: QueueName;
  stats: QueueStats;
  onClose: () => void;
  onClean: (state: CleanState, graceMs: number) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [state, setState] = useState<CleanState>('completed');
  const [age, setAge] = useState('24');
  const [unit, setUnit] = useState<keyof typeof AGE_UNITS>('hours');
  useEffect(() => {
    if (open && !ref.current?.open) ref.current?.showModal();
    if (!open && ref.current?.open) ref.current.close();
  }, [open]);
  const ageNum = Number(age);
  const valid = age !== '' && Number.isFinite(ageNum) && ageNum >= 0;
  const graceMs = valid ? Math.round(ageNum * AGE_UNITS[unit]) : 0;
  const inState = state === 'waiting' ? stats.waiting : state === 'paused' ? stats.paused : stats[state];
  // How many are old enough, where the server can count them in one read (completed, failed).
  const trpc = useTRPC();
  const count = useQuery(trpc.queues.cleanCount.queryOptions({ queue, state, graceMs }, { enabled: open && valid }));
  const older = count.data?.olderThanGrace;
  const ageText = valid ? `${age} ${unit}` : '…';
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="clean-title"
      className="m-auto w-[min(32rem,92vw)] rounded-lg bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 dark:bg-slate-900 dark:text-slate-100"
    >
      <form
        method="dialog"
        className="space-y-4 p-5"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid) return;
          onClose();
          onClean(state, graceMs);
        }}
      >
        <h2 id="clean-title" className="text-lg font-semibold">
          Clean jobs
        </h2>
        <div className="grid grid-cols-2 gap-3">
          <Field label="State">
            {(field) => (
              <select {...field} className={inputClass} value={state} onChange={(e) => setState(e.target.value as CleanState)} name="state">
                {CLEANABLE_STATES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Older than" error={valid ? undefined : 'Enter a number ≥ 0'}>
            {(field) => (
              <div className="flex gap-1">
                <input {...field} className={inputClass} name="age" inputMode="decimal" value={age} onChange={(e) => setAge(e.target.value)} aria-label="Age" />
                <select className={inputClass} value={unit} onChange={(e) => setUnit(e.target.value as keyof typeof AGE_UNITS)} aria-label="Unit">
                  {Object.keys(AGE_UNITS).map((u) => (
                    <option key={u}>{u}</option>
                  ))}
                </select>
              </div>
            )}
          </Field>
        </div>
        <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="clean-summary" aria-live="polite">
          {!valid || count.isPending ? (
            <>
              Permanently removes the {state} jobs older than {ageText}: counting them among the {formatNumber(inState)} {state} job(s) now in the queue…
            </>
          ) : older === 0 ? (
            <>
              Permanently removes the {state} jobs older than {ageText}: none of the {formatNumber(inState)} {state} job(s) now in the queue is that old, so
              nothing would be removed.
            </>
          ) : typeof older === 'number' ? (
            <>
              Permanently removes the {state} jobs older than {ageText}: {formatNumber(older)} of the {formatNumber(inState)} {state} job(s) now in the queue.
            </>
          ) : (
            <>
              Permanently removes the {state} jobs older than {ageText}, up to all {formatNumber(inState)} {state} job(s) now in the queue: each job's age is
              checked as it is removed, so how many are that old is not known ahead.
            </>
          )}
        </p>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" disabled={!valid || older === 0}>
            Clean
          </Button>
        </div>
      </form>
    </dialog>
  );
}
