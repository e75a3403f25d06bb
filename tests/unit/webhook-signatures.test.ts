import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../shared/jobs.ts';
import { jobIdSchema } from '../../shared/jobs.ts';
import { STRIPE_TOLERANCE_SEC, verifyBase64Hmac, verifyHubSignature, verifyStripe } from '../../server/webhooks/signatures.ts';
import { webhookJobId } from '../../server/webhooks/platforms.ts';

/** Signatures computed here, independently of the helpers in signatures.ts. */
const mac = (secret: string, data: string | Buffer) => createHmac('sha256', secret).update(data);
const b64 = (secret: string, body: string) => mac(secret, body).digest('base64');
const hex = (secret: string, body: string) => mac(secret, body).digest('hex');
const stripeV1 = (secret: string, body: string, t: number) => mac(secret, `${t}.${body}`).digest('hex');

const SECRET = 'test-secret';
const BODY = '{"id":"evt_1","type":"charge.succeeded","amount":1299}';
const raw = (s: string) => Buffer.from(s, 'utf8');

describe('verifyBase64Hmac (Shopify, WooCommerce)', () => {
  it('accepts the base64 HMAC-SHA256 of the raw body', () => {
    expect(verifyBase64Hmac(raw(BODY), b64(SECRET, BODY), SECRET)).toBe(true);
  });

  it('tolerates surrounding whitespace in the header', () => {
    expect(verifyBase64Hmac(raw(BODY), `  ${b64(SECRET, BODY)}\n`, SECRET)).toBe(true);
  });

  it('refuses a tampered body', () => {
    expect(verifyBase64Hmac(raw(BODY.replace('1299', '1')), b64(SECRET, BODY), SECRET)).toBe(false);
  });

  it('refuses a body that differs only in whitespace (the raw bytes are signed, not the JSON value)', () => {
    const reformatted = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(verifyBase64Hmac(raw(reformatted), b64(SECRET, BODY), SECRET)).toBe(false);
  });

  it('refuses the wrong secret', () => {
    expect(verifyBase64Hmac(raw(BODY), b64('other-secret', BODY), SECRET)).toBe(false);
  });

  it('refuses a missing, empty, hex-encoded or truncated header', () => {
    expect(verifyBase64Hmac(raw(BODY), undefined, SECRET)).toBe(false);
    expect(verifyBase64Hmac(raw(BODY), '', SECRET)).toBe(false);
    expect(verifyBase64Hmac(raw(BODY), hex(SECRET, BODY), SECRET)).toBe(false);
    expect(verifyBase64Hmac(raw(BODY), b64(SECRET, BODY).slice(0, 20), SECRET)).toBe(false);
  });

  it('works on an empty body and on non-UTF-8 bytes', () => {
    expect(verifyBase64Hmac(Buffer.alloc(0), mac(SECRET, Buffer.alloc(0)).digest('base64'), SECRET)).toBe(true);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    expect(verifyBase64Hmac(bytes, mac(SECRET, bytes).digest('base64'), SECRET)).toBe(true);
    expect(verifyBase64Hmac(Buffer.from([0xff, 0xfe, 0x00, 0x81]), mac(SECRET, bytes).digest('base64'), SECRET)).toBe(false);
  });
});

