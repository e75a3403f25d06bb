import type { User } from '../../../shared/auth.ts';
import { RequestTimeoutError, ServerUnreachableError, trackedFetch } from './connection-monitor.ts';

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

/** status 0: no answer (the server unreachable, or too slow); the message says which. */
async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await trackedFetch(path, { credentials: 'same-origin', ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  } catch (err) {
    if (err instanceof ServerUnreachableError || err instanceof RequestTimeoutError) throw new AuthError(err.message, 0, 'NO_ANSWER');
    throw err;
  }
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
