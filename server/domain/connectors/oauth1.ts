import { createHmac, randomBytes } from 'node:crypto';

/**
 * OAuth 1.0a signing (RFC 5849 §3.4), as WooCommerce needs it over plain http: "one-legged" (no
 * token, so the key is `consumer_secret&`), the oauth_* parameters in the query string beside the
 * request's own, as woocommerce-rest-api-js-lib sends them. Pure apart from the default nonce and clock.
 */

export type OAuth1SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256';

/** RFC 3986 percent-encoding (§3.6): everything but ALPHA / DIGIT / - . _ ~, as PHP's rawurlencode. */
export const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The base string URI (§3.4.1.2): scheme and host lowercase, default port dropped, no query or fragment. */
export const baseStringUri = (url: URL): string => `${url.protocol}//${url.host}${url.pathname}`;

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * METHOD&enc(uri)&enc(k1=v1&k2=v2…) over every parameter but oauth_signature, names and values
 * encoded, sorted by name then value (§3.4.1.3.2).
 */
export function signatureBaseString(method: string, url: URL, params: ReadonlyArray<readonly [string, string]>): string {
  const normalized = params
    .filter(([k]) => k !== 'oauth_signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => byteOrder(ak, bk) || byteOrder(av, bv))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return [method.toUpperCase(), rfc3986(baseStringUri(url)), rfc3986(normalized)].join('&');
}

export interface SignatureInput {
  method: string;
  /** The request URL; its query parameters are signed with `params`. */
  url: URL;
  /** The oauth_* parameters (and any other not already in the URL's query). */
  params: ReadonlyArray<readonly [string, string]>;
  consumerSecret: string;
  /** Empty in one-legged OAuth (WooCommerce). */
  tokenSecret?: string;
  signatureMethod: OAuth1SignatureMethod;
}

/** base64(HMAC(consumer_secret&token_secret, base string)) (§3.4.2). */
export function oauth1Signature(input: SignatureInput): string {
  const all = [...input.url.searchParams.entries(), ...input.params];
  const key = `${rfc3986(input.consumerSecret)}&${rfc3986(input.tokenSecret ?? '')}`;
  const algorithm = input.signatureMethod === 'HMAC-SHA1' ? 'sha1' : 'sha256';
  return createHmac(algorithm, key)
    .update(signatureBaseString(input.method, input.url, all))
    .digest('base64');
}

export interface OneLeggedOptions {
  method?: string;
  consumerKey: string;
  consumerSecret: string;
  /** WooCommerce accepts HMAC-SHA1 and HMAC-SHA256; its JS client uses SHA256. */
  signatureMethod?: OAuth1SignatureMethod;
  /** Unix seconds (default: now). WooCommerce refuses one more than 15 minutes from its clock. */
  timestamp?: number;
  /** Default: 32 random hex characters. WooCommerce refuses one used in the last 15 minutes. */
  nonce?: string;
}

/**
 * The URL with oauth_consumer_key, oauth_nonce, oauth_signature_method, oauth_timestamp and
 * oauth_signature added to its query. No oauth_version: WooCommerce's docs say to omit it.
 */
export function signOneLegged(url: URL, opts: OneLeggedOptions): URL {
  const signatureMethod = opts.signatureMethod ?? 'HMAC-SHA256';
  const params: Array<[string, string]> = [
    ['oauth_consumer_key', opts.consumerKey],
    ['oauth_nonce', opts.nonce ?? randomBytes(16).toString('hex')],
    ['oauth_signature_method', signatureMethod],
    ['oauth_timestamp', String(opts.timestamp ?? Math.floor(Date.now() / 1000))],
  ];
  const signature = oauth1Signature({ method: opts.method ?? 'GET', url, params, consumerSecret: opts.consumerSecret, signatureMethod });
  const signed = new URL(url);
  for (const [k, v] of [...params, ['oauth_signature', signature] as const]) signed.searchParams.set(k, v);
  return signed;
}
