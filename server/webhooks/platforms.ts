import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { verifyBase64Hmac, verifyHubSignature, verifyStripe } from './signatures.ts';

export interface WebhookEvent {
  eventType: string;
  /** The platform's delivery/event id: becomes the job id, so a redelivery is not processed twice. */
  eventId?: string;
  signature: string;
}

export interface PlatformWebhook {
  verify(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string): { ok: boolean; reason?: string };
  describe(payload: unknown, headers: IncomingHttpHeaders, rawBody?: Buffer): WebhookEvent;
  /** An unsigned request that only checks the URL answers (WooCommerce's at webhook creation): 200, nothing queued. */
  isPing?(rawBody: Buffer, headers: IncomingHttpHeaders): boolean;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};
const field = (payload: unknown, key: string): string | undefined => {
  const v = payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
};

/**
 * WooCommerce's delivery id is wp_hash(webhook id + the second it was sent): two deliveries of one
 * webhook in the same second share it. With the body's digest it names one delivery, not one second.
 */
function wooEventId(deliveryId: string | undefined, raw: Buffer | undefined): string | undefined {
  const id = deliveryId?.trim();
  if (!id || !raw) return id || undefined;
  return `${id}-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

const base64 =
  (sigHeader: string): PlatformWebhook['verify'] =>
  (raw, h, secret) => ({ ok: verifyBase64Hmac(raw, header(h, sigHeader), secret), reason: 'bad signature' });

export const PLATFORM_WEBHOOKS: Record<string, PlatformWebhook> = {
  shopify: {
    verify: base64('x-shopify-hmac-sha256'),
    describe: (_p, h) => ({
      eventType: header(h, 'x-shopify-topic') ?? 'unknown',
      eventId: header(h, 'x-shopify-webhook-id') ?? header(h, 'x-shopify-event-id'),
      signature: header(h, 'x-shopify-hmac-sha256') ?? '',
    }),
  },
  woocommerce: {
    verify: base64('x-wc-webhook-signature'),
    describe: (_p, h, raw) => ({
      eventType: header(h, 'x-wc-webhook-topic') ?? 'unknown',
      eventId: wooEventId(header(h, 'x-wc-webhook-delivery-id'), raw),
      signature: header(h, 'x-wc-webhook-signature') ?? '',
    }),
    // WC_Webhook::deliver_ping posts `webhook_id=<id>` with no X-WC-Webhook-* header and wants exactly 200.
    isPing: (raw, h) => raw.length <= 40 && !header(h, 'x-wc-webhook-signature') && /^webhook_id=\d+$/.test(raw.toString('latin1').trim()),
  },
  stripe: {
    verify: (raw, h, secret) => verifyStripe(raw, header(h, 'stripe-signature'), secret),
    describe: (p, h) => ({ eventType: field(p, 'type') ?? 'unknown', eventId: field(p, 'id'), signature: header(h, 'stripe-signature') ?? '' }),
  },
};

/** Every other platform (google-analytics, facebook-ads, …) uses the generic scheme. */
export const GENERIC_WEBHOOK: PlatformWebhook = {
  verify: (raw, h, secret) => ({ ok: verifyHubSignature(raw, header(h, 'x-hub-signature-256'), secret), reason: 'bad signature' }),
  describe: (p, h) => ({
    eventType: header(h, 'x-webhook-event') ?? field(p, 'type') ?? field(p, 'event') ?? 'unknown',
    eventId: header(h, 'x-webhook-id') ?? field(p, 'id'),
    signature: header(h, 'x-hub-signature-256') ?? '',
  }),
};

export const webhookFor = (platform: string): PlatformWebhook => PLATFORM_WEBHOOKS[platform] ?? GENERIC_WEBHOOK;

/** The header each platform signs with, to rebuild it from the signature a job carries. */
const SIGNATURE_HEADER: Record<string, string> = { shopify: 'x-shopify-hmac-sha256', woocommerce: 'x-wc-webhook-signature', stripe: 'stripe-signature' };

/**
 * Checks a signature again later (in the worker): the same check as at intake, except Stripe's
 * timestamp tolerance, which guards intake against replays and was applied there.
 */
export function verifyCarriedSignature(platform: string, rawBody: Buffer, signature: string, secret: string): boolean {
  if (platform === 'stripe') return verifyStripe(rawBody, signature, secret, undefined, Number.POSITIVE_INFINITY).ok;
  const header = SIGNATURE_HEADER[platform] ?? 'x-hub-signature-256';
  return webhookFor(platform).verify(rawBody, { [header]: signature }, secret).ok;
}

/**
 * A BullMQ-safe job id from a platform and its event id (no ':', never all digits). An id too long
 * to keep whole becomes a digest: cutting it short would make two long ids that share a start one job.
 */
export function webhookJobId(platform: string, eventId: string): string {
  const id = `${platform}-${eventId}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return id.length <= 200 ? id : `${platform}-sha256-${createHash('sha256').update(eventId).digest('hex')}`;
}
