import { useId, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { formatRelative, formatTime } from '../lib/format.ts';

/** Small building blocks shared by every page: buttons, cards, badges, skeletons, empty states. */

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';
const VARIANTS: Record<Variant, string> = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-300 dark:disabled:bg-indigo-900',
  secondary:
    'bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-600 dark:hover:bg-slate-700',
  danger: 'bg-red-600 text-white hover:bg-red-500 disabled:bg-red-300 dark:disabled:bg-red-900',
  ghost: 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
};

export function Button({ variant = 'secondary', className = '', ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      className={`inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:cursor-not-allowed ${VARIANTS[variant]} ${className}`}
      {...rest}
    />
  );
}

export function Card({ children, className = '', title, actions }: { children: ReactNode; className?: string; title?: ReactNode; actions?: ReactNode }) {
  return (
    <section className={`rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700 ${className}`}>
      {(title || actions) && (
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          {title && <h2 className="text-sm font-semibold text-slate-700 dark:text-slate-200">{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

const BADGES = {
  gray: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  green: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300',
  red: 'bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-300',
  amber: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-300',
  blue: 'bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-300',
} as const;

export function Badge({ color = 'gray', children }: { color?: keyof typeof BADGES; children: ReactNode }) {
  return <span className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium ${BADGES[color]}`}>{children}</span>;
}

export const STATE_COLORS: Record<string, keyof typeof BADGES> = {
  waiting: 'blue',
  active: 'amber',
  completed: 'green',
  failed: 'red',
  delayed: 'gray',
  paused: 'gray',
  prioritized: 'blue',
};

export function Skeleton({ className = '' }: { className?: string }) {
  return <div aria-hidden data-skeleton className={`animate-pulse rounded bg-slate-200 dark:bg-slate-700 ${className}`} />;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-600" role="status">
      <p className="font-medium text-slate-700 dark:text-slate-200">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-500 dark:text-slate-400">{children}</div>}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  return (
    <div role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

/** What a `Field` gives its control: the id its label points at, and the id of the hint or errors describing it. */
export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
}

/**
 * A labelled form control with its hint or its errors (each an alert) below it. The control is rendered by
 * `children`, which spreads the given props on it: the label names it, the hint or errors describe it.
 */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string[] | string;
  hint?: ReactNode;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const id = useId();
  const noteId = `${id}-note`;
  const errors = typeof error === 'string' ? [error] : error;
  const hasErrors = Boolean(errors?.length);
  return (
    <div className="block text-sm">
      <label htmlFor={id} className="mb-1 block font-medium text-slate-700 dark:text-slate-200">
        {label}
      </label>
      {children({ id, 'aria-describedby': hasErrors || hint ? noteId : undefined })}
      {hasErrors ? (
        <div id={noteId}>
          {errors?.map((e) => (
            <span key={e} className="mt-1 block text-xs text-red-600 dark:text-red-400" role="alert">
              {e}
            </span>
          ))}
        </div>
      ) : (
        hint && (
          <span id={noteId} className="mt-1 block text-xs text-slate-500 dark:text-slate-400">
            {hint}
          </span>
        )
      )}
    </div>
  );
}

/** For selects in a toolbar: as wide as their content. */
export const compactInputClass =
  'w-auto rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100';

export const inputClass =
  'w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100';

/**
 * A box whose content may scroll (JSON, a stack trace, logs, an email's text, a chart's table): focusable,
 * so a keyboard can scroll it, and a region named by `label`, so a screen reader says what it is when it
 * gets focus. A <pre> unless `as` says otherwise.
 */
export function ScrollBox({
  label,
  as: Tag = 'pre',
  className = '',
  testId,
  children,
}: {
  label: string;
  as?: 'pre' | 'div';
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <Tag
      // A scrolling box must take focus, or a keyboard cannot scroll it (WCAG 2.1.1); the box itself is the region.
      tabIndex={0}
      role="region"
      aria-label={label}
      data-testid={testId}
      className={`overflow-auto focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${className}`}
    >
      {children}
    </Tag>
  );
}

/** A scrollable table with the console's header style; `columns` are the header cells. */
export function Table({ testId, columns, children }: { testId: string; columns: ReactNode[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200 dark:ring-slate-700">
      <table className="min-w-full divide-y divide-slate-200 bg-white text-sm dark:divide-slate-700 dark:bg-slate-900" data-testid={testId}>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800 dark:text-slate-400">
          <tr>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed header row; a column's position is its identity (cells may be any node, even empty).
              <th key={i} className="px-3 py-2">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">{children}</tbody>
      </table>
    </div>
  );
}

/**
 * The three states every list page has before its content: the server's error, a skeleton while
 * loading, an empty state when there is nothing; otherwise the content for the data.
 */
export function QueryView<T>({
  query,
  isEmpty,
  empty,
  children,
  skeleton = 'h-64',
}: {
  query: { error: unknown; data: T | undefined };
  isEmpty: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
  skeleton?: string;
}) {
  if (query.error) return <ErrorBox error={query.error} />;
  if (query.data === undefined) return <Skeleton className={skeleton} />;
  if (isEmpty(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}

/** A table cell with a time: relative ("3 min ago"), the exact time on hover; `none` when there is no time. */
export function TimeCell({ at, none = '—' }: { at: number | null | undefined; none?: string }) {
  return (
    <td className="whitespace-nowrap px-3 py-2" title={at ? formatTime(at) : undefined}>
      {at ? formatRelative(at) : none}
    </td>
  );
}
