/** One admin action, as the audit page lists it. */
export interface AuditEntry {
  id: string;
  at: number;
  user: string;
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
