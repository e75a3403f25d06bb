import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorContext } from './types.ts';
import { parseBody, requestJson, type ErrorMapper } from './http.ts';
import { PlatformAuthError, PlatformRequestError } from './errors.ts';
import { apiUrl } from './urls.ts';

/**
 * Google OAuth 2.0 access tokens for the Analytics Data API. Three kinds of credentials, in this order:
 * - `refreshToken` + `clientId` + `clientSecret` (a user's offline consent): refresh_token grant;
 * - `serviceAccountEmail` + `privateKey` (PEM; optional `privateKeyId`): a signed JWT, jwt-bearer grant;
 * - `accessToken` alone (legacy): used as is until it stops working; nothing can renew it.
 * The first two cache the current `accessToken` and `accessTokenExpiresAt` (ISO) with the credentials.
 * Sources: developers.google.com/identity/protocols/oauth2/web-server#offline and …/oauth2/service-account.
 */

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GA_READONLY_SCOPE = 'https://www.googleapis.com/auth/analytics.readonly';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Renew this long before the stated expiry, so a token cannot lapse between our check and Google's. */
export const REFRESH_MARGIN_MS = 60_000;
/** Google accepts assertions valid for at most an hour. */
const ASSERTION_TTL_SEC = 3600;
/** When a token response names no lifetime, Google's usual one (3599 s). */
const DEFAULT_EXPIRES_IN_SEC = 3599;

export type GoogleAuthMode = 'refresh-token' | 'service-account' | 'static';

/** Which grant the credentials allow; none → a person must connect the integration (again). */
export function googleAuthMode(credentials: Record<string, string>): GoogleAuthMode {
  if (credentials.refreshToken) return 'refresh-token';
  if (credentials.serviceAccountEmail || credentials.privateKey) return 'service-account';
  if (credentials.accessToken) return 'static';
  throw new PlatformAuthError(
    'Google Analytics credentials missing: give refreshToken, clientId and clientSecret (OAuth), or serviceAccountEmail and privateKey (service account)',
  );
}

/**
 * The token endpoint: settings.tokenUrl, absolute, or a path ("/token") on the integration's base URL
 * (a proxy or the demo's stand-in serving both); Google's own by default.
 */
export function googleTokenUrl(ctx: Pick<ConnectorContext, 'baseUrl' | 'settings'>): URL {
  const configured = ctx.settings.tokenUrl?.trim();
  if (!configured) return new URL(GOOGLE_TOKEN_URL);
  if (configured.startsWith('/')) return apiUrl(ctx.baseUrl, ctx.settings, configured);
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new PlatformRequestError(`setting "tokenUrl" is not a URL: ${configured}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PlatformRequestError(`setting "tokenUrl" must be http(s): ${configured}`);
  return url;
}

/** The cached token while it has more than REFRESH_MARGIN_MS left (no stated expiry: use it until a 401). */
export function cachedAccessToken(credentials: Record<string, string>, now = Date.now()): string | undefined {
  const token = credentials.accessToken;
  if (!token) return undefined;
  const expiresAt = credentials.accessTokenExpiresAt;
  if (!expiresAt) return token;
  const at = Date.parse(expiresAt);
  return Number.isFinite(at) && at - now > REFRESH_MARGIN_MS ? token : undefined;
}

/** A successful token response (RFC 6749 §5.1). Google adds scope and, for OpenID, id_token. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  // Google keeps refresh tokens until revoked and sends none on refresh, but RFC 6749 allows a new one.
  refresh_token: z.string().min(1).optional(),
});

/** An error response (RFC 6749 §5.2): invalid_grant (revoked/expired), invalid_client, unauthorized_client, … */
export const tokenErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().optional() });

/**
 * The token endpoint's refusals (400/401/403: revoked refresh token, wrong client, bad assertion) mean a
 * person must reconnect; a 429 (http.ts: its Retry-After if any, else growing backoff) and 5xx are http.ts's.
 */
export const googleTokenError: ErrorMapper = (status, body) => {
  const parsed = tokenErrorSchema.safeParse(body);
  const why = parsed.success ? `${parsed.data.error}${parsed.data.error_description ? `: ${parsed.data.error_description}` : ''}` : 'no reason given';
  if (status === 400 || status === 401 || status === 403) {
    return new PlatformAuthError(`Google refused a new access token (${status} ${why}): reconnect the Google Analytics integration`, status);
  }
  return undefined;
};

const b64urlJson = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A PEM key as pasted: JSON key files carry newlines as "\n", which forms and env files keep literally. */
function privateKeyOf(pem: string): KeyObject {
  try {
    return createPrivateKey(pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem);
  } catch (err) {
    throw new PlatformAuthError(
      `credential "privateKey" is not a PEM private key (${(err as Error).message}): paste private_key from the service account's JSON key file`,
    );
  }
}

