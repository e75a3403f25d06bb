import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { bulkActionsFor, type BulkAction, type BulkFilter, type BulkStatus } from '../../../shared/bulk.ts';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatNumber } from '../lib/format.ts';
import { useTRPC } from '../trpc.ts';
import { ConfirmDialog, type ConfirmRequest } from './ConfirmDialog.tsx';
import { Button } from './ui.tsx';

const LABELS: Record<BulkAction, { verb: string; done: string; danger: boolean }> = {
  retry: { verb: 'Retry', done: 'retried', danger: false },
  remove: { verb: 'Remove', done: 'removed', danger: true },
  promote: { verb: 'Promote', done: 'promoted', danger: false },
};

/**
 * Acts on every job the filter matches, not just the page shown: "Retry all N matching" and the like,
 * a confirmation naming N, then a progress bar with Cancel. Retry and promote for operators, remove for admins only
 * (the server refuses anyone else).
 * Mounted by the queue page (state and search) and the Failures page (an error group: `filter.group`).
 */
export function BulkBar({ filter }: { filter: BulkFilter }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canRemove = useAuth().can('admin');
  const actions = bulkActionsFor(filter.state).filter((a) => a !== 'remove' || canRemove);
  const preview = useQuery(trpc.bulk.preview.queryOptions({ filter }, { enabled: actions.length > 0, refetchInterval: 5000 }));
  const recent = useQuery(trpc.bulk.recent.queryOptions({ queue: filter.queue }));
  const [opId, setOpId] = useState<string | null>(null);
  // After a reload: an operation still running on this queue shows its progress again.
  useEffect(() => {
    if (opId) return;
    const running = recent.data?.find((o) => o.phase === 'collecting' || o.phase === 'running');
    if (running) setOpId(running.id);
  }, [recent.data, opId]);
  const status = useQuery(
    trpc.bulk.status.queryOptions(
      { id: opId ?? '00000000-0000-0000-0000-000000000000' },
      { enabled: !!opId, refetchInterval: (q) => (isActive(q.state.data) ? 500 : false) },
    ),
  );
  const op = opId ? status.data : undefined;
  const wasActive = isActive(op);
  useEffect(() => {
    // When it ends, the lists and counts it changed are read again.
    if (op && !wasActive) for (const f of jobChanges(trpc)) void queryClient.invalidateQueries(f);
  }, [op, wasActive, queryClient, trpc]);
  const start = useActionMutation(trpc.bulk.start.mutationOptions({ onSuccess: (s) => setOpId(s.id) }), {
    success: (s) => `Bulk ${s.action} started`,
    invalidates: [trpc.bulk.pathFilter()],
  });
  const cancel = useActionMutation(trpc.bulk.cancel.mutationOptions(), { success: () => 'Cancelling…', invalidates: [trpc.bulk.pathFilter()] });
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  if (actions.length === 0) return null;
  const count = preview.data?.count ?? 0;
  const atLeast = preview.data && !preview.data.complete ? 'at least ' : '';
  const what = `${filter.state} job${count === 1 ? '' : 's'}${filter.search ? ` matching “${filter.search}”` : ''}${filter.group ? ' in this group' : ''}`;

  return (
    <section aria-label="Act on all matching jobs" data-testid="bulk-bar" className="space-y-2">
      {!isActive(op) && (
        <div className="flex flex-wrap items-center gap-2 text-sm">
          {actions.map((action) => (
            <Button
              key={action}
              variant={LABELS[action].danger ? 'danger' : 'secondary'}
              disabled={!preview.data || count === 0 || start.isPending}
              onClick={() =>
                setConfirm({
                  title: `${LABELS[action].verb} ${atLeast}${formatNumber(count)} ${what}?`,
                  danger: LABELS[action].danger,
                  body: (
                    <>
                      Every {what} in <strong>{filter.queue}</strong> is {LABELS[action].done}, not just this page:{' '}
                      <strong data-testid="bulk-confirm-count">{formatNumber(count)}</strong> now. It runs in batches; you can cancel it.
                      {action === 'remove' && ' Removed jobs are deleted with their data and logs.'}
                    </>
                  ),
                  confirmLabel: `${LABELS[action].verb} ${formatNumber(count)}`,
                  onConfirm: () => start.mutate({ filter, action }),
                })
              }
            >
              {LABELS[action].verb} all {preview.data ? `${atLeast}${formatNumber(count)}` : '…'} matching
            </Button>
          ))}
        </div>
      )}
      {op && <Progress op={op} onCancel={() => cancel.mutate({ id: op.id })} cancelling={cancel.isPending} onDismiss={() => setOpId(null)} />}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

function isActive(op: BulkStatus | undefined): boolean {
  return op?.phase === 'collecting' || op?.phase === 'running';
}

function Progress({ op, onCancel, cancelling, onDismiss }: { op: BulkStatus; onCancel: () => void; cancelling: boolean; onDismiss: () => void }) {
  const verb = LABELS[op.action].done;
  const active = isActive(op);
  const label =
    op.phase === 'collecting'
      ? 'Finding the matching jobs…'
      : `${formatNumber(op.done)} of ${formatNumber(op.total)} ${verb}${op.skipped ? ` (${formatNumber(op.skipped)} had changed and were skipped)` : ''}`;
  const ended = { done: 'Done', cancelled: 'Cancelled', failed: `Stopped: ${op.error ?? 'error'}` } as Record<string, string>;
  return (
    <div className="rounded-md bg-indigo-50 p-3 text-sm dark:bg-indigo-950" data-testid="bulk-progress" data-phase={op.phase}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span role="status">
          {active ? '' : `${ended[op.phase]}: `}
          {label}
        </span>
        {active ? (
          <Button variant="danger" onClick={onCancel} disabled={cancelling}>
            Cancel
          </Button>
        ) : (
          <Button variant="ghost" onClick={onDismiss}>
            Dismiss
          </Button>
        )}
      </div>
      <progress className="mt-2 h-2 w-full" max={Math.max(1, op.total)} value={op.processed} aria-label={`Bulk ${op.action} progress`} />
    </div>
  );
}
