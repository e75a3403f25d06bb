import type { Role, User } from '../../../shared/auth.ts';
import type { InviteAcceptInput } from '../../../shared/users.ts';
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
    /** The server's complaints about single fields (a too-short password), keyed by field name. */
    readonly fieldErrors?: Record<string, string[]>,
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
  if (!res.ok || !body.success) {
    throw new AuthError(body.error?.message ?? `Request failed (${res.status})`, res.status, body.error?.code, body.error?.fieldErrors);
  }
  return body.data as T;
}

/** What the sign-in page offers: single sign-on (and its button's label), and whether the shared viewer password works. */
export interface AuthOptions {
  sso: { enabled: boolean; label: string };
  viewerLogin: boolean;
}

/** An invite as its link's page shows it before it is accepted. */
export interface InviteInfo {
  email: string;
  role: Role;
  expiresAt: number;
}

interface SignedIn {
  user: User;
  expiresAt: number;
}

/** Sign-in is plain REST (it sets the HttpOnly session cookie); everything after is tRPC. */
export const authApi = {
  me: () => call<{ user: User; viewerLogin: boolean }>('/api/auth/me'),
  options: () => call<AuthOptions>('/api/auth/options'),
  /** `username`: an email, or `admin` / `viewer` (the first admin's bootstrap name, the shared viewer password). */
  login: (username: string, password: string) => call<SignedIn>('/api/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) }),
  logout: () => call<{ signedOut: boolean }>('/api/auth/logout', { method: 'POST', body: '{}' }),
  inviteInfo: (token: string) => call<InviteInfo>(`/api/auth/invites/${encodeURIComponent(token)}`),
  acceptInvite: (input: InviteAcceptInput) => call<SignedIn>('/api/auth/invites/accept', { method: 'POST', body: JSON.stringify(input) }),
};

/** Where the sign-in page's single sign-on button goes (a full page load: the provider's page follows). */
export const SSO_START_PATH = '/api/auth/oidc/start';
