import { useEffect, useState, type FormEvent } from 'react';
import { AuthError, SSO_START_PATH, authApi, type AuthOptions } from '../api/auth.ts';
import { AuthCard } from '../components/AuthCard.tsx';
import { Button, Field, inputClass } from '../components/ui.tsx';
import { useAuth } from '../hooks/useAuth.tsx';
import { useTheme } from '../hooks/useTheme.ts';
import { useLocation } from '../router/router.tsx';

/** The page every signed-out visit shows; single sign-on's callback sends its refusals here as `?error=`. */
export function LoginPage() {
  const { signIn } = useAuth();
  // The remembered (or the system's) theme applies before sign-in too, not only inside the console.
  useTheme();
  const { search } = useLocation();
  const ssoError = search.get('error');
  const [options, setOptions] = useState<AuthOptions>();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Without an answer the page still signs in by password; only the SSO button waits for it.
    authApi.options().then(setOptions, () => undefined);
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
    } catch (err) {
      setError(err instanceof AuthError ? err.message : 'Could not reach the server');
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="BizInsights Jobs" subtitle="Sign in to the jobs console">
      {ssoError && (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900">
          Single sign-on failed: {ssoError}
        </p>
      )}
      <form onSubmit={submit} className="space-y-4" aria-label="Sign in">
        <Field
          label="Email"
          hint={
            <>
              Or <code>admin</code> for the first admin
              {options?.viewerLogin && (
                <>
                  , <code>viewer</code> for the shared viewer password
                </>
              )}
              .
            </>
          }
        >
          {(field) => (
            <input
              {...field}
              className={inputClass}
              name="username"
              // Not type=email: the built-in names (admin, viewer) are not addresses.
              type="text"
              inputMode="email"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              // biome-ignore lint/a11y/noAutofocus: the sign-in page has nothing else to do; the cursor belongs in its first field.
              autoFocus
            />
          )}
        </Field>
        <Field label="Password">
          {(field) => (
            <input
              {...field}
              className={inputClass}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" className="w-full justify-center" disabled={busy || !username.trim() || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
      {options?.sso.enabled && (
        <>
          <div className="flex items-center gap-3 text-xs text-slate-500 dark:text-slate-400" aria-hidden>
            <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
            or
            <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
          </div>
          {/* A link, not fetch: the browser goes to the provider and comes back through the callback. */}
          <a
            href={SSO_START_PATH}
            data-testid="sso-sign-in"
            className="flex w-full items-center justify-center rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-600 dark:hover:bg-slate-700"
          >
            {ssoButtonText(options.sso.label)}
          </a>
        </>
      )}
    </AuthCard>
  );
}

/** The provider's name as the button says it: "Google" → "Sign in with Google"; a full sentence stays as given. */
function ssoButtonText(label: string): string {
  const l = label.trim();
  if (!l) return 'Sign in with SSO';
  return /^(sign|log) ?in\b/i.test(l) ? l : `Sign in with ${l}`;
}
