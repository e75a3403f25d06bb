import { useState } from 'react';
import { Button } from './ui.tsx';

/** Formatted JSON with a copy button; a figure named by `label`. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const [copied, setCopied] = useState(false);
  return (
    <figure className="relative" aria-label={label}>
      <Button
        variant="ghost"
        className="absolute right-1 top-1 text-xs"
        aria-label={`Copy ${label}`}
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          });
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </Button>
      <pre className="max-h-96 overflow-auto rounded-md bg-slate-50 p-3 pr-16 font-mono text-xs text-slate-800 ring-1 ring-slate-200 dark:bg-slate-950 dark:text-slate-200 dark:ring-slate-700">
        {text}
      </pre>
    </figure>
  );
}
