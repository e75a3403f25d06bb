import { useId, useRef, useState, type ReactNode } from 'react';
import { Button, inputClass } from './ui.tsx';

/**
 * A secret the server shows once (an invite link, a new API token): read-only, selected on focus, a Copy button,
 * and a warning that it will not be shown again. `onDone` hides it.
 */
export function OneTimeSecret({
  label,
  value,
  children,
  onDone,
  testId,
}: {
  label: string;
  value: string;
  children: ReactNode;
  onDone: () => void;
  testId: string;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // No clipboard (a page not served securely, or permission refused): the value is selected for Ctrl+C instead.
      input.current?.select();
      setCopied('no');
    }
  }

  return (
    <div
      className="space-y-2 rounded-md bg-amber-50 p-3 text-sm text-amber-950 ring-1 ring-amber-300 dark:bg-amber-950 dark:text-amber-50 dark:ring-amber-800"
      data-testid={testId}
    >
      <label htmlFor={id} className="block font-medium">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          ref={input}
          id={id}
          readOnly
          className={`${inputClass} font-mono text-xs`}
          value={value}
          aria-describedby={`${id}-warning`}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
        />
        <Button onClick={() => void copy()}>Copy</Button>
      </div>
      <p id={`${id}-warning`}>{children}</p>
      <div className="flex items-center justify-between gap-2">
        <span role="status" className="text-xs">
          {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Could not copy: it is selected, press Ctrl+C (⌘C).' : ''}
        </span>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