export interface AssertionInput {
  serviceAccountEmail: string;
  privateKey: string;
  privateKeyId?: string;
  /** The token endpoint's URL (Google: always https://oauth2.googleapis.com/token). */
  audience: string;
  scope?: string;
  nowMs?: number;
}

/** The service-account JWT: RS256 over header.claims, claims iss/scope/aud/iat/exp as Google documents. */
export function serviceAccountAssertion(input: AssertionInput): string {
  const iat = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(input.privateKeyId ? { kid: input.privateKeyId } : {}) };
  const claims = { iss: input.serviceAccountEmail, scope: input.scope ?? GA_READONLY_SCOPE, aud: input.audience, iat, exp: iat + ASSERTION_TTL_SEC };
  const signingInput = `${b64urlJson(header)}.${b64urlJson(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKeyOf(input.privateKey), 'base64url');
  return `${signingInput}.${signature}`;
}

function required(credentials: Record<string, string>, key: string, mode: string): string {
  const v = credentials[key];
  if (!v) throw new PlatformAuthError(`credential "${key}" is missing (needed for Google ${mode} sign-in)`);
  return v;
}

/** One token request; the new token as credentials to store. */
async function requestToken(ctx: ConnectorContext, form: Record<string, string>): Promise<Record<string, string>> {
  const { body } = await requestJson(ctx, googleTokenUrl(ctx), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
    mapError: googleTokenError,
  });
  const token = parseBody(tokenResponseSchema, body, 'Google token');
  const expiresAt = new Date(Date.now() + (token.expires_in ?? DEFAULT_EXPIRES_IN_SEC) * 1000).toISOString();
  return {
    accessToken: token.access_token,
    accessTokenExpiresAt: expiresAt,
    ...(token.refresh_token && token.refresh_token !== ctx.credentials.refreshToken ? { refreshToken: token.refresh_token } : {}),
  };
}

/** Asks the token endpoint for a new access token with whatever grant the credentials allow. */
function newAccessToken(ctx: ConnectorContext, mode: Exclude<GoogleAuthMode, 'static'>): Promise<Record<string, string>> {
  const c = ctx.credentials;
  if (mode === 'refresh-token') {
    return requestToken(ctx, {
      client_id: required(c, 'clientId', 'OAuth'),
      client_secret: required(c, 'clientSecret', 'OAuth'),
      refresh_token: c.refreshToken,
      grant_type: 'refresh_token',
    });
  }
  const assertion = serviceAccountAssertion({
    serviceAccountEmail: required(c, 'serviceAccountEmail', 'service account'),
    privateKey: required(c, 'privateKey', 'service account'),
    privateKeyId: c.privateKeyId,
    audience: googleTokenUrl(ctx).href,
  });
  return requestToken(ctx, { grant_type: JWT_BEARER_GRANT, assertion });
}

export interface GoogleAccessToken {
  token: string;
  /** Another can be had (a refresh token or a service account): worth one retry after a 401. */
  renewable: boolean;
  /** Just issued: a 401 with it is not about its age. */
  fresh: boolean;
}

/**
 * An access token for the next call: the cached one while it lasts, else a new one, stored sealed with
 * the integration (ctx.saveCredentials) so the next run starts with it. `force` renews regardless (a 401).
 */
export async function googleAccessToken(ctx: ConnectorContext, opts: { force?: boolean } = {}): Promise<GoogleAccessToken> {
  const mode = googleAuthMode(ctx.credentials);
  if (mode === 'static') return { token: ctx.credentials.accessToken, renewable: false, fresh: false };
  const cached = opts.force ? undefined : cachedAccessToken(ctx.credentials);
  if (cached) return { token: cached, renewable: true, fresh: false };
  const patch = await newAccessToken(ctx, mode);
  if (ctx.saveCredentials) await ctx.saveCredentials(patch);
  else ctx.credentials = { ...ctx.credentials, ...patch };
  return { token: patch.accessToken, renewable: true, fresh: true };
}
