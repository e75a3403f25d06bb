import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { outboxStatusSchema, pageParamSchema, textParamSchema } from '../../../shared/url-params.ts';
import { Pagination } from '../components/JobTable.tsx';
import { Badge, Card, EmptyState, ErrorBox, QueryView, ScrollBox, Skeleton, Table, compactInputClass } from '../components/ui.tsx';
import { formatTime } from '../lib/format.ts';
import { useSearchParam } from '../router/router.tsx';
import { useTRPC } from '../trpc.ts';

const PAGE_SIZE = 25;
const STATUS_COLOR = { sent: 'green', pending: 'amber', failed: 'red' } as const;

export function OutboxPage() {
  const trpc = useTRPC();
  const [status, setStatus] = useSearchParam('status', outboxStatusSchema);
  const [page, setPage] = useSearchParam('page', pageParamSchema, 1);
  const [open, setOpen] = useSearchParam('email', textParamSchema, '');
  const q = useQuery(trpc.outbox.list.queryOptions({ page, pageSize: PAGE_SIZE, status }, { refetchInterval: 5_000, placeholderData: keepPreviousData }));
  const preview = useQuery(trpc.outbox.get.queryOptions({ id: open }, { enabled: Boolean(open) }));

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Outbox</h1>
        <select
          className={compactInputClass}
          aria-label="Status"
          value={status ?? ''}
          onChange={(e) => setStatus(outboxStatusSchema.safeParse(e.target.value).data, { reset: ['page'] })}
        >
          <option value="">All</option>
          <option value="sent">sent</option>
          <option value="pending">pending</option>
          <option value="failed">failed</option>
        </select>
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Every email the system sends, with the provider that took it (the outbox itself when no provider is configured).
      </p>
      <QueryView
        query={q}
        isEmpty={(d) => d.total === 0}
        skeleton="h-64"
        empty={<EmptyState title="No emails yet">Report deliveries, alert notifications, invitations and welcome emails land here.</EmptyState>}
      >
        {(d) => (
          <>
            <Table testId="outbox-table" columns={['To', 'Subject', 'Template', 'Status', 'Via', 'Created']}>
              {d.emails.map((e) => (
                <tr
                  key={e.id}
                  className={`cursor-pointer hover:bg-slate-50 dark:hover:bg-slate-800/60 ${open === e.id ? 'bg-indigo-50 dark:bg-indigo-950' : ''}`}
                  onClick={() => setOpen(e.id)}
                  data-testid={`email-${e.id}`}
                >
                  <td className="px-3 py-2">{e.recipient}</td>
                  <td className="px-3 py-2">
                    <button type="button" className="text-left text-indigo-700 hover:underline dark:text-indigo-300" onClick={() => setOpen(e.id)}>
                      {e.subject}
                    </button>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{e.template}</td>
                  <td className="px-3 py-2" title={e.error ?? ''}>
                    <Badge color={STATUS_COLOR[e.status]}>{e.status}</Badge>
                  </td>
                  <td className="px-3 py-2 text-xs">{e.provider ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">{formatTime(Date.parse(e.createdAt))}</td>
                </tr>
              ))}
            </Table>
            <Pagination page={page} pages={Math.max(1, Math.ceil(d.total / PAGE_SIZE))} total={d.total} noun={['email', 'emails']} onPage={(p) => setPage(p)} />
          </>
        )}
      </QueryView>
      {open && (
        <Card
          title={preview.data ? `Preview: ${preview.data.subject}` : 'Preview'}
          actions={
            <button type="button" className="text-sm" onClick={() => setOpen('')}>
              Close
            </button>
          }
        >
          {preview.error ? (
            <ErrorBox error={preview.error} />
          ) : !preview.data ? (
            <Skeleton className="h-64" />
          ) : (
            <div className="grid gap-3 lg:grid-cols-2" data-testid="email-preview">
              {/* The email's own HTML, sandboxed: no scripts, no access to the console. */}
              <iframe title="Email HTML" sandbox="" srcDoc={preview.data.html} className="h-96 w-full rounded ring-1 ring-slate-200 bg-white" />
              <ScrollBox
                label="Email text"
                className="h-96 whitespace-pre-wrap rounded bg-slate-50 p-3 text-xs ring-1 ring-slate-200 dark:bg-slate-950 dark:ring-slate-700"
              >
                {preview.data.text}
              </ScrollBox>
            </div>
          )}
        </Card>
      )}
    </div>
  );
}
