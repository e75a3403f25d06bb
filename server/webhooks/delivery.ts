import { createHash } from 'node:crypto';
import { MAX_JOB_DATA_DEPTH, MAX_WEBHOOK_JOB_DATA_BYTES, jobDataLimitIssue, nestsDeeperThan, type JobOptions, type WebhookJobData } from '../../shared/jobs.ts';
import { webhookJobId, type WebhookEvent } from './platforms.ts';

/**
 * From a delivery whose signature checked out to the job that carries it. Pure: the route does the
 * I/O. A correctly signed delivery always becomes a job — Shopify and Stripe retry anything but a 2xx
 * for days, and WooCommerce never retries (a refused delivery is lost, and more than 5 in a row
 * disable the webhook): an unreadable body, a blank topic or an over-long id are carried and
 * recorded, never refused.
 */

/** How long a replay of a signed body under a fresh delivery id (those headers are not signed) queues nothing. */
export const REPLAY_WINDOW_MS = 24 * 3600 * 1000;
/** A payload sits one level inside the job data. */
export const MAX_PAYLOAD_DEPTH = MAX_JOB_DATA_DEPTH - 1;
const MAX_EVENT_ID_LENGTH = 256;
const MAX_EVENT_TYPE_LENGTH = 200;
/** The topic of a delivery without a usable one; no mapper knows it, so the worker records and skips it. */
export const UNKNOWN_EVENT_TYPE = 'unknown';

/** What JSON.parse gives: anything but undefined. */
type Json = WebhookJobData['payload'];
const utf8 = new TextDecoder();

export type SignedBody = { ok: true; payload: Json } | { ok: false; unreadable: string };

/** The body as intake and worker both read it: the same bytes give the same answer on either side. */
export function readSignedBody(raw: Buffer): SignedBody {
  let payload: Json;
  try {
    // Bytes that are not UTF-8 read as U+FFFD (the exact bytes travel separately, for the signature); a BOM is dropped.
    payload = JSON.parse(utf8.decode(raw));
  } catch {
    return { ok: false, unreadable: 'body is not JSON' };
  }
  // No real event nests this deep, and deeper data would overflow whoever serializes it.
  if (nestsDeeperThan(payload, MAX_PAYLOAD_DEPTH)) return { ok: false, unreadable: `JSON nested deeper than ${MAX_PAYLOAD_DEPTH} levels` };
  return { ok: true, payload };
}

/** The topic as the job carries it: blank or missing becomes 'unknown'; an absurdly long one is cut. */
export function eventTypeOf(topic: string | undefined): string {
  const t = topic?.trim() ?? '';
  return t ? t.slice(0, MAX_EVENT_TYPE_LENGTH) : UNKNOWN_EVENT_TYPE;
}

/**
 * The platform's event id as the job carries it: blank is none; one too long for the job data (or
 * with control characters, which PostgreSQL text refuses) becomes its digest, still one per id.
 */
export function eventIdOf(id: string | undefined): string | undefined {
  const t = id?.trim() ?? '';
  if (!t) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  if (t.length > MAX_EVENT_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(t)) return `sha256-${createHash('sha256').update(t).digest('hex')}`;
  return t;
}

/** `?integration=`: one non-blank value, else none. */
export function integrationParam(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/**
 * The same signed body on the same platform and topic is one delivery, whatever delivery id comes
 * with it. Used as BullMQ's deduplication id, so the event id stays the job id.
 */
export function replayKey(platform: string, eventType: string, raw: Buffer): string {
  return createHash('sha256').update(`${platform}\n${eventType}\n`).update(raw).digest('hex');
}

export interface WebhookJob {
  data: WebhookJobData;
  opts: JobOptions;
  /** Why the body could not be read (the job still records the delivery). */
  unreadable?: string;
  /** Even without its parsed copy the body is over the webhook job limit (BODY_LIMIT raised far above 1 MB). */
  tooLarge?: boolean;
}

/** The job data and options of a verified delivery: exact bytes, a readable topic and id, its replay key. */
export function webhookJobFor(input: { platform: string; raw: Buffer; body: SignedBody; event: WebhookEvent; integrationId?: string }): WebhookJob {
  const { platform, raw, body, event } = input;
  const eventType = eventTypeOf(event.eventType);
  const eventId = eventIdOf(event.eventId);
  let data: WebhookJobData = {
    platform,
    eventType,
    payload: body.ok ? body.payload : null,
    signature: event.signature,
    ...(eventId ? { eventId } : {}),
    rawBodyBase64: raw.toString('base64'),
    ...(input.integrationId ? { integrationId: input.integrationId } : {}),
  };
  // Up to an eighth of the limit a body always fits twice (parsed JSON re-serializes to at most ~5× its
  // bytes, "1e20"; base64 is 4/3×), so only larger ones are measured. Too large: drop the parsed copy,
  // the worker reads the bytes.
  let tooLarge = false;
  if (raw.length > MAX_WEBHOOK_JOB_DATA_BYTES / 8 && jobDataLimitIssue(data, MAX_WEBHOOK_JOB_DATA_BYTES)) {
    data = { ...data, payload: null };
    tooLarge = jobDataLimitIssue(data, MAX_WEBHOOK_JOB_DATA_BYTES) !== undefined;
  }
  const opts: JobOptions = {
    ...(eventId ? { jobId: webhookJobId(platform, eventId) } : {}),
    deduplication: { id: replayKey(platform, eventType, raw), ttl: REPLAY_WINDOW_MS },
  };
  return { data, opts, ...(body.ok ? {} : { unreadable: body.unreadable }), ...(tooLarge ? { tooLarge } : {}) };
}
