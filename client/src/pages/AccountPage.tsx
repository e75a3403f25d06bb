import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ROLES, roleAtLeast, type Role, type User } from '../../../shared/auth.ts';
import type { ApiTokenView } from '../../../shared/users.ts';
import { OneTimeSecret } from '../components/OneTimeSecret.tsx';
import { TokenTable } from '../components/TokenTable.tsx';
import { Badge, Button, Card, EmptyState, Field, QueryView, inputClass } from '../components/ui.tsx';
import { useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatTime } from '../lib/format.ts';
import { ROLE_COLORS, ROLE_SUMMARY } from '../lib/roles.ts';
import { fieldErrorsOf, useTRPC } from '../trpc.ts';

const EXPIRY_CHOICES = [
  { value: '30', label: '30 days', days: 30 },
  { value: '90', label: '90 days', days: 90 },
  { value: '365', label: '1 year', days: 365 },
  { value: 'never', label: 'Never', days: null },
] as const;

/** Everyone's own page: who the console thinks you are, and your personal API tokens. */
export function AccountPage() {
  const { user } = useAuth();
  if (!user) return null;
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-semibold">Account</h1>
      <Card title="You">
        <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]" data-testid="account-identity">
          <dt className="text-slate-500 dark:text-slate-400">Name</dt>
          <dd>{user.name}</dd>
          <dt className="text-slate-500 dark:text-slate-400">Email</dt>
          <dd>{user.email ?? '—'}</dd>
          <dt className="text-slate-500 dark:text-slate-400">Role</dt>
          <dd>
            <Badge color={ROLE_COLORS[user.role]}>{user.role}</Badge> <span className="text-slate-600 dark:text-slate-300">{ROLE_SUMMARY[user.role]}</span>
          </dd>
        </dl>
      </Card>
      {user.id ? (
        <Tokens user={user} />
      ) : (
        <Card title="API tokens">
          <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="tokens-need-account">
            You are signed in with a shared password, not a personal account, so there are no API tokens to manage here: a personal token belongs to one person
            and ends with their account. Ask an admin to invite you, then create tokens after signing in with your email.
          </p>
        </Card>
      )}
    </div>
  );
}

function Tokens({ user }: { user: User }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.tokens.list.queryOptions(undefined, { refetchInterval: 30_000 }));
  const [created, setCreated] = useState<{ token: string; view: ApiTokenView } | null>(null);
  return (
    <>
      <Card title="Create an API token">
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-300">
          For scripts and the operator CLI (<code>BIZJOBS_TOKEN</code>): send it as <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you, with
          at most the role you give it, and never more than your own role.
        </p>
        <CreateTokenForm role={user.role} onCreated={setCreated} />
        {created && (
          <div className="mt-4">
            <OneTimeSecret label={`Token “${created.view.name}”`} value={created.token} onDone={() => setCreated(null)} testId="new-token">
              Copy it now: it is shown only once, and only its hash is stored. Anyone holding it acts as you ({created.view.role}) until it{' '}
              {created.view.expiresAt ? `expires ${formatTime(created.view.expiresAt)}` : 'is revoked'}; keep it out of code and chat.
            </OneTimeSecret>
          </div>
        )}
      </Card>
      <section aria-labelledby="tokens-heading" className="space-y-2">
        <h2 id="tokens-heading" className="text-lg font-semibold">
          Your API tokens
        </h2>
        <QueryView
          query={list}
          isEmpty={(d) => d.length === 0}
          skeleton="h-24"
          empty={<EmptyState title="No API tokens yet">Tokens you create are listed here with their last use.</EmptyState>}
        >
          {(tokens) => <TokenTable tokens={tokens} testId="tokens-table" canRevoke />}
        </QueryView>
      </section>
    </>
  );
}

function CreateTokenForm({ role: myRole, onCreated }: { role: Role; onCreated: (r: { token: string; view: ApiTokenView }) => void }) {
  const trpc = useTRPC();
  // A token is never above its owner: only your role and those below are offered (the server checks it too).
  const roles = ROLES.filter((r) => roleAtLeast(myRole, r));
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(myRole === 'admin' ? 'operator' : myRole);
  const [expiry, setExpiry] = useState<(typeof EXPIRY_CHOICES)[number]['value']>('90');
  const create = useActionMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (r) => {
        onCreated(r);
        setName('');
      },
    }),
    { success: (r) => `Token ${r.view.name} created`, invalidates: [trpc.tokens.pathFilter()] },
  );
  const errors = fieldErrorsOf(create.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    const days = EXPIRY_CHOICES.find((c) => c.value === expiry)?.days ?? null;
    create.mutate({ name: name.trim(), role, expiresInDays: days });
  }

  return (
    <form className="grid gap-3 sm:grid-cols-[1fr_auto_auto_auto] sm:items-start" onSubmit={submit} aria-label="Create API token">
      <Field label="Token name" error={errors?.name} hint="What uses it, e.g. “nightly retry script”">
        {(field) => (
          <input
            {...field}
            className={inputClass}
            name="name"
            maxLength={64}
            required
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={errors?.name ? true : undefined}
          />
        )}
      </Field>
      <Field label="Token role" error={errors?.role}>
        {(field) => (
          <select {...field} className={inputClass} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Expires in" error={errors?.expiresInDays}>
        {(field) => (
          <select {...field} className={inputClass} name="expiresInDays" value={expiry} onChange={(e) => setExpiry(e.target.value as typeof expiry)}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Button type="submit" variant="primary" className="sm:mt-6" disabled={create.isPending || !name.trim()}>
        Create token
      </Button>
    </form>
  );
}
