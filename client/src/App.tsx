import { QueryClientProvider } from '@tanstack/react-query';
import { Component, Suspense, lazy, useEffect, useMemo, type ComponentType, type ReactNode } from 'react';
import { onRecovered } from './api/connection-monitor.ts';
import { Layout } from './components/Layout.tsx';
import { OutageBanner } from './components/OutageBanner.tsx';
import { Toasts } from './components/Toasts.tsx';
import { Button, Skeleton } from './components/ui.tsx';
import { AuthProvider, useAuth } from './hooks/useAuth.tsx';
import { ToastProvider } from './hooks/useToast.tsx';
import { AcceptInvitePage } from './pages/AcceptInvitePage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { RouterProvider, matchPath, navigate, useLocation } from './router/router.tsx';
import { TRPCProvider, createClient, createQueryClient } from './trpc.ts';

/**
 * Each page is its own chunk, fetched when first shown: the sign-in page and the pages without charts never load the
 * charts library (only the overview and queue pages import it).
 */
function page<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(async () => ({ default: await load() }));
}
const AccountPage = page(() => import('./pages/AccountPage.tsx').then((m) => m.AccountPage));
const AddJobPage = page(() => import('./pages/AddJobPage.tsx').then((m) => m.AddJobPage));
const AlertsPage = page(() => import('./pages/AlertsPage.tsx').then((m) => m.AlertsPage));
const AuditPage = page(() => import('./pages/AuditPage.tsx').then((m) => m.AuditPage));
const FailuresPage = page(() => import('./pages/FailuresPage.tsx').then((m) => m.FailuresPage));
const InsightsPage = page(() => import('./pages/InsightsPage.tsx').then((m) => m.InsightsPage));
const JobPage = page(() => import('./pages/JobPage.tsx').then((m) => m.JobPage));
const NotFoundPage = page(() => import('./pages/NotFoundPage.tsx').then((m) => m.NotFoundPage));
const OutboxPage = page(() => import('./pages/OutboxPage.tsx').then((m) => m.OutboxPage));
const OverviewPage = page(() => import('./pages/OverviewPage.tsx').then((m) => m.OverviewPage));
const QueuePage = page(() => import('./pages/QueuePage.tsx').then((m) => m.QueuePage));
const ReportsPage = page(() => import('./pages/ReportsPage.tsx').then((m) => m.ReportsPage));
const SchedulesPage = page(() => import('./pages/SchedulesPage.tsx').then((m) => m.SchedulesPage));
const UsersPage = page(() => import('./pages/UsersPage.tsx').then((m) => m.UsersPage));
const WorkersPage = page(() => import('./pages/WorkersPage.tsx').then((m) => m.WorkersPage));

function Routes() {
  const { path } = useLocation();
  const { can } = useAuth();
  let m: Record<string, string> | undefined;
  if (path === '/') return <OverviewPage />;
  if ((m = matchPath('/queues/:queue/jobs/:id', path))) return <JobPage key={`${m.queue}/${m.id}`} queue={m.queue} id={m.id} />;
  if ((m = matchPath('/queues/:queue', path))) return <QueuePage key={m.queue} name={m.queue} />;
  if (path === '/add') return can('operator') ? <AddJobPage /> : <NotFoundPage what="Adding jobs (operators and admins only)" />;
  if (path === '/users') return can('admin') ? <UsersPage /> : <NotFoundPage what="Users (admins only)" />;
  if (path === '/account') return <AccountPage />;
  if (path === '/schedules') return <SchedulesPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/failures') return <FailuresPage />;
  if (path === '/alerts') return <AlertsPage />;
  if (path === '/insights') return <InsightsPage />;
  if (path === '/reports') return <ReportsPage />;
  if (path === '/outbox') return <OutboxPage />;
  if (path === '/workers') return <WorkersPage />;
  return <NotFoundPage />;
}

/** While a page's chunk loads: a placeholder the size of a page's top, announced to screen readers. */
function PageLoading() {
  return (
    <div role="status" aria-live="polite" data-testid="page-loading">
      <span className="sr-only">Loading page…</span>
      <Skeleton className="h-64" />
    </div>
  );
}

/**
 * A page whose chunk could not be fetched (the server unreachable while navigating) says so instead of blanking the
 * console; keyed by path, so following another link tries again.
 */
class PageLoadBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div
        role="alert"
        className="space-y-3 rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900"
      >
        <p>This page could not be loaded: the server may be unreachable.</p>
        <Button onClick={() => window.location.reload()}>Reload</Button>
      </div>
    );
  }
}

/** Signed out: the sign-in page. Signed in: the console, with one query client per session. */
function Shell() {
  const { user, loading, expire, refresh } = useAuth();
  const { path } = useLocation();
  // Who is signed in, as far as caching goes: another person, or the same one with another role, starts afresh.
  const identity = user ? `${user.id ?? user.name}/${user.role}` : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: identity is deliberate: a new user (or a new sign-in) gets a fresh query cache, so nothing cached for the previous session is shown.
  const queryClient = useMemo(() => createQueryClient(expire, refresh), [identity, expire, refresh]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: identity is deliberate: the tRPC client (and its links) is rebuilt per signed-in user, together with the query client above.
  const trpcClient = useMemo(() => createClient(), [identity]);
  // When an outage ends, everything shown is read again (queries that failed meanwhile were not retried).
  useEffect(() => onRecovered(() => void queryClient.invalidateQueries()), [queryClient]);
  // Signed in on the sign-in address (after single sign-on refused once, or a bookmark): on to the overview.
  useEffect(() => {
    if (user && path === '/login') navigate('/', { replace: true });
  }, [user, path]);
  // An invite link works signed in or not: it is its own page, outside the console.
  if (path === '/accept-invite')
    return (
      <>
        <OutageBanner />
        <AcceptInvitePage />
      </>
    );
  if (loading) return <Skeleton className="m-8 h-64" />;
  if (!user)
    return (
      <>
        <OutageBanner />
        <LoginPage />
      </>
    );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Layout>
          <PageLoadBoundary key={path}>
            <Suspense fallback={<PageLoading />}>
              <Routes />
            </Suspense>
          </PageLoadBoundary>
        </Layout>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

export function App() {
  return (
    <RouterProvider>
      <ToastProvider>
        <AuthProvider>
          <Shell />
          <Toasts />
        </AuthProvider>
      </ToastProvider>
    </RouterProvider>
  );
}
