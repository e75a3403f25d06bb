import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { pageParamSchema } from '../../../shared/url-params.ts';
import { Pagination } from '../components/JobTable.tsx';
import { Badge, EmptyState, QueryView, Table } from '../components/ui.tsx';
import { formatTime } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const PAGE_SIZE = 50;

export function AuditPage() {
  const trpc = useTRPC();
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  const q = useQuery(trpc.audit.list.queryOptions({ page, pageSize: PAGE_SIZE }, { refetchInterval: 10_000, placeholderData: keepPreviousData }));
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Audit log</h1>
      <QueryView
        query={q}
        isEmpty={(d) => d.total === 0}
        skeleton="h-64"
        empty={<EmptyState title="No admin actions yet">Every pause, retry, clean, empty, add and schedule change is recorded here.</EmptyState>}
      >
        {(d) => (
          <>
            <Table testId="audit-table" columns={['When', 'Who', 'Action', 'Queue', 'Jobs', 'From', 'Result']}>
              {d.entries.map((e) => (
                <tr key={e.id}>
                  <td className="whitespace-nowrap px-3 py-2">{formatTime(e.at)}</td>
                  <td className="px-3 py-2">
                    {e.user} <span className="text-xs text-slate-500 dark:text-slate-400">({e.via})</span>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">
                    {e.action} <Badge>{e.source}</Badge>
                  </td>
                  <td className="px-3 py-2">{e.queue ?? '—'}</td>
                  <td className="max-w-60 truncate px-3 py-2 font-mono text-xs" title={e.jobIds?.join(', ')}>
                    {e.jobIds?.join(', ') ?? (e.count !== undefined ? `${e.count} job(s)` : '—')}
                  </td>
                  <td className="px-3 py-2 text-xs">{e.ip}</td>
                  <td className="px-3 py-2">
                    {e.ok ? (
                      <Badge color="green">ok</Badge>
                    ) : (
                      <span title={e.error}>
                        <Badge color="red">failed</Badge>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
            <Pagination
              page={page}
              pages={Math.max(1, Math.ceil(d.total / PAGE_SIZE))}
              total={d.total}
              noun={['entry', 'entries']}
              onPage={(p) => setPage(p)}
            />
          </>
        )}
      </QueryView>
    </div>
  );
}
