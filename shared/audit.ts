import { z } from 'zod';

/** One action (an operator's or an admin's), as the audit page lists it. */
export interface AuditEntry {
  id: string;
  at: number;
  /** The person's display name, or the environment token's name (`api-token`); the shared `viewer` for the legacy password. */
  user: string;
  /** The stored user's id: absent for the legacy shared passwords and the environment tokens. */
  userId?: string;
  email?: string;
  /** The personal API token the action came through (its owner is user/userId/email). */
  tokenName?: string;
  role: string;
  via: 'session' | 'token';
  /** e.g. queue.pause, jobs.retry, bullboard.POST */
  action: string;
  /** tRPC, REST or Bull Board */
  source: 'trpc' | 'rest' | 'bullboard';
  queue?: string;
  jobIds?: string[];
  count?: number;
  detail?: Record<string, unknown>;
  ip: string;
  ok: boolean;
  error?: string;
}

/**
 * Who an entry's `user` filter matches: the stored user's id, or the name for identities without one (environment
 * tokens, the legacy shared passwords). The audit log indexes each entry under this key.
 */
export function auditIdentityOf(entry: Pick<AuditEntry, 'user' | 'userId'>): string {
  return entry.userId ?? entry.user;
}

/** A person (or token) seen in the audit log: the console's "filter by person" choices. */
export interface AuditPerson {
  /** What `audit.list`'s `user` filter takes for them. */
  identity: string;
  name: string;
  userId?: string;
  email?: string;
  /** Their latest entry. */
  lastAt: number;
}

export const auditUserFilterSchema = z.string().trim().min(1).max(200);
