import { QueryClientProvider } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Layout } from './components/Layout.tsx';
import { Toasts } from './components/Toasts.tsx';
import { Skeleton } from './components/ui.tsx';
import { AuthProvider, useAuth } from './hooks/useAuth.tsx';
import { ToastProvider } from './hooks/useToast.tsx';
import { AddJobPage } from './pages/AddJobPage.tsx';
import { AlertsPage } from './pages/AlertsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { InsightsPage } from './pages/InsightsPage.tsx';
import { OutboxPage } from './pages/OutboxPage.tsx';
import { ReportsPage } from './pages/ReportsPage.tsx';
import { JobPage } from './pages/JobPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { QueuePage } from './pages/QueuePage.tsx';
import { SchedulesPage } from './pages/SchedulesPage.tsx';
import { WorkersPage } from './pages/WorkersPage.tsx';
import { RouterProvider, matchPath, useLocation } from './router/router.tsx';
import { TRPCProvider, createClient, createQueryClient } from './trpc.ts';

function Routes() {
  const { path } = useLocation();
  const { isAdmin } = useAuth();
  let m: Record<string, string> | undefined;
  if (path === '/') return <OverviewPage />;
  if ((m = matchPath('/queues/:queue/jobs/:id', path))) return <JobPage key={`${m.queue}/${m.id}`} queue={m.queue} id={m.id} />;
  if ((m = matchPath('/queues/:queue', path))) return <QueuePage key={m.queue} name={m.queue} />;
  if (path === '/add') return isAdmin ? <AddJobPage /> : <NotFoundPage what="Adding jobs (admin only)" />;
  if (path === '/schedules') return <SchedulesPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/alerts') return <AlertsPage />;
  if (path === '/insights') return <InsightsPage />;
  if (path === '/reports') return <ReportsPage />;
  if (path === '/outbox') return <OutboxPage />;
  if (path === '/workers') return <WorkersPage />;
  return <NotFoundPage />;
}

/** Signed out: the sign-in page. Signed in: the console, with one query client per session. */
function Shell() {
  const { user, loading, expire } = useAuth();
  // biome-ignore lint/correctness/useExhaustiveDependencies: user?.name is deliberate: a new user (or a new sign-in) gets a fresh query cache, so nothing cached for the previous session is shown.
  const queryClient = useMemo(() => createQueryClient(expire), [user?.name, expire]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: user?.name is deliberate: the tRPC client (and its links) is rebuilt per signed-in user, together with the query client above.
  const trpcClient = useMemo(() => createClient(), [user?.name]);
  if (loading) return <Skeleton className="m-8 h-64" />;
  if (!user) return <LoginPage />;
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Layout>
          <Routes />
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
