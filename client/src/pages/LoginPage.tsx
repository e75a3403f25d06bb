import { useState, type FormEvent } from 'react';
import { AuthError } from '../api/auth.ts';
import { Button, Field, inputClass } from '../components/ui.tsx';
import { useAuth } from '../hooks/useAuth.tsx';
import { useTheme } from '../hooks/useTheme.ts';

export function LoginPage() {
  const { signIn } = useAuth();
  // The remembered (or the system's) theme applies before sign-in too, not only inside the console.
  useTheme();
  const [username, setUsername] = useState<'admin' | 'viewer'>('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username, password);
    } catch (err) {
      setError(err instanceof AuthError ? err.message : 'Could not reach the server');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-screen items-center justify-center bg-slate-50 p-4 dark:bg-slate-950">
      <form
        onSubmit={submit}
        className="w-full max-w-sm space-y-4 rounded-lg bg-white p-6 shadow ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700"
        aria-label="Sign in"
      >
        <div>
          <h1 className="text-xl font-semibold text-slate-900 dark:text-slate-100">BizInsights Jobs</h1>
          <p className="text-sm text-slate-500 dark:text-slate-400">Sign in to the jobs console</p>
        </div>
        <Field label="User">
          {(field) => (
            <select {...field} className={inputClass} value={username} onChange={(e) => setUsername(e.target.value as 'admin' | 'viewer')} name="username">
              <option value="admin">admin</option>
              <option value="viewer">viewer</option>
            </select>
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
              // biome-ignore lint/a11y/noAutofocus: the sign-in page has nothing else to do, and the user is preselected; the cursor belongs in the password.
              autoFocus
            />
          )}
        </Field>
        {error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" className="w-full justify-center" disabled={busy || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </div>
  );
}
