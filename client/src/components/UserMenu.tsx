import { useEffect, useId, useRef, useState } from 'react';
import type { User } from '../../../shared/auth.ts';
import { ROLE_COLORS } from '../lib/roles.ts';
import { Link } from '../router/router.tsx';
import { Badge } from './ui.tsx';

/**
 * The signed-in person in the header: a button with their name and role that opens (disclosure pattern) their
 * email, a link to the Account page and Sign out. Escape or a click elsewhere closes it; Escape gives focus back.
 */
export function UserMenu({ user, onSignOut }: { user: User; onSignOut: () => void }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);
  const close = () => setOpen(false);
  const item =
    'block w-full rounded px-3 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-slate-200 dark:hover:bg-slate-800';
  return (
    <div className="relative" ref={box}>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
        className="flex items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-slate-800"
      >
        <span className="sr-only">Account: </span>
        <span data-testid="current-user" className="max-w-24 truncate sm:max-w-48">
          {user.name}
        </span>
        <Badge color={ROLE_COLORS[user.role]}>{user.role}</Badge>
        <span aria-hidden className="text-xs">
          ▾
        </span>
      </button>
      {open && (
        <div
          id={id}
          className="absolute right-0 top-full z-40 mt-1 w-64 rounded-md bg-white p-2 shadow-lg ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700"
          data-testid="user-menu"
        >
          <p className="truncate px-3 pb-2 pt-1 text-xs text-slate-500 dark:text-slate-400">
            {user.email ?? (user.via === 'token' ? 'API token' : 'Shared sign-in')}
          </p>
          <Link to="/account" className={item} onClick={close}>
            Account and API tokens
          </Link>
          <button
            type="button"
            className={item}
            onClick={() => {
              close();
              onSignOut();
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
