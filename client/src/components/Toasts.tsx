import { useToast } from '../hooks/useToast.tsx';

const KIND = {
  // 700, not 600: white on emerald-600 is 3.7:1, under the 4.5:1 text needs.
  success: 'bg-emerald-700',
  error: 'bg-red-600',
  info: 'bg-slate-700',
};

export function Toasts() {
  const { toasts, dismiss } = useToast();
  return (
    <div className="fixed bottom-4 right-4 z-50 flex w-[min(24rem,92vw)] flex-col gap-2" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          role={t.kind === 'error' ? 'alert' : 'status'}
          className={`flex items-start gap-3 rounded-md px-4 py-3 text-sm text-white shadow-lg ${KIND[t.kind]}`}
        >
          <span className="flex-1 break-words">{t.message}</span>
          <button type="button" aria-label="Dismiss" className="opacity-80 hover:opacity-100" onClick={() => dismiss(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
