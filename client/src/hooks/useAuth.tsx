import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { roleAtLeast, type Role } from '../../../shared/auth.ts';
import type { InviteAcceptInput } from '../../../shared/users.ts';
import { AuthError, authApi, type User } from '../api/auth.ts';
import { checkNow, connectionState, onRecovered } from '../api/connection-monitor.ts';

interface AuthState {
  user: User | null;
  loading: boolean;
  /**
   * Whether the signed-in user's role grants at least `role`: `can('operator')` for retry, pause, promote and adding
   * jobs; `can('admin')` for empty, clean, remove, schedule changes and users. The server decides; this only hides
   * the buttons it would refuse.
   */
  can(role: Role): boolean;
  /** `username`: an email, or `admin` / `viewer` (the bootstrap admin and the shared viewer password). */
  signIn(username: string, password: string): Promise<void>;
  /** Accepts an invite: the new account is created and signed in. */
  acceptInvite(input: InviteAcceptInput): Promise<void>;
  signOut(): Promise<void>;
  /** Called on any 401: the session ended (logout elsewhere, expiry, the account disabled). */
  expire(): void;
  /** Reads the signed-in user again (after a 403: an admin may have changed the role). */
  refresh(): void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);
  // The session could not be checked (Redis or the server away): not the same as signed out.
  const [unchecked, setUnchecked] = useState(false);

  const checkSession = useCallback(
    () =>
      authApi
        .me()
        .then(
          (r) => {
            setUser(r.user);
            setUnchecked(false);
          },
          (err: unknown) => {
            setUser(null);
            setUnchecked(!(err instanceof AuthError && err.status === 401));
          },
        )
        .finally(() => setLoading(false)),
    [],
  );
  useEffect(() => {
    void checkSession();
  }, [checkSession]);
  // Opened during an outage: the sign-in page shows (with the outage banner), and the session is checked again once
  // the outage ends, so a signed-in user is back in the console without signing in again.
  useEffect(() => {
    if (!unchecked) return;
    if (connectionState().status === 'ok') void checkNow();
    return onRecovered(() => void checkSession());
  }, [unchecked, checkSession]);

  const signIn = useCallback(async (username: string, password: string) => {
    const r = await authApi.login(username, password);
    setUser(r.user);
    setUnchecked(false);
  }, []);
  const acceptInvite = useCallback(async (input: InviteAcceptInput) => {
    const r = await authApi.acceptInvite(input);
    setUser(r.user);
    setUnchecked(false);
  }, []);
  const signOut = useCallback(async () => {
    await authApi.logout().catch(() => undefined);
    setUser(null);
  }, []);
  const expire = useCallback(() => setUser(null), []);
  // Unlike the first check, a failure to answer leaves the user as they are; only a 401 signs out.
  const refresh = useCallback(() => {
    authApi.me().then(
      (r) => setUser(r.user),
      (err: unknown) => {
        if (err instanceof AuthError && err.status === 401) setUser(null);
      },
    );
  }, []);
  const can = useCallback((role: Role) => (user ? roleAtLeast(user.role, role) : false), [user]);

  const value = useMemo(
    () => ({ user, loading, can, signIn, acceptInvite, signOut, expire, refresh }),
    [user, loading, can, signIn, acceptInvite, signOut, expire, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
