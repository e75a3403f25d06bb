import { useEffect, useState, type FormEvent } from 'react';
import { MIN_PASSWORD_LENGTH } from '../../../shared/users.ts';
import { AuthError, authApi, type InviteInfo } from '../api/auth.ts';
import { AuthCard } from '../components/AuthCard.tsx';
import { Badge, Button, Field, inputClass } from '../components/ui.tsx';
import { useAuth } from '../hooks/useAuth.tsx';
import { useTheme } from '../hooks/useTheme.ts';
import { formatTime } from '../lib/format.ts';
import { Link, navigate } from '../router/router.tsx';

/** The invite's token: in the link's fragment (`#token=…`), which browsers never send, so no server log holds it. */
function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

type Lookup = { status: 'loading' } | { status: 'ok'; invite: InviteInfo } | { status: 'gone' } | { status: 'error'; message: string };

/** An invite link's page, signed in or not: who it is for, then a name and a password, and the new account is signed in. */
export function AcceptInvitePage() {
  useTheme();
  const [token] = useState(tokenFromHash);
  const [lookup, setLookup] = useState<Lookup>({ status: 'loading' });
  useEffect(() => {
    if (!token) {
      setLookup({ status: 'gone' });
      return;
    }
    authApi.inviteInfo(token).then(
      (invite) => setLookup({ status: 'ok', invite }),
      (err: unknown) =>
        setLookup(
          err instanceof AuthError && (err.status === 404 || err.status === 400)
            ? { status: 'gone' }
            : { status: 'error', message: err instanceof Error ? err.message : String(err) },
        ),
    );
  }, [token]);

  if (lookup.status === 'loading') {
    return (
      <AuthCard title="Accept your invite" subtitle="Checking the link…">
        <p role="status" className="sr-only">
          Checking the invite link…
        </p>
      </AuthCard>
    );
  }
  if (lookup.status !== 'ok') {
    return (
      <AuthCard title="This invite cannot be used" subtitle="BizInsights Jobs">
        <p role="alert" className="text-sm text-slate-700 dark:text-slate-200" data-testid="invite-gone">
          {lookup.status === 'gone'
            ? 'The link has expired, was already used, or was revoked. Invite links work once, for 24 hours: ask an admin to invite you again.'
            : `The invite could not be checked: ${lookup.message}`}
        </p>
        <Link to="/" className="text-sm text-indigo-700 underline dark:text-indigo-300">
          Go to the sign-in page
        </Link>
      </AuthCard>
    );
  }
  return <AcceptForm token={token} invite={lookup.invite} />;
}

function AcceptForm({ token, invite }: { token: string; invite: InviteInfo }) {
  const { user, acceptInvite } = useAuth();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const tooShort = password.length > 0 && password.length < MIN_PASSWORD_LENGTH;
  const mismatch = repeat.length > 0 && repeat !== password;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (tooShort || mismatch) return;
    setBusy(true);
    setError(undefined);
    setFieldErrors({});
    try {
      await acceptInvite({ token, name: name.trim(), password });
      // Signed in as the new account; the fragment (the spent token) leaves the address bar.
      navigate('/', { replace: true });
    } catch (err) {
      if (err instanceof AuthError && err.fieldErrors && Object.keys(err.fieldErrors).length > 0) setFieldErrors(err.fieldErrors);
      else
        setError(
          err instanceof AuthError && err.status === 404 ? 'This invite has expired or was already used.' : err instanceof Error ? err.message : String(err),
        );
    } finally {
      setBusy(false);
    }
  }

  // Field errors the form has no field for (the token) read as a general error.
  const otherErrors = Object.entries(fieldErrors)
    .filter(([k]) => k !== 'name' && k !== 'password')
    .map(([k, v]) => `${k}: ${v.join(', ')}`);

  return (
    <AuthCard title="Accept your invite" subtitle="BizInsights Jobs">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-sm" data-testid="invite-info">
        <dt className="text-slate-500 dark:text-slate-400">Email</dt>
        <dd className="break-all font-medium">{invite.email}</dd>
        <dt className="text-slate-500 dark:text-slate-400">Role</dt>
        <dd>
          <Badge color="blue">{invite.role}</Badge>
        </dd>
        <dt className="text-slate-500 dark:text-slate-400">Link valid until</dt>
        <dd>{formatTime(invite.expiresAt)}</dd>
      </dl>
      {user && (
        <p className="rounded-md bg-amber-50 p-2 text-sm text-amber-900 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900">
          You are signed in as {user.name}; accepting signs this browser in as {invite.email} instead.
        </p>
      )}
      <form onSubmit={submit} className="space-y-4" aria-label="Accept invite">
        <Field label="Your name" error={fieldErrors.name} hint="Shown in the console and the audit log">
          {(field) => (
            <input
              {...field}
              className={inputClass}
              name="name"
              autoComplete="name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={fieldErrors.name ? true : undefined}
              // biome-ignore lint/a11y/noAutofocus: the page exists for this form; the cursor belongs in its first field.
              autoFocus
            />
          )}
        </Field>
        {/* The email as a username, so a password manager files the new password under it. */}
        <input type="hidden" name="username" autoComplete="username" value={invite.email} />
        <Field
          label="Password"
          error={fieldErrors.password ?? (tooShort ? `must be at least ${MIN_PASSWORD_LENGTH} characters` : undefined)}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters, and not a commonly used password`}
        >
          {(field) => (
            <input
              {...field}
              className={inputClass}
              type="password"
              name="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={fieldErrors.password || tooShort ? true : undefined}
            />
          )}
        </Field>
        <Field label="Repeat password" error={mismatch ? 'does not match the password' : undefined}>
          {(field) => (
            <input
              {...field}
              className={inputClass}
              type="password"
              name="repeat"
              autoComplete="new-password"
              required
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
              aria-invalid={mismatch ? true : undefined}
            />
          )}
        </Field>
        {(error || otherErrors.length > 0) && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error ?? otherErrors.join('; ')}
          </p>
        )}
        <Button
          type="submit"
          variant="primary"
          className="w-full justify-center"
          disabled={busy || !name.trim() || !password || repeat !== password || tooShort}
        >
          {busy ? 'Creating your account…' : 'Create account and sign in'}
        </Button>
      </form>
    </AuthCard>
  );
}
