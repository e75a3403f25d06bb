import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { auditUserFilterSchema, type AuditPerson } from '../../../shared/audit.ts';
import { pageParamSchema } from '../../../shared/url-params.ts';
import { Pagination } from '../components/JobTable.tsx';
import { Badge, EmptyState, QueryView, Table, compactInputClass } from '../components/ui.tsx';
import { formatTime } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const PAGE_SIZE = 50;

export function AuditPage() {
  const trpc = useTRPC();
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  // Whose entries: a stored user's id, or the name of an identity without one (an environment token, the shared viewer).
  const [person, setPerson] = useSearchParam('person', auditUserFilterSchema);
  const people = useQuery(trpc.audit.people.queryOptions(undefined, { refetchInterval: 60_000 }));
  const q = useQuery(trpc.audit.list.queryOptions({ page, pageSize: PAGE_SIZE, user: person }, { refetchInterval: 10_000, placeholderData: keepPreviousData }));
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <PersonPicker people={people.data} value={person} onChange={(p) => setPerson(p, { reset: ['page'] })} />
      </div>
      <QueryView
        query={q}
        isEmpty={(d) => d.total === 0}
        skeleton="h-64"
        empty={
          person ? (
            <EmptyState title="No actions by this person">Pick another person, or everyone.</EmptyState>
          ) : (
            <EmptyState title="No actions yet">Every pause, retry, clean, empty, add and schedule change is recorded here, with who did it.</EmptyState>
          )
        }
      >
        {(d) => (
          <>
            <Table testId="audit-table" columns={['When', 'Who', 'Token', 'Action', 'Queue', 'Jobs', 'From', 'Result']}>
              {d.entries.map((e) => (
                <tr key={e.id}>
                  <td className="whitespace-nowrap px-3 py-2">{formatTime(e.at)}</td>
                  <td className="px-3 py-2" data-testid="audit-who">
                    {e.user} <span className="text-xs text-slate-500 dark:text-slate-400">({e.via})</span>
                    {e.email && <div className="text-xs text-slate-500 dark:text-slate-400">{e.email}</div>}
                  </td>
                  <td className="px-3 py-2 text-xs" data-testid="audit-token">
                    {e.tokenName ?? (e.via === 'token' ? <span className="font-mono">{e.user}</span> : '—')}
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

/** Everyone who acted, most recently active first; a person picked from a link who is not (yet) listed stays picked. */
function PersonPicker({
  people,
  value,
  onChange,
}: {
  people: AuditPerson[] | undefined;
  value: string | undefined;
  onChange: (p: string | undefined) => void;
}) {
  const listed = people?.some((p) => p.identity === value);
  return (
    <select
      className={compactInputClass}
      aria-label="Person"
      value={value ?? ''}
      onChange={(e) => onChange(auditUserFilterSchema.safeParse(e.target.value).data)}
    >
      <option value="">Everyone</option>
      {value && !listed && <option value={value}>{value}</option>}
      {people?.map((p) => (
        <option key={p.identity} value={p.identity}>
          {p.email ? `${p.name} (${p.email})` : p.name}
        </option>
      ))}
    </select>
  );
}
