import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { alertSeveritySchema, pageParamSchema } from '../../../shared/url-params.ts';
import { Pagination } from '../components/JobTable.tsx';
import { NotificationChannels } from '../components/NotificationChannels.tsx';
import { Badge, Button, EmptyState, QueryView, Table, compactInputClass, TimeCell } from '../components/ui.tsx';
import { useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const SEVERITY_COLOR = { LOW: 'gray', MEDIUM: 'blue', HIGH: 'amber', CRITICAL: 'red' } as const;
const PAGE_SIZE = 25;
/** A resolved alert reads quieter through its text colour, not opacity (which took a CRITICAL badge to 3:1 contrast). */
const RESOLVED_ROW = 'bg-slate-50 text-slate-600 dark:bg-slate-950/40 dark:text-slate-400';

export function AlertsPage() {
  const trpc = useTRPC();
  const canAcknowledge = useAuth().can('operator');
  const [severity, setSeverity] = useSearchParam('severity', alertSeveritySchema);
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  const q = useQuery(trpc.alerts.list.queryOptions({ page, pageSize: PAGE_SIZE, severity }, { refetchInterval: 10_000, placeholderData: keepPreviousData }));
  const acknowledge = useActionMutation(trpc.alerts.acknowledge.mutationOptions(), {
    success: () => 'Alert acknowledged',
    invalidates: [trpc.alerts.pathFilter()],
  });
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Alerts</h1>
        <select
          className={compactInputClass}
          aria-label="Severity"
          value={severity ?? ''}
          onChange={(e) => setSeverity(alertSeveritySchema.safeParse(e.target.value).data, { reset: ['page'] })}
        >
          <option value="">All severities</option>
          {alertSeveritySchema.options.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <NotificationChannels />
      <QueryView
        query={q}
        isEmpty={(d) => d.total === 0}
        empty={<EmptyState title="No alerts">Data anomalies, revoked credentials and queue-health problems show up here.</EmptyState>}
      >
        {(d) => (
          <>
            <Table testId="alerts-table" columns={['Severity', 'Type', 'Message', 'Organization', 'Seen', 'Last', 'Status', ...(canAcknowledge ? [''] : [])]}>
              {d.alerts.map((a) => (
                <tr key={a.id} data-testid={`alert-${a.id}`} className={a.status === 'resolved' ? RESOLVED_ROW : ''}>
                  <td className="px-3 py-2">
                    <Badge color={SEVERITY_COLOR[a.severity]}>{a.severity}</Badge>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{a.alertType}</td>
                  <td className="max-w-96 px-3 py-2">{a.message}</td>
                  <td className="px-3 py-2">{a.organizationId}</td>
                  <td className="px-3 py-2 tabular-nums">{a.occurrences}×</td>
                  <TimeCell at={Date.parse(a.lastAt)} />
                  <td className="px-3 py-2">{a.status === 'acknowledged' ? `acknowledged by ${a.acknowledgedBy}` : a.status}</td>
                  {canAcknowledge && (
                    <td className="px-3 py-2 text-right">
                      {a.status === 'open' && (
                        <Button disabled={acknowledge.isPending} onClick={() => acknowledge.mutate({ id: a.id })}>
                          Acknowledge
                        </Button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </Table>
            <Pagination page={page} pages={Math.max(1, Math.ceil(d.total / PAGE_SIZE))} total={d.total} noun={['alert', 'alerts']} onPage={(p) => setPage(p)} />
          </>
        )}
      </QueryView>
    </div>
  );
}
