import type { User } from '../../../shared/auth.ts';

export type { User };

interface Envelope<T> {
  success: boolean;
  data?: T;
  error?: { code: string; message: string; fieldErrors?: Record<string, string[]> };
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  const body = (await res.json().catch(() => ({}))) as Envelope<T>;
  if (!res.ok || !body.success) throw new AuthError(body.error?.message ?? `Request failed (${res.status})`, res.status, body.error?.code);
  return body.data as T;
}

/** Sign-in is plain REST (it sets the HttpOnly session cookie); everything after is tRPC. */
export const authApi = {
  me: () => call<{ user: User; viewerLogin: boolean }>('/api/auth/me'),
  login: (username: 'admin' | 'viewer', password: string) =>
    call<{ user: User; expiresAt: number }>('/api/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) }),
  logout: () => call<{ signedOut: boolean }>('/api/auth/logout', { method: 'POST', body: '{}' }),
};
