import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Pagination } from '../components/JobTable.tsx';
import { Badge, Button, EmptyState, QueryView, Table, compactInputClass } from '../components/ui.tsx';
import { useAction } from '../hooks/useAction.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatRelative, formatTime } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const SEVERITY_COLOR = { LOW: 'gray', MEDIUM: 'blue', HIGH: 'amber', CRITICAL: 'red' } as const;
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const PAGE_SIZE = 25;

export function AlertsPage() {
  const trpc = useTRPC();
  const { isAdmin } = useAuth();
  const [severity, setSeverity] = useSearchParam('severity', '');
  const [pageParam, setPage] = useSearchParam('page', '1');
  const page = Math.max(1, Number(pageParam) || 1);
  const q = useQuery(
    trpc.alerts.list.queryOptions(
      { page, pageSize: PAGE_SIZE, severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as (typeof SEVERITIES)[number]) : undefined },
      { refetchInterval: 10_000, placeholderData: keepPreviousData },
    ),
  );
  const { run, busy } = useAction();
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Alerts</h1>
        <select className={compactInputClass} aria-label="Severity" value={severity} onChange={(e) => setSeverity(e.target.value, { reset: ['page'] })}>
          <option value="">All severities</option>
          {SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <QueryView query={q} isEmpty={(d) => d.total === 0} empty={<EmptyState title="No alerts">Data anomalies, revoked credentials and queue-health problems show up here.</EmptyState>}>
        {(d) => (
        <>
          <Table testId="alerts-table" columns={['Severity', 'Type', 'Message', 'Organization', 'Seen', 'Last', 'Status', ...(isAdmin ? [''] : [])]}>
            {d.alerts.map((a) => (
              <tr key={a.id} data-testid={`alert-${a.id}`} className={a.status === 'resolved' ? 'opacity-50' : ''}>
                <td className="px-3 py-2">
                  <Badge color={SEVERITY_COLOR[a.severity]}>{a.severity}</Badge>
                </td>
                <td className="px-3 py-2 font-mono text-xs">{a.alertType}</td>
                <td className="max-w-96 px-3 py-2">{a.message}</td>
                <td className="px-3 py-2">{a.organizationId}</td>
                <td className="px-3 py-2 tabular-nums">{a.occurrences}×</td>
                <td className="whitespace-nowrap px-3 py-2" title={formatTime(Date.parse(a.lastAt))}>
                  {formatRelative(Date.parse(a.lastAt))}
                </td>
                <td className="px-3 py-2">{a.status === 'acknowledged' ? `acknowledged by ${a.acknowledgedBy}` : a.status}</td>
                {isAdmin && (
                  <td className="px-3 py-2 text-right">
                    {a.status === 'open' && (
                      <Button disabled={busy} onClick={() => void run((c) => c.alerts.acknowledge.mutate({ id: a.id }), () => 'Alert acknowledged')}>
                        Acknowledge
                      </Button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </Table>
          <Pagination page={page} pages={Math.max(1, Math.ceil(d.total / PAGE_SIZE))} total={d.total} noun={['alert', 'alerts']} onPage={(p) => setPage(String(p))} />
        </>
        )}
      </QueryView>
    </div>
  );
}
