import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { pageParamSchema } from '../../../shared/url-params.ts';
import { OrgPicker } from '../components/OrgPicker.tsx';
import { Pagination } from '../components/JobTable.tsx';
import { Button, EmptyState, QueryView, Table, compactInputClass } from '../components/ui.tsx';
import { jobChanges, useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { useOrganizations } from '../hooks/useOrganizations.ts';
import { formatNumber, formatTime } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const PAGE_SIZE = 25;

export function ReportsPage() {
  const trpc = useTRPC();
  const { can } = useAuth();
  const { orgs, selected, setOrg } = useOrganizations();
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  const q = useQuery(
    trpc.reports.list.queryOptions(
      { page, pageSize: PAGE_SIZE, organizationId: selected?.id },
      { enabled: Boolean(orgs.data), refetchInterval: 10_000, placeholderData: keepPreviousData },
    ),
  );
  const [type, setType] = useState<'weekly' | 'monthly' | 'quarterly'>('weekly');
  const generate = useActionMutation(trpc.reports.generate.mutationOptions(), {
    success: (r) => `Report ${r.reportId} is being generated`,
    invalidates: [trpc.reports.pathFilter(), ...jobChanges(trpc)],
  });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="mr-auto text-2xl font-semibold">Reports</h1>
        {orgs.data && <OrgPicker orgs={orgs.data} value={selected?.id} onChange={(id) => setOrg(id, { reset: ['page'] })} />}
        {can('operator') && selected && (
          <>
            <select className={compactInputClass} aria-label="Report type" value={type} onChange={(e) => setType(e.target.value as typeof type)}>
              <option>weekly</option>
              <option>monthly</option>
              <option>quarterly</option>
            </select>
            <Button variant="primary" disabled={generate.isPending} onClick={() => generate.mutate({ organizationId: selected.id, reportType: type })}>
              Generate report
            </Button>
          </>
        )}
      </div>
      <QueryView
        query={q}
        isEmpty={(d) => d.total === 0}
        skeleton="h-64"
        empty={<EmptyState title="No reports yet">Weekly, monthly and quarterly reports appear here once generated.</EmptyState>}
      >
        {(d) => (
          <>
            <Table testId="reports-table" columns={['Report', 'Period', 'Key figures', 'Created', '']}>
              {d.reports.map((r) => (
                <tr key={r.id} data-testid={`report-${r.id}`}>
                  <td className="px-3 py-2">{r.title}</td>
                  <td className="whitespace-nowrap px-3 py-2">
                    {r.periodStart} – {r.periodEnd}
                  </td>
                  <td className="px-3 py-2 text-xs text-slate-600 dark:text-slate-300">
                    {r.kpis
                      .slice(0, 3)
                      .map((k) => `${k.label} ${formatNumber(k.value)}`)
                      .join(' · ')}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">{formatTime(Date.parse(r.createdAt))}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">
                    <a
                      className="text-indigo-700 underline dark:text-indigo-300"
                      href={`/api/reports/${encodeURIComponent(r.id)}/html`}
                      target="_blank"
                      rel="noreferrer"
                    >
                      Open
                    </a>{' '}
                    ·{' '}
                    <a className="text-indigo-700 underline dark:text-indigo-300" href={`/api/reports/${encodeURIComponent(r.id)}/csv`} download>
                      CSV
                    </a>
                  </td>
                </tr>
              ))}
            </Table>
            <Pagination
              page={page}
              pages={Math.max(1, Math.ceil(d.total / PAGE_SIZE))}
              total={d.total}
              noun={['report', 'reports']}
              onPage={(p) => setPage(p)}
            />
          </>
        )}
      </QueryView>
    </div>
  );
}
