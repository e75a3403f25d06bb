import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { AuthError, authApi, type User } from '../api/auth.ts';
import { checkNow, connectionState, onRecovered } from '../api/connection-monitor.ts';

interface AuthState {
  user: User | null;
  loading: boolean;
  isAdmin: boolean;
  signIn(username: 'admin' | 'viewer', password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Called on any 401: the session ended (logout elsewhere, expiry). */
  expire(): void;
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

  const signIn = useCallback(async (username: 'admin' | 'viewer', password: string) => {
    const r = await authApi.login(username, password);
    setUser(r.user);
    setUnchecked(false);
  }, []);
  const signOut = useCallback(async () => {
    await authApi.logout().catch(() => undefined);
    setUser(null);
  }, []);
  const expire = useCallback(() => setUser(null), []);

  const value = useMemo(() => ({ user, loading, isAdmin: user?.role === 'admin', signIn, signOut, expire }), [user, loading, signIn, signOut, expire]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
