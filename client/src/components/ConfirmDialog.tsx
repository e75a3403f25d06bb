import { useEffect, useRef, type ReactNode } from 'react';
import { Button } from './ui.tsx';

export interface ConfirmRequest {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  /** Awaited if it returns a promise. */
  onConfirm: () => unknown;
}

/** A modal that says what will happen before a destructive action; Escape or Cancel backs out. */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (request && !d.open) d.showModal();
    if (!request && d.open) d.close();
  }, [request]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="confirm-title"
      className="m-auto w-[min(32rem,92vw)] rounded-lg bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 dark:bg-slate-900 dark:text-slate-100"
    >
      {request && (
        <div className="p-5">
          <h2 id="confirm-title" className="text-lg font-semibold">
            {request.title}
          </h2>
          <div className="mt-2 text-sm text-slate-600 dark:text-slate-300">{request.body}</div>
          <div className="mt-5 flex justify-end gap-2">
            <Button onClick={onClose}>Cancel</Button>
            <Button
              variant={request.danger ? 'danger' : 'primary'}
              onClick={async () => {
                onClose();
                await request.onConfirm();
              }}
            >
              {request.confirmLabel}
            </Button>
          </div>
        </div>
      )}
    </dialog>
  );
}
