import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signature checks of each platform's webhooks, over the raw body bytes. Pure: no I/O. */

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (secret: string, data: Buffer | string) => createHmac('sha256', secret).update(data);

/** Shopify: X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(secret, body)). WooCommerce's X-WC-Webhook-Signature is the same. */
export function verifyBase64Hmac(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  return equalBytes(Buffer.from(header.trim(), 'base64'), hmac(secret, rawBody).digest());
}

export const STRIPE_TOLERANCE_SEC = 300;

/**
 * Stripe: Stripe-Signature `t=<unix>,v1=<hex>[,v1=…]`, v1 = hex(HMAC-SHA256(secret, "<t>.<body>")).
 * A timestamp further than the tolerance from now is refused (replay of an old capture).
 */
export function verifyStripe(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
  nowSec = Math.floor(Date.now() / 1000),
  toleranceSec = STRIPE_TOLERANCE_SEC,
): { ok: boolean; reason?: string } {
  if (!header) return { ok: false, reason: 'missing Stripe-Signature' };
  const parts = header.split(',').map((p) => p.trim().split('=') as [string, string]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (!Number.isFinite(t) || signatures.length === 0) return { ok: false, reason: 'malformed Stripe-Signature' };
  if (Math.abs(nowSec - t) > toleranceSec) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = hmac(secret, Buffer.concat([Buffer.from(`${t}.`), rawBody])).digest();
  const ok = signatures.some((s) => /^[0-9a-f]+$/i.test(s) && equalBytes(Buffer.from(s, 'hex'), expected));
  return ok ? { ok } : { ok, reason: 'no matching v1 signature' };
}

/**
 * The generic scheme for every other platform (documented in the README):
 * X-Hub-Signature-256 = "sha256=" + hex(HMAC-SHA256(secret, body)), as Facebook and GitHub send it.
 */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  const m = header ? /^sha256=([0-9a-f]{64})$/i.exec(header.trim()) : null;
  if (!m) return false;
  return equalBytes(Buffer.from(m[1], 'hex'), hmac(secret, rawBody).digest());
}

/** Helpers for tests and the stand-in servers: sign the way each platform does. */
export const sign = {
  base64: (secret: string, body: string | Buffer) => hmac(secret, body).digest('base64'),
  stripe: (secret: string, body: string | Buffer, t = Math.floor(Date.now() / 1000)) =>
    `t=${t},v1=${hmac(secret, Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)])).digest('hex')}`,
  hub: (secret: string, body: string | Buffer) => `sha256=${hmac(secret, body).digest('hex')}`,
};
