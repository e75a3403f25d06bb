import { useQuery } from '@tanstack/react-query';
import { Fragment, useState, type FormEvent } from 'react';
import { ROLES, type Role } from '../../../shared/auth.ts';
import type { InviteView, UserView } from '../../../shared/users.ts';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { OneTimeSecret } from '../components/OneTimeSecret.tsx';
import { TokenTable } from '../components/TokenTable.tsx';
import { Badge, Button, Card, EmptyState, Field, QueryView, Table, compactInputClass, inputClass, TimeCell } from '../components/ui.tsx';
import { useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { ROLE_COLORS, ROLE_SUMMARY } from '../lib/roles.ts';
import { fieldErrorsOf, useTRPC } from '../trpc.ts';

/** Admins only (the route and the server both say so): who may use the console, their roles and tokens, invites, and the environment's tokens. */
export function UsersPage() {
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-semibold">Users</h1>
      <InviteCard />
      <UsersTable />
      <PendingInvites />
      <EnvironmentTokens />
    </div>
  );
}

function InviteCard() {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [sent, setSent] = useState<{ email: string; link: string } | null>(null);
  const invite = useActionMutation(
    trpc.users.invite.mutationOptions({
      onSuccess: (r) => {
        // The token exists only in this answer: the link is built here and shown once.
        setSent({ email: r.invite.email, link: `${window.location.origin}/accept-invite#token=${encodeURIComponent(r.token)}` });
        setEmail('');
      },
    }),
    { success: (r) => `Invite for ${r.invite.email} created`, invalidates: [trpc.users.invites.pathFilter()] },
  );
  const errors = fieldErrorsOf(invite.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSent(null);
    invite.mutate({ email: email.trim(), role });
  }

  return (
    <Card title="Invite someone">
      <form className="flex flex-wrap items-start gap-3" onSubmit={submit} aria-label="Invite">
        <div className="min-w-64 flex-1">
          <Field label="Email" error={errors?.email}>
            {(field) => (
              <input
                {...field}
                className={inputClass}
                type="email"
                name="email"
                autoComplete="off"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                aria-invalid={errors?.email ? true : undefined}
              />
            )}
          </Field>
        </div>
        <Field label="Role" error={errors?.role} hint={ROLE_SUMMARY[role]}>
          {(field) => (
            <select {...field} className={inputClass} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Button type="submit" variant="primary" className="mt-6" disabled={invite.isPending || !email.trim()}>
          Create invite link
        </Button>
      </form>
      {sent && (
        <div className="mt-4">
          <OneTimeSecret label={`Invite link for ${sent.email}`} value={sent.link} onDone={() => setSent(null)} testId="invite-link">
            Send this link to {sent.email} yourself. It is shown only once, works once, and expires in 24 hours.
          </OneTimeSecret>
        </div>
      )}
    </Card>
  );
}

function UsersTable() {
  const trpc = useTRPC();
  const { user: me } = useAuth();
  const list = useQuery(trpc.users.list.queryOptions(undefined, { refetchInterval: 30_000 }));
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  // Whose personal API tokens are shown, each in a row below theirs.
  const [tokensOpen, setTokensOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggleTokens = (id: string) =>
    setTokensOpen((open) => {
      const next = new Set(open);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const invalidates = [trpc.users.pathFilter()];
  const setRole = useActionMutation(trpc.users.setRole.mutationOptions(), { success: (u) => `${u.name} is now ${u.role}`, invalidates });
  const setStatus = useActionMutation(trpc.users.setStatus.mutationOptions(), {
    success: (u) => `${u.name} ${u.status === 'disabled' ? 'disabled: signed out everywhere' : 'enabled'}`,
    invalidates,
  });
  const busy = setRole.isPending || setStatus.isPending;

  function changeRole(u: UserView, role: Role) {
    if (role === u.role) return;
    if (u.role !== 'admin') return setRole.mutate({ id: u.id, role });
    setConfirm({
      title: `Make ${u.name} ${role === 'operator' ? 'an' : 'a'} ${role}?`,
      danger: true,
      body: (
        <>
          {u.name} ({u.email}) stops being an admin on their next request: no more user management, empty, clean, remove or schedule changes
          {role === 'viewer' ? ', and no queue actions at all' : ''}. Their API tokens act at most as {role} too.
        </>
      ),
      confirmLabel: `Make ${role}`,
      onConfirm: () => setRole.mutate({ id: u.id, role }),
    });
  }

  function disable(u: UserView) {
    setConfirm({
      title: `Disable ${u.name}?`,
      danger: true,
      body: (
        <>
          {u.email} is signed out at once: every session ends and every personal API token stops working, from the next request on. Nothing they did is undone,
          and you can enable the account again later.
        </>
      ),
      confirmLabel: 'Disable user',
      onConfirm: () => setStatus.mutate({ id: u.id, status: 'disabled' }),
    });
  }

  return (
    <section aria-labelledby="users-heading" className="space-y-2">
      <h2 id="users-heading" className="text-lg font-semibold">
        People
      </h2>
      <QueryView query={list} isEmpty={(d) => d.length === 0} skeleton="h-40" empty={<EmptyState title="No users yet" />}>
        {(users) => (
          <Table testId="users-table" columns={['Name', 'Email', 'Role', 'Status', 'SSO', 'Created', 'Last sign-in', '']}>
            {users.map((u) => {
              const self = u.id === me?.id;
              const tokensShown = tokensOpen.has(u.id);
              const tokensId = `user-tokens-${u.id}`;
              return (
                <Fragment key={u.id}>
                  <tr data-testid={`user-${u.email}`}>
                    <th scope="row" className="px-3 py-2 text-left font-medium">
                      {u.name}
                      {self && <span className="ml-1 text-xs font-normal text-slate-500 dark:text-slate-400">(you)</span>}
                    </th>
                    <td className="break-all px-3 py-2">{u.email}</td>
                    <td className="px-3 py-2">
                      <select
                        className={compactInputClass}
                        aria-label={`Role of ${u.name}`}
                        value={u.role}
                        // Your own role is changed by another admin: one cannot lock oneself out by mistake.
                        disabled={busy || self}
                        title={self ? 'Another admin can change your role' : undefined}
                        onChange={(e) => changeRole(u, e.target.value as Role)}
                      >
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    </td>
                    <td className="px-3 py-2">
                      <Badge color={u.status === 'active' ? 'green' : 'red'}>{u.status}</Badge>
                    </td>
                    <td className="px-3 py-2">{u.sso ? 'yes' : '—'}</td>
                    <TimeCell at={u.createdAt} />
                    <TimeCell at={u.lastLoginAt} none="never" />
                    <td className="whitespace-nowrap px-3 py-2">
                      <div className="flex justify-end gap-1">
                        {self ? null : u.status === 'active' ? (
                          <Button variant="ghost" disabled={busy} onClick={() => disable(u)} aria-label={`Disable ${u.name}`}>
                            Disable
                          </Button>
                        ) : (
                          <Button disabled={busy} onClick={() => setStatus.mutate({ id: u.id, status: 'active' })} aria-label={`Enable ${u.name}`}>
                            Enable
                          </Button>
                        )}
                        <Button
                          variant="ghost"
                          aria-expanded={tokensShown}
                          aria-controls={tokensId}
                          aria-label={`Tokens of ${u.name}`}
                          onClick={() => toggleTokens(u.id)}
                        >
                          Tokens
                          <span aria-hidden className="text-xs">
                            {tokensShown ? '▴' : '▾'}
                          </span>
                        </Button>
                      </div>
                    </td>
                  </tr>
                  {tokensShown && (
                    <tr id={tokensId} data-testid={`user-tokens-${u.email}`}>
                      <td colSpan={8} className="bg-slate-50 px-3 py-3 dark:bg-slate-950/60">
                        <UserTokens user={u} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </Table>
        )}
      </QueryView>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

/** An admin's view of one person's personal API tokens (`tokens.list` with their id): any active one can be revoked. */
function UserTokens({ user }: { user: UserView }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.tokens.list.queryOptions({ userId: user.id }, { refetchInterval: 30_000 }));
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Personal API tokens of {user.name}, created on their Account page. Revoking one stops it at once.
        {user.status === 'disabled' && ' While the account is disabled, none of them works.'}
      </p>
      <QueryView
        query={list}
        isEmpty={(d) => d.length === 0}
        skeleton="h-16"
        empty={<EmptyState title="No personal API tokens">{user.name} has not created any on their Account page.</EmptyState>}
      >
        {(tokens) => <TokenTable tokens={tokens} testId={`tokens-of-${user.email}`} owner={user.name} canRevoke />}
      </QueryView>
    </div>
  );
}

/** Invites not yet used nor expired: an admin may take one back (its link stops working). */
function isPending(i: InviteView, now: number): boolean {
  return i.usedAt === null && i.expiresAt > now;
}

function PendingInvites() {
  const trpc = useTRPC();
  const invites = useQuery(trpc.users.invites.queryOptions(undefined, { refetchInterval: 30_000 }));
  const users = useQuery(trpc.users.list.queryOptions());
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const revoke = useActionMutation(trpc.users.revokeInvite.mutationOptions(), {
    success: () => 'Invite revoked',
    invalidates: [trpc.users.invites.pathFilter()],
  });
  const now = Date.now();
  // An invite names its creator by id; the people table has their names.
  const nameOf = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id;
  return (
    <section aria-labelledby="invites-heading" className="space-y-2">
      <h2 id="invites-heading" className="text-lg font-semibold">
        Pending invites
      </h2>
      <QueryView
        query={{ error: invites.error, data: invites.data?.filter((i) => isPending(i, now)) }}
        isEmpty={(d) => d.length === 0}
        skeleton="h-20"
        empty={<EmptyState title="No pending invites">An invite link stays valid for 24 hours, until it is used or revoked.</EmptyState>}
      >
        {(pending) => (
          <Table testId="invites-table" columns={['Email', 'Role', 'Invited by', 'Created', 'Expires', '']}>
            {pending.map((i) => (
              <tr key={i.id} data-testid={`invite-${i.email}`}>
                <th scope="row" className="break-all px-3 py-2 text-left font-medium">
                  {i.email}
                </th>
                <td className="px-3 py-2">
                  <Badge color={ROLE_COLORS[i.role]}>{i.role}</Badge>
                </td>
                <td className="px-3 py-2">{nameOf(i.createdBy)}</td>
                <TimeCell at={i.createdAt} />
                <TimeCell at={i.expiresAt} />
                <td className="px-3 py-2 text-right">
                  <Button
                    variant="ghost"
                    disabled={revoke.isPending}
                    aria-label={`Revoke the invite for ${i.email}`}
                    onClick={() =>
                      setConfirm({
                        title: `Revoke the invite for ${i.email}?`,
                        danger: true,
                        body: 'Its link stops working at once. You can invite the same address again.',
                        confirmLabel: 'Revoke invite',
                        onConfirm: () => revoke.mutate({ id: i.id }),
                      })
                    }
                  >
                    Revoke
                  </Button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </QueryView>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

const ENV_VARIABLE = { 'api-token': 'API_TOKEN', 'viewer-api-token': 'VIEWER_API_TOKEN' } as const;

/** API_TOKEN / VIEWER_API_TOKEN: listed so admins know they exist; their values stay in the server's environment. */
function EnvironmentTokens() {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.tokens.environment.queryOptions());
  return (
    <Card title="Environment tokens">
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-300">
        Shared tokens set in the server's environment, for automation that predates personal tokens. They are not tied to a person (the audit log names the
        token), and changing one means a redeploy. Personal API tokens are created on each person's Account page; a person's Tokens button above lists theirs.
      </p>
      <QueryView
        query={tokens}
        isEmpty={(d) => d.length === 0}
        skeleton="h-16"
        empty={<p className="text-sm text-slate-500 dark:text-slate-400">None configured (API_TOKEN and VIEWER_API_TOKEN are unset).</p>}
      >
        {(d) => (
          <Table testId="environment-tokens" columns={['Name', 'Role', 'Set by']}>
            {d.map((t) => (
              <tr key={t.name}>
                <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-medium">
                  {t.name}
                </th>
                <td className="px-3 py-2">
                  <Badge color={ROLE_COLORS[t.role]}>{t.role}</Badge>
                </td>
                <td className="px-3 py-2 font-mono text-xs">{ENV_VARIABLE[t.name]}</td>
              </tr>
            ))}
          </Table>
        )}
      </QueryView>
    </Card>
  );
}
