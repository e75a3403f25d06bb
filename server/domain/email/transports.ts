import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { EmailDataError } from './templates.ts';
import type { EmailTransport, OutgoingEmail, SendResult } from './types.ts';

// ───────────────────────────── errors ─────────────────────────────

/** A transport could not hand the message over. `retryable` says which subclass it is. */
export abstract class EmailSendError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly provider: SendResult['provider'],
    /** HTTP status (Resend) or SMTP reply code, when there was one. */
    readonly status?: number,
    /** Resend's error `name` or nodemailer's error `code`, when there was one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The provider refused the message (bad key, bad address, 5xx SMTP reply): retrying won't help. */
export class EmailRejectedError extends EmailSendError {
  readonly retryable = false;
}

/** Rate limit, server error, network trouble, 4xx SMTP reply: worth retrying with backoff. */
export class EmailTransientError extends EmailSendError {
  readonly retryable = true;
  constructor(message: string, provider: SendResult['provider'], status?: number, code?: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, provider, status, code, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  /** From Retry-After, when the provider said how long to wait. */
  readonly retryAfterMs?: number;
}

// ───────────────────────────── addresses ─────────────────────────────

const emailSchema = z.email();

/** A bare address (no display name) as the email job schema accepts it. */
export function isEmailAddress(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 254 && emailSchema.safeParse(s).success;
}

/**
 * The job's `to` as a list of distinct addresses: trimmed, domain lower-cased, duplicates dropped
 * (first one kept, order kept). Throws EmailDataError naming `to` for an empty list or a bad address.
 */
export function normaliseRecipients(to: string | string[]): string[] {
  const list = Array.isArray(to) ? to : [to];
  const out: string[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  list.forEach((raw, i) => {
    const where = Array.isArray(to) ? `[${i}] ` : '';
    if (typeof raw !== 'string') {
      problems.push(`${where}must be a string`);
      return;
    }
    const trimmed = raw.trim();
    const at = trimmed.lastIndexOf('@');
    const address = at > 0 ? `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}` : trimmed;
    if (!isEmailAddress(address)) {
      const shown = trimmed.length > 80 ? `${trimmed.slice(0, 79)}…` : trimmed;
      problems.push(`${where}"${shown}" is not an email address`);
      return;
    }
    if (seen.has(address)) return;
    seen.add(address);
    out.push(address);
  });
  if (problems.length) throw new EmailDataError({ to: problems });
  if (!out.length) throw new EmailDataError({ to: ['needs at least one address'] });
  return out;
}

// ───────────────────────────── helpers ─────────────────────────────

/**
 * Resend accepts keys of 1–256 characters; a longer one is replaced by its hash (still stable).
 * An empty key sends no header: one shared key would drop every message after the first.
 */
function idempotencyHeaders(key: string): Record<string, string> {
  if (!key) return {};
  return { 'Idempotency-Key': key.length <= 256 ? key : `sha256-${createHash('sha256').update(key).digest('hex')}` };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

// ───────────────────────────── Resend ─────────────────────────────

export interface ResendTransportOptions {
  apiKey: string;
  /** Default https://api.resend.com (a stand-in's URL in tests and local runs). */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
}

/**
 * Resend's POST /emails, one recipient per call, with the message's idempotency key as
 * Idempotency-Key so a repeated attempt of the same job and recipient is sent once.
 */
export function resendTransport(opts: ResendTransportOptions): EmailTransport {
  const base = (opts.baseUrl ?? 'https://api.resend.com').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? globalThis.fetch;
  return {
    name: 'resend',
    async send(message: OutgoingEmail, signal?: AbortSignal): Promise<SendResult> {
      if (signal?.aborted) throw abortReason(signal);
      let res: Response;
      let text: string;
      try {
        res = await doFetch(`${base}/emails`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${opts.apiKey}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
            ...idempotencyHeaders(message.idempotencyKey),
          },
          body: JSON.stringify({
            from: message.from,
            to: [message.to],
            subject: message.subject,
            html: message.html,
            text: message.text,
          }),
          signal,
        });
        text = await res.text();
      } catch (err) {
        // An abort is the worker's (timeout, shutdown, cancel): let its own reason through.
        if (signal?.aborted) throw abortReason(signal);
        throw new EmailTransientError(`Resend unreachable: ${(err as Error).message}`, 'resend', undefined, undefined, { cause: err });
      }

      let body: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = text ? JSON.parse(text) : undefined;
        if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
      } catch {
        body = undefined;
      }

      if (res.status >= 200 && res.status < 300) {
        if (typeof body?.id === 'string' && body.id) return { provider: 'resend', messageId: body.id };
        // Accepted but unreadable: a retry with the same Idempotency-Key returns the same id.
        throw new EmailTransientError(`Resend answered ${res.status} without a message id`, 'resend', res.status);
      }

      const name = typeof body?.name === 'string' ? body.name : undefined;
      const detail = typeof body?.message === 'string' ? body.message : text.slice(0, 200) || res.statusText;
      const what = `Resend answered ${res.status}${name ? ` ${name}` : ''}: ${detail}`;
      const transient =
        res.status === 429 ||
        res.status >= 500 ||
        res.status < 400 ||
        // The first request with this key is still being handled: ask again later.
        (res.status === 409 && name === 'concurrent_idempotent_requests');
      if (transient) {
        throw new EmailTransientError(what, 'resend', res.status, name, { retryAfterMs: retryAfterMs(res.headers.get('retry-after')) });
      }
      throw new EmailRejectedError(what, 'resend', res.status, name);
    },
  };
}

