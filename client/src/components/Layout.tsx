import { useEffect, useRef, useState, type ReactNode } from 'react';
import { QUEUE_NAMES } from '../../../shared/queues.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { useConnection } from '../hooks/useConnection.ts';
import { useTheme } from '../hooks/useTheme.ts';
import { Link, useLocation } from '../router/router.tsx';
import { OutageBanner } from './OutageBanner.tsx';
import { Button } from './ui.tsx';
import { UserMenu } from './UserMenu.tsx';

/** A console page in the navigation; `onNavigate` runs when it is followed (it closes the phone drawer). */
function NavLink({ to, children, exact, onNavigate }: { to: string; children: ReactNode; exact?: boolean; onNavigate: () => void }) {
  const { path } = useLocation();
  const active = exact ? path === to : path === to || path.startsWith(`${to}/`);
  return (
    <Link
      to={to}
      onClick={onNavigate}
      aria-current={active ? 'page' : undefined}
      className={`block rounded-md px-2.5 py-1.5 text-sm ${active ? 'bg-indigo-50 font-semibold text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
    >
      {children}
    </Link>
  );
}

/** Header (user, role, theme, sign-out) and navigation; a sidebar on wide screens, a drawer on phones. */
export function Layout({ children }: { children: ReactNode }) {
  const { user, can, signOut } = useAuth();
  const [theme, toggleTheme] = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const stale = useConnection().status !== 'ok';
  const closeMenu = () => setMenuOpen(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  // Escape closes the phone menu and gives focus back to its button.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const nav = (
    <nav aria-label="Main" className="space-y-1">
      <NavLink to="/" exact onNavigate={closeMenu}>
        Overview
      </NavLink>
      <NavLink to="/failures" onNavigate={closeMenu}>
        Failures
      </NavLink>
      <p className="px-2.5 pt-3 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">Queues</p>
      {QUEUE_NAMES.map((q) => (
        <NavLink key={q} to={`/queues/${q}`} onNavigate={closeMenu}>
          {q}
        </NavLink>
      ))}
      <p className="px-2.5 pt-3 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">Business</p>
      <NavLink to="/alerts" onNavigate={closeMenu}>
        Alerts
      </NavLink>
      <NavLink to="/insights" onNavigate={closeMenu}>
        Insights
      </NavLink>
      <NavLink to="/reports" onNavigate={closeMenu}>
        Reports
      </NavLink>
      <NavLink to="/outbox" onNavigate={closeMenu}>
        Outbox
      </NavLink>
      <p className="px-2.5 pt-3 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">Manage</p>
      {can('operator') && (
        <NavLink to="/add" onNavigate={closeMenu}>
          Add job
        </NavLink>
      )}
      <NavLink to="/workers" onNavigate={closeMenu}>
        Workers
      </NavLink>
      <NavLink to="/schedules" onNavigate={closeMenu}>
        Schedules
      </NavLink>
      <NavLink to="/audit" onNavigate={closeMenu}>
        Audit log
      </NavLink>
      {can('admin') && (
        <NavLink to="/users" onNavigate={closeMenu}>
          Users
        </NavLink>
      )}
      <a href="/admin/queues" className="block rounded-md px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
        Bull Board ↗
      </a>
    </nav>
  );
  return (
    <div className="min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
      <a
        // The browser moves focus to <main> (tabIndex -1); the router reads only the path and query, so the hash changes no view.
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-medium focus:text-indigo-700 focus:shadow focus:ring-2 focus:ring-indigo-500 dark:focus:bg-slate-900 dark:focus:text-indigo-300"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 flex items-center gap-3 border-b border-slate-200 bg-white/90 px-4 py-2 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
        <button
          ref={menuButton}
          type="button"
          className="rounded p-1 md:hidden"
          aria-label="Menu"
          aria-expanded={menuOpen}
          aria-controls="phone-menu"
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰
        </button>
        <Link to="/" className="font-semibold text-indigo-700 dark:text-indigo-300">
          BizInsights Jobs
        </Link>
        <div className="ml-auto flex items-center gap-2 text-sm">
          <Button variant="ghost" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`} onClick={toggleTheme}>
            {theme === 'dark' ? '☀' : '☾'}
          </Button>
          {user && <UserMenu user={user} onSignOut={() => void signOut()} />}
        </div>
        {/* The phone menu hangs from the header's bottom edge, however tall the header is. */}
        {menuOpen && (
          <div
            id="phone-menu"
            className="absolute inset-x-0 top-full max-h-[calc(100vh-4rem)] overflow-y-auto border-b border-slate-200 bg-white p-3 shadow md:hidden dark:border-slate-800 dark:bg-slate-900"
          >
            {nav}
          </div>
        )}
      </header>
      {menuOpen && (
        // A click beside the menu closes it (the keyboard has Escape); hidden from screen readers, which need no backdrop.
        <div aria-hidden className="fixed inset-0 z-20 bg-slate-900/40 md:hidden" data-testid="menu-backdrop" onClick={closeMenu} />
      )}
      <OutageBanner />
      <div className="mx-auto flex max-w-screen-2xl">
        <aside className="sticky top-12 hidden h-[calc(100vh-3rem)] w-52 shrink-0 overflow-y-auto border-r border-slate-200 p-3 md:block dark:border-slate-800">
          {nav}
        </aside>
        {/* Greyed during an outage: what it shows is from before. */}
        <main
          id="main"
          tabIndex={-1}
          data-stale={stale || undefined}
          className={`min-w-0 flex-1 p-4 focus:outline-none md:p-6 ${stale ? 'opacity-60 grayscale' : ''}`}
        >
          {children}
        </main>
      </div>
    </div>
  );
}
