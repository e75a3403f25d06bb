import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { QUEUE_NAMES, type QueueName } from '../../../shared/queues.ts';
import { SYNC_INTERVAL_MINUTES, formatMinutes, type ScheduleOwnership } from '../../../shared/schedules.ts';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { Badge, Button, Card, EmptyState, Field, QueryView, Table, inputClass, TimeCell } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { describeCron } from '../lib/cron.ts';
import { EXAMPLE_DATA } from '../lib/examples.ts';
import { formatRelative } from '../lib/format.ts';
import { checkJobJson } from '../lib/validate-job.ts';
import { useTRPC } from '../trpc.ts';

interface Draft {
  queue: QueueName;
  name: string;
  cron: string;
  tz: string;
  data: string;
  editing: boolean;
}

/** A schedule the scheduler owns, opened for an edit: its interval (syncs) or the reason it cannot change here. */
interface ManagedEdit {
  queue: QueueName;
  name: string;
  managed: ScheduleOwnership;
}

const blank = (): Draft => ({
  queue: 'report-generation',
  name: '',
  cron: '0 8 * * 1',
  tz: '',
  data: JSON.stringify(EXAMPLE_DATA['report-generation'], null, 2),
  editing: false,
});

export function SchedulesPage() {
  const trpc = useTRPC();
  const { can } = useAuth();
  // Operators run schedules now and set a sync's interval; creating, editing a custom one and removing are for admins.
  const isAdmin = can('admin');
  const canRun = can('operator');
  const list = useQuery(trpc.schedules.list.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [draft, setDraft] = useState<Draft | null>(null);
  const [managedEdit, setManagedEdit] = useState<ManagedEdit | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  // A schedule's next run is a delayed job: changing schedules changes the queue's jobs too.
  const invalidates = [trpc.schedules.pathFilter(), ...jobChanges(trpc)];
  const runNow = useActionMutation(trpc.schedules.runNow.mutationOptions(), { success: (j, v) => `Job ${j.id} added to ${v.queue}`, invalidates });
  const remove = useActionMutation(trpc.schedules.remove.mutationOptions(), { success: (_, v) => `Schedule ${v.name} removed`, invalidates });
  const busy = runNow.isPending || remove.isPending;

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Schedules</h1>
        {isAdmin && !draft && (
          <Button
            variant="primary"
            onClick={() => {
              setManagedEdit(null);
              setDraft(blank());
            }}
          >
            Add schedule
          </Button>
        )}
      </div>
      {draft && <ScheduleForm draft={draft} onCancel={() => setDraft(null)} onSaved={() => setDraft(null)} />}
      {managedEdit && <ManagedScheduleCard key={`${managedEdit.queue}/${managedEdit.name}`} edit={managedEdit} onClose={() => setManagedEdit(null)} />}
      <QueryView
        query={list}
        isEmpty={(d) => d.length === 0}
        skeleton="h-48"
        empty={<EmptyState title="No schedules yet">Recurring jobs appear here: integration syncs, insights, weekly reports.</EmptyState>}
      >
        {(d) => (
          <Table testId="schedules-table" columns={['Name', 'Queue', 'Cron', 'Time zone', 'Next run', 'Last run', 'Owner', ...(canRun ? [''] : [])]}>
            {d.map((s) => (
              <tr key={`${s.queue}/${s.name}`} data-testid={`schedule-${s.name}`}>
                <td className="px-3 py-2 font-mono text-xs">{s.name}</td>
                <td className="px-3 py-2">{s.queue}</td>
                <td className="px-3 py-2">
                  <code className="text-xs">{s.pattern ?? `every ${s.every} ms`}</code>
                  {s.pattern && <div className="text-xs text-slate-500 dark:text-slate-400">{describeCron(s.pattern).description}</div>}
                </td>
                <td className="px-3 py-2">{s.tz ?? 'server local'}</td>
                <TimeCell at={s.next} />
                <TimeCell at={s.last} none="not yet" />
                <td className="px-3 py-2" data-testid="schedule-owner">
                  <OwnerCell managed={s.managed} />
                </td>
                {canRun && (
                  <td className="whitespace-nowrap px-3 py-2 text-right">
                    <Button variant="ghost" disabled={busy} onClick={() => runNow.mutate({ queue: s.queue, name: s.name })}>
                      Run now
                    </Button>
                    {(isAdmin || s.managed) && (
                      <Button
                        variant="ghost"
                        onClick={() => {
                          // A managed schedule's cron is the scheduler's: its edit is the owner's interval, or the reason it has none here.
                          if (s.managed) {
                            setDraft(null);
                            setManagedEdit({ queue: s.queue, name: s.name, managed: s.managed });
                            return;
                          }
                          setManagedEdit(null);
                          setDraft({
                            queue: s.queue,
                            name: s.name,
                            cron: s.pattern ?? '',
                            tz: s.tz ?? '',
                            data: JSON.stringify(s.data, null, 2),
                            editing: true,
                          });
                        }}
                      >
                        Edit
                      </Button>
                    )}
                    {isAdmin && !s.managed?.removeRefusal && (
                      <Button
                        variant="ghost"
                        disabled={busy}
                        onClick={() =>
                          setConfirm({
                            title: `Remove schedule ${s.name}?`,
                            danger: true,
                            body: `No more ${s.queue} jobs will be created by it; its pending run is removed. Jobs it already created stay.`,
                            confirmLabel: 'Remove schedule',
                            onConfirm: () => remove.mutate({ queue: s.queue, name: s.name }),
                          })
                        }
                      >
                        Remove
                      </Button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </Table>
        )}
      </QueryView>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}

function ScheduleForm({ draft: initial, onCancel, onSaved }: { draft: Draft; onCancel: () => void; onSaved: () => void }) {
  const trpc = useTRPC();
  const [d, setD] = useState(initial);
  const save = useActionMutation(trpc.schedules.upsert.mutationOptions({ onSuccess: onSaved }), {
    success: (s) => `Schedule ${s.name} saved; next run ${formatRelative(s.next)}`,
    invalidates: [trpc.schedules.pathFilter(), ...jobChanges(trpc)],
  });
  const cron = describeCron(d.cron);
  const data = useMemo(() => checkJobJson(d.queue, d.data), [d.queue, d.data]);
  const nameError = !d.name ? 'Required' : /[:\s]/.test(d.name) ? 'No spaces or colons' : /^\d+$/.test(d.name) ? 'Must not be only digits' : undefined;
  const ok = cron.ok && data.ok && !nameError;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!ok) return;
    save.mutate({ queue: d.queue, name: d.name, cron: d.cron.trim(), tz: d.tz || undefined, data: JSON.parse(d.data) });
  }

  return (
    <Card title={d.editing ? `Edit ${d.name}` : 'New schedule'}>
      <form className="grid gap-3 md:grid-cols-2" onSubmit={submit} aria-label="Schedule">
        <Field label="Queue">
          {(field) => (
            <select
              {...field}
              className={inputClass}
              value={d.queue}
              disabled={d.editing}
              onChange={(e) => setD({ ...d, queue: e.target.value as QueueName, data: JSON.stringify(EXAMPLE_DATA[e.target.value as QueueName], null, 2) })}
            >
              {QUEUE_NAMES.map((q) => (
                <option key={q}>{q}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Name" error={d.name || d.editing ? nameError : undefined} hint="The same name updates the schedule">
          {(field) => (
            <input
              {...field}
              className={inputClass}
              name="name"
              value={d.name}
              disabled={d.editing}
              onChange={(e) => setD({ ...d, name: e.target.value })}
              placeholder="weekly-report-org123"
            />
          )}
        </Field>
        <Field label="Cron" error={cron.ok ? undefined : cron.error} hint={cron.description}>
          {(field) => (
            <input {...field} className={`${inputClass} font-mono`} name="cron" value={d.cron} onChange={(e) => setD({ ...d, cron: e.target.value })} />
          )}
        </Field>
        <Field label="Time zone" hint="IANA name, e.g. Europe/Berlin; empty: the server's">
          {(field) => <input {...field} className={inputClass} name="tz" value={d.tz} onChange={(e) => setD({ ...d, tz: e.target.value })} placeholder="UTC" />}
        </Field>
        <div className="md:col-span-2">
          <Field label="Job data (JSON)" error={data.ok ? undefined : Object.entries(data.errors).map(([k, v]) => `${k}: ${v.join(', ')}`)}>
            {(field) => (
              <textarea
                {...field}
                className={`${inputClass} h-40 font-mono text-xs`}
                name="data"
                value={d.data}
                onChange={(e) => setD({ ...d, data: e.target.value })}
                spellCheck={false}
              />
            )}
          </Field>
        </div>
        <div className="flex gap-2 md:col-span-2">
          <Button type="submit" variant="primary" disabled={save.isPending || !ok}>
            Save schedule
          </Button>
          <Button onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}

function OwnerCell({ managed }: { managed: ScheduleOwnership | null }) {
  if (!managed) return <Badge>Custom</Badge>;
  return (
    <div className="min-w-48">
      <Badge color={managed.kind === 'orphan' ? 'amber' : 'blue'}>{managed.kind === 'orphan' ? 'Orphaned' : 'Managed'}</Badge>
      <div className="mt-1">{managed.owner}</div>
      <div className="text-xs text-slate-500 dark:text-slate-400">{managed.source}</div>
    </div>
  );
}

/** A managed schedule's edit: a sync's interval, stored on its integration so it lasts; otherwise why it cannot change here. */
function ManagedScheduleCard({ edit, onClose }: { edit: ManagedEdit; onClose: () => void }) {
  const trpc = useTRPC();
  const { managed } = edit;
  const [every, setEvery] = useState(managed.everyMinutes !== null && managed.everyMinutes !== managed.defaultMinutes ? String(managed.everyMinutes) : '');
  const save = useActionMutation(trpc.schedules.setInterval.mutationOptions({ onSuccess: onClose }), {
    success: (s, v) => `${edit.name} now syncs every ${formatMinutes(v.everyMinutes ?? managed.defaultMinutes ?? 0)}; next run ${formatRelative(s.next)}`,
    invalidates: [trpc.schedules.pathFilter(), ...jobChanges(trpc)],
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ queue: edit.queue, name: edit.name, everyMinutes: every ? Number(every) : null });
  }

  return (
    <Card title={`Edit ${edit.name}`}>
      <div data-testid="managed-edit">
        <dl className="mb-3 grid gap-1 text-sm md:grid-cols-[max-content_1fr] md:gap-x-4">
          <dt className="font-medium">Owned by</dt>
          <dd data-testid="managed-owner">{managed.owner}</dd>
          <dt className="font-medium">Interval</dt>
          <dd>{managed.source}</dd>
        </dl>
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-300" data-testid="managed-note">
          {managed.editNote}
        </p>
        {managed.intervalEditable ? (
          <form className="flex flex-wrap items-end gap-3" onSubmit={submit} aria-label="Sync interval">
            <Field label="Sync every" hint="Stored on the integration; the schedule is rewritten now and at every start">
              {(field) => (
                <select {...field} className={inputClass} name="everyMinutes" value={every} onChange={(e) => setEvery(e.target.value)}>
                  <option value="">Platform default ({formatMinutes(managed.defaultMinutes ?? 0)})</option>
                  {SYNC_INTERVAL_MINUTES.map((m) => (
                    <option key={m} value={String(m)}>
                      {formatMinutes(m)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <div className="flex gap-2">
              <Button type="submit" variant="primary" disabled={save.isPending}>
                Save interval
              </Button>
              <Button onClick={onClose}>Cancel</Button>
            </div>
          </form>
        ) : (
          <Button onClick={onClose}>Close</Button>
        )}
      </div>
    </Card>
  );
}
