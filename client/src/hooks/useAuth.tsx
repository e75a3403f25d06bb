import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { authApi, type User } from '../api/auth.ts';

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

  useEffect(() => {
    authApi
      .me()
      .then(
        (r) => setUser(r.user),
        () => setUser(null),
      )
      .finally(() => setLoading(false));
  }, []);

  const signIn = useCallback(async (username: 'admin' | 'viewer', password: string) => {
    const r = await authApi.login(username, password);
    setUser(r.user);
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