// ───────────────────────────── SMTP ─────────────────────────────

export interface SmtpTransportOptions {
  /** smtp://user:pass@host:port (STARTTLS when offered; port 587 by default) or smtps://… (TLS; 465). */
  url: string;
  /** Connect and greeting timeout (default 10 s). */
  connectionTimeoutMs?: number;
  /** Idle socket timeout (default 30 s). */
  socketTimeoutMs?: number;
}

/**
 * The Message-ID for an idempotency key: the same key always gives the same id, so a message sent
 * again after a lost reply is recognisable (and dropped by clients that de-duplicate on it).
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1]?.toLowerCase() || 'bizinsights.local';
  return `<${hash}@${domain}>`;
}

interface SmtpLikeError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Error codes nodemailer raises without a reply code for mistakes no retry can fix. */
const PERMANENT_SMTP_CODES = new Set(['EAUTH', 'EENVELOPE', 'EMESSAGE']);

function smtpError(err: unknown): EmailSendError {
  const e = (err ?? {}) as SmtpLikeError;
  const rc = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const what = `SMTP ${e.command ? `${e.command} ` : ''}failed${rc ? ` (${rc})` : ''}: ${e.response ?? e.message ?? String(err)}`;
  if (rc !== undefined) {
    if (rc >= 500 && rc < 600) return new EmailRejectedError(what, 'smtp', rc, e.code, { cause: err });
    return new EmailTransientError(what, 'smtp', rc, e.code, { cause: err });
  }
  if (e.code && PERMANENT_SMTP_CODES.has(e.code)) return new EmailRejectedError(what, 'smtp', undefined, e.code, { cause: err });
  // ECONNECTION, ESOCKET, ETIMEDOUT, EDNS, ETLS, EPROTOCOL, ECONNREFUSED…: the server or the way to it.
  return new EmailTransientError(what, 'smtp', undefined, e.code, { cause: err });
}

/** Any SMTP server, through nodemailer: one connection per message (no pool to close). */
export function smtpTransport(opts: SmtpTransportOptions): EmailTransport {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new TypeError('SMTP_URL must be a URL such as smtp://user:pass@host:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new TypeError('SMTP_URL must start with smtp:// or smtps://');
  }
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  const timeout = opts.connectionTimeoutMs ?? 10_000;
  const transporter = nodemailer.createTransport({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: user ? { user, pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: opts.socketTimeoutMs ?? 30_000,
  });

  return {
    name: 'smtp',
    async send(message: OutgoingEmail, signal?: AbortSignal): Promise<SendResult> {
      if (signal?.aborted) throw abortReason(signal);
      const sending = transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        // An empty key would give every message the same id: nodemailer then makes a fresh one.
        ...(message.idempotencyKey
          ? {
              messageId: messageIdFor(message.idempotencyKey, message.from),
              headers: { 'X-Idempotency-Key': message.idempotencyKey.replace(/[\r\n]+/g, ' ').slice(0, 256) },
            }
          : {}),
      });
      // nodemailer cannot cancel a send: on abort we stop waiting (the Message-ID marks a later repeat).
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortReason(signal!));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const info = await Promise.race([sending, aborted]);
        return { provider: 'smtp', messageId: info.messageId };
      } catch (err) {
        if (signal?.aborted) throw abortReason(signal);
        throw smtpError(err);
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        sending.catch(() => {});
      }
    },
  };
}

// ───────────────────────────── choice ─────────────────────────────

export interface EmailTransportConfig {
  RESEND_API_KEY?: string;
  RESEND_BASE_URL?: string;
  SMTP_URL?: string;
}

/** Resend when RESEND_API_KEY is set, else SMTP when SMTP_URL is, else the outbox given. */
export function selectTransport(config: EmailTransportConfig, outbox: EmailTransport): EmailTransport {
  const apiKey = config.RESEND_API_KEY?.trim();
  if (apiKey) return resendTransport({ apiKey, baseUrl: config.RESEND_BASE_URL?.trim() || undefined });
  const smtpUrl = config.SMTP_URL?.trim();
  if (smtpUrl) return smtpTransport({ url: smtpUrl });
  return outbox;
}
