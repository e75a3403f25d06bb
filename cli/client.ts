import { CliError, UsageError } from './errors.ts';

/**
 * The CLI's only way to the server: its REST API, with a bearer token. Every answer is the server's
 * envelope, `{success: true, data}` or `{success: false, error: {code, message, fieldErrors?}}`; `data` is
 * returned, anything else becomes a CliError whose one-line message says what to do.
 */

export const DEFAULT_URL = 'http://localhost:3000';
/** Long enough for a clean or empty of a deep queue (about 30 ms per 1,000 jobs on the server). */
export const DEFAULT_TIMEOUT_MS = 120_000;

export interface ClientConfig {
  /** The server's origin, and a path prefix when it is served under one; no trailing slash. */
  baseUrl: string;
  token?: string;
  timeoutMs: number;
}

/** BIZJOBS_URL, BIZJOBS_TOKEN and BIZJOBS_TIMEOUT_MS; a malformed value is a usage error (exit 2). */
export function configFromEnv(env: Record<string, string | undefined>): ClientConfig {
  const raw = env.BIZJOBS_URL?.trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`BIZJOBS_URL "${raw}" is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`BIZJOBS_URL "${raw}" must start with http:// or https://`);
  if (url.search || url.hash) throw new UsageError(`BIZJOBS_URL "${raw}" must not have a query or fragment`);
  const timeout = env.BIZJOBS_TIMEOUT_MS?.trim();
  if (timeout && !/^[1-9]\d{0,8}$/.test(timeout)) throw new UsageError(`BIZJOBS_TIMEOUT_MS "${timeout}" must be a whole number of milliseconds`);
  return {
    baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    token: env.BIZJOBS_TOKEN?.trim() || undefined,
    timeoutMs: timeout ? Number(timeout) : DEFAULT_TIMEOUT_MS,
  };
}

interface ErrorEnvelope {
  success: false;
  error: { code?: string; message?: string; fieldErrors?: Record<string, string[]> };
}

function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  const error = (body as ErrorEnvelope | null)?.error;
  return typeof body === 'object' && body !== null && (body as ErrorEnvelope).success === false && typeof error?.message === 'string';
}

/** The one line for a refusal or failure the server answered (pure: status, body, what was sent). */
export function describeHttpError(status: number, body: unknown, ctx: { baseUrl: string; tokenSet: boolean }): string {
  if (status === 401) {
    return ctx.tokenSet
      ? 'the server refused BIZJOBS_TOKEN (401): the token is unknown, revoked or expired, or its user is disabled'
      : 'BIZJOBS_TOKEN is not set and the server needs a token (401): create a personal API token on your Account page';
  }
  if (!isErrorEnvelope(body)) {
    return `unexpected answer from ${ctx.baseUrl} (HTTP ${status}, not the API's JSON): is BIZJOBS_URL the jobs server?`;
  }
  const { code, message } = body.error;
  // The server names the role the action needs ("This action needs the admin role").
  if (status === 403) return `refused (403): ${message}`;
  if (code === 'UNKNOWN_QUEUE') return `${message} (404); \`jobs stats\` lists the queues`;
  if (status === 404 && code === 'NOT_FOUND' && message === 'No such endpoint') {
    return `${message} (404): the server at ${ctx.baseUrl} may be older than this CLI`;
  }
  return `${message} (${status})`;
}

/** The one line for a request that got no answer: refused, unknown host, timeout. */
export function describeNetworkError(err: unknown, ctx: { baseUrl: string; timeoutMs: number }): string {
  const where = `cannot reach the server at ${ctx.baseUrl}`;
  if ((err as Error)?.name === 'TimeoutError') return `${where}: no answer within ${Math.round(ctx.timeoutMs / 1000)} s (BIZJOBS_TIMEOUT_MS)`;
  // undici's "fetch failed" carries the socket's error as `cause`; with several addresses, an AggregateError of them.
  const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } })?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (code === 'ECONNREFUSED') return `${where}: connection refused (is it running? set BIZJOBS_URL)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${where}: host not found (check BIZJOBS_URL)`;
  if (code === 'ECONNRESET') return `${where}: the connection was reset`;
  return `${where}: ${cause?.message ?? (err as Error)?.message ?? String(err)}`;
}

export type Query = Record<string, string | number | undefined>;

export class ApiClient {
  constructor(
    private readonly config: ClientConfig,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    return this.request<T>('POST', path, opts.query, opts.body ?? {});
  }

  private async request<T>(method: 'GET' | 'POST', path: string, query: Query | undefined, body?: unknown): Promise<T> {
    const url = new URL(this.config.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new CliError(describeNetworkError(err, this.config));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok && (parsed as { success?: unknown } | undefined)?.success === true) return (parsed as { data: T }).data;
    // A 2xx that is not our envelope (a proxy's page, another app) is as wrong as an error status.
    throw new CliError(describeHttpError(res.status, parsed, { baseUrl: this.config.baseUrl, tokenSet: Boolean(this.config.token) }));
  }
}