describe('verifyStripe', () => {
  const NOW = 1_750_000_000;

  it('accepts t=…,v1=… signed over "<t>.<body>"', () => {
    const header = `t=${NOW},v1=${stripeV1(SECRET, BODY, NOW)}`;
    expect(verifyStripe(raw(BODY), header, SECRET, NOW)).toEqual({ ok: true });
  });

  it('accepts when any of several v1 signatures matches (secret rotation), in any order, beside v0', () => {
    const good = stripeV1(SECRET, BODY, NOW);
    const old = stripeV1('rotated-out', BODY, NOW);
    expect(verifyStripe(raw(BODY), `t=${NOW},v1=${old},v1=${good}`, SECRET, NOW).ok).toBe(true);
    expect(verifyStripe(raw(BODY), `t=${NOW},v1=${good},v1=${old}`, SECRET, NOW).ok).toBe(true);
    expect(verifyStripe(raw(BODY), `t=${NOW}, v0=${'0'.repeat(64)}, v1=${good}`, SECRET, NOW).ok).toBe(true);
  });

  it('refuses when no v1 matches', () => {
    const r = verifyStripe(raw(BODY), `t=${NOW},v1=${stripeV1('other', BODY, NOW)},v1=${'ab'.repeat(32)}`, SECRET, NOW);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/no matching/);
  });

  it('refuses a tampered body or a signature for another timestamp', () => {
    expect(verifyStripe(raw(`${BODY} `), `t=${NOW},v1=${stripeV1(SECRET, BODY, NOW)}`, SECRET, NOW).ok).toBe(false);
    // The signature of t-1 presented with t: the timestamp is part of what is signed.
    expect(verifyStripe(raw(BODY), `t=${NOW},v1=${stripeV1(SECRET, BODY, NOW - 1)}`, SECRET, NOW).ok).toBe(false);
  });

  it('enforces the tolerance in both directions, inclusive at the limit', () => {
    expect(STRIPE_TOLERANCE_SEC).toBe(300);
    const at = (t: number) => verifyStripe(raw(BODY), `t=${t},v1=${stripeV1(SECRET, BODY, t)}`, SECRET, NOW);
    expect(at(NOW - 300).ok).toBe(true);
    expect(at(NOW + 300).ok).toBe(true);
    const stale = at(NOW - 301);
    expect(stale.ok).toBe(false);
    expect(stale.reason).toMatch(/tolerance/);
    expect(at(NOW + 301).ok).toBe(false);
    expect(at(NOW - 86_400).ok).toBe(false);
  });

  it('uses a custom tolerance when given', () => {
    const t = NOW - 10;
    const header = `t=${t},v1=${stripeV1(SECRET, BODY, t)}`;
    expect(verifyStripe(raw(BODY), header, SECRET, NOW, 5).ok).toBe(false);
    expect(verifyStripe(raw(BODY), header, SECRET, NOW, 10).ok).toBe(true);
  });

  it('defaults "now" to the wall clock', () => {
    const t = Math.floor(Date.now() / 1000);
    expect(verifyStripe(raw(BODY), `t=${t},v1=${stripeV1(SECRET, BODY, t)}`, SECRET).ok).toBe(true);
    const old = t - 3600;
    expect(verifyStripe(raw(BODY), `t=${old},v1=${stripeV1(SECRET, BODY, old)}`, SECRET).ok).toBe(false);
  });

  it.each([
    ['missing', undefined, /missing/],
    ['empty', '', /missing/],
    ['garbage', 'garbage', /malformed/],
    ['no timestamp', `v1=${'a'.repeat(64)}`, /malformed/],
    ['non-numeric timestamp', `t=abc,v1=${'a'.repeat(64)}`, /malformed/],
    ['no v1', `t=${NOW}`, /malformed/],
    ['only v0', `t=${NOW},v0=${'a'.repeat(64)}`, /malformed/],
  ])('refuses a %s header with a reason', (_label, header, reason) => {
    const r = verifyStripe(raw(BODY), header, SECRET, NOW);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(reason);
  });

  it('refuses a non-hex or wrong-length v1 without throwing', () => {
    expect(verifyStripe(raw(BODY), `t=${NOW},v1=zz${stripeV1(SECRET, BODY, NOW).slice(2)}`, SECRET, NOW).ok).toBe(false);
    expect(verifyStripe(raw(BODY), `t=${NOW},v1=${stripeV1(SECRET, BODY, NOW).slice(0, 40)}`, SECRET, NOW).ok).toBe(false);
    expect(verifyStripe(raw(BODY), `t=${NOW},v1=`, SECRET, NOW).ok).toBe(false);
  });
});

describe('verifyHubSignature (generic: facebook-ads, google-analytics, …)', () => {
  it('accepts "sha256=" + hex HMAC of the raw body', () => {
    expect(verifyHubSignature(raw(BODY), `sha256=${hex(SECRET, BODY)}`, SECRET)).toBe(true);
    expect(verifyHubSignature(raw(BODY), `sha256=${hex(SECRET, BODY).toUpperCase()}`, SECRET)).toBe(true);
  });

  it('refuses a tampered body or the wrong secret', () => {
    expect(verifyHubSignature(raw(`${BODY}x`), `sha256=${hex(SECRET, BODY)}`, SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), `sha256=${hex('nope', BODY)}`, SECRET)).toBe(false);
  });

  it('refuses a missing prefix, another algorithm, a bare hex, base64, or truncated hex', () => {
    const h = hex(SECRET, BODY);
    expect(verifyHubSignature(raw(BODY), undefined, SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), '', SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), h, SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), `sha1=${h}`, SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), `sha256=${b64(SECRET, BODY)}`, SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), `sha256=${h.slice(0, 62)}`, SECRET)).toBe(false);
    expect(verifyHubSignature(raw(BODY), `sha256=${h}00`, SECRET)).toBe(false);
  });
});

describe('webhookJobId', () => {
  const isBullSafe = (id: string) => jobIdSchema.safeParse(id).success;

  it('is "<platform>-<eventId>" for plain ids', () => {
    expect(webhookJobId('stripe', 'evt_1NG8Du2eZvKYlo2C')).toBe('stripe-evt_1NG8Du2eZvKYlo2C');
    expect(webhookJobId('shopify', 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043')).toBe('shopify-b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
  });

  it('never contains ":" (BullMQ refuses it)', () => {
    const id = webhookJobId('facebook-ads', 'page:123:change');
    expect(id).not.toContain(':');
    expect(id).toBe('facebook-ads-page_123_change');
    expect(webhookJobId('shopify', 'a b/c?d#e')).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('is never an all-digit (integer-looking) id, even for numeric event ids', () => {
    for (const platform of PLATFORMS) {
      for (const eventId of ['12345', '0', '007', '9'.repeat(300)]) {
        const id = webhookJobId(platform, eventId);
        expect(id).not.toMatch(/^\d+$/);
        expect(String(Number.parseInt(id, 10))).not.toBe(id);
        expect(isBullSafe(id)).toBe(true);
      }
    }
  });

  it('is deterministic (a redelivery maps to the same id) and bounded in length', () => {
    expect(webhookJobId('woocommerce', '42')).toBe(webhookJobId('woocommerce', '42'));
    expect(webhookJobId('woocommerce', '42')).not.toBe(webhookJobId('woocommerce', '43'));
    expect(webhookJobId('stripe', 'x'.repeat(1000)).length).toBeLessThanOrEqual(200);
  });
});
