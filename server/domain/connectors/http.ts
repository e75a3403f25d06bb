import type { z } from 'zod';
import { PlatformAuthError, type PlatformError, PlatformRateLimitError, PlatformRequestError, PlatformTransientError } from './errors.ts';

export const DEFAULT_RETRY_AFTER_MS = 1000;

/** A platform-specific reading of an error response (e.g. Facebook's `error.code` 190 on a 400). */
export type ErrorMapper = (status: number, body: unknown, headers: Headers) => PlatformError | undefined;

export interface JsonRequestInit extends Omit<RequestInit, 'signal' | 'redirect'> {
  mapError?: ErrorMapper;
}

export interface JsonResponse<T = unknown> {
  body: T;
  headers: Headers;
  status: number;
}

/** Retry-After as milliseconds: delta-seconds (Shopify sends "2.0") or an HTTP date; unreadable → the default. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number {
  const v = value?.trim();
  if (!v) return DEFAULT_RETRY_AFTER_MS;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - now);
}

/** "GET https://host/path" without the query string: Facebook puts the access token there. */
const describe = (method: string, url: URL) => `${method} ${url.origin}${url.pathname}`;

/** The platform's own words, when its error body has them, kept short, with its error code when it gives one. */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown> | null;
    const e = body?.error ?? body?.errors ?? body?.message;
    const msg = e && typeof e === 'object' && 'message' in e ? e.message : e;
    const code = e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? ` (${e.code})` : '';
    if (msg !== undefined) return `${(typeof msg === 'string' ? msg : JSON.stringify(msg)).slice(0, 300)}${code}`;
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return text.slice(0, 300);
}

/** The common reading of an error status, for any platform whose ErrorMapper has nothing to add. */
export function statusError(status: number, text: string, headers: Headers, what: string): PlatformError {
  const msg = `${what} → ${status}: ${errorDetail(text)}`;
  if (status === 401 || status === 403) return new PlatformAuthError(msg, status);
  // No Retry-After (Stripe's, Google's): the sync engine's growing backoff, not a knock every second.
  if (status === 429) return new PlatformRateLimitError(msg, parseRetryAfter(headers.get('retry-after')), headers.has('retry-after'));
  if (status >= 500) return new PlatformTransientError(msg, status);
  return new PlatformRequestError(msg, status);
}

/**
 * Whatever fetch or the body read threw: an abort (the job's signal) as is; a network failure (undici
 * says "fetch failed"/"terminated" with the socket error as cause) is transient; anything else — a header
 * value fetch refuses, say — is our request's fault.
 */
function networkError(err: unknown, signal: AbortSignal, what: string): unknown {
  if (signal.aborted || (err instanceof Error && err.name === 'AbortError')) return err;
  const cause = err instanceof Error ? err.cause : undefined;
  const code = (cause as { code?: string } | undefined)?.code ?? (err as { code?: string } | undefined)?.code;
  const detail = [err instanceof Error ? err.message : String(err), code ?? (cause instanceof Error ? cause.message : undefined)].filter(Boolean).join(': ');
  if (cause !== undefined || code !== undefined) return new PlatformTransientError(`${what} failed: ${detail}`);
  return new PlatformRequestError(`${what} could not be sent: ${detail}`);
}

/**
 * One JSON call to a platform, failures typed for the sync engine (see errors.ts). Redirects are not
 * followed: credentials ride in headers Node would forward to whichever host the redirect names.
 */
export async function requestJson<T = unknown>(ctx: { signal: AbortSignal }, url: string | URL, init: JsonRequestInit = {}): Promise<JsonResponse<T>> {
  const { mapError, ...rest } = init;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new PlatformRequestError(`invalid platform URL: ${String(url).slice(0, 200)}`);
  }
  const what = describe(rest.method ?? 'GET', target);

  let res: Response;
  let text: string;
  try {
    res = await fetch(target, { ...rest, signal: ctx.signal, redirect: 'manual' });
    text = await res.text();
  } catch (err) {
    throw networkError(err, ctx.signal, what);
  }

  if (res.status >= 300 && res.status < 400) {
    throw new PlatformRequestError(`${what} → ${res.status} redirect to ${res.headers.get('location') ?? '?'}: set the final URL`, res.status);
  }
  if (!res.ok) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    throw mapError?.(res.status, parsed, res.headers) ?? statusError(res.status, text, res.headers, what);
  }
  try {
    return { body: JSON.parse(text) as T, headers: res.headers, status: res.status };
  } catch {
    throw new PlatformRequestError(`${what} → ${res.status} with a body that is not JSON: ${text.slice(0, 120)}`, res.status);
  }
}

/** Checks the parts of a response a connector reads; a shape we cannot read is a request error, not retried. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new PlatformRequestError(`unexpected ${what} response at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
}

/** A credential the integration must hold; without it only a person reconnecting can help. */
export function credential(ctx: { credentials: Record<string, string> }, key: string): string {
  const v = ctx.credentials[key];
  if (!v) throw new PlatformAuthError(`credential "${key}" is missing`);
  return v;
}
