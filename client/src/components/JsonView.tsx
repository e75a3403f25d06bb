import { useState } from 'react';
import { Button, ScrollBox } from './ui.tsx';

/** Formatted JSON with a copy button, in a scrolling box named by `label` (focusable, so a keyboard can scroll it). */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const [copied, setCopied] = useState(false);
  return (
    <div className="relative">
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
      <ScrollBox
        label={label}
        className="max-h-96 rounded-md bg-slate-50 p-3 pr-16 font-mono text-xs text-slate-800 ring-1 ring-slate-200 dark:bg-slate-950 dark:text-slate-200 dark:ring-slate-700"
      >
        {text}
      </ScrollBox>
    </div>
  );
}
