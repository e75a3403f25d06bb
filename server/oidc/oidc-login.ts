import { randomBytes } from 'node:crypto';
import { AuthorizationResponseError } from 'openid-client';
import type { Role, User } from '../../shared/auth.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Redis } from '../redis.ts';
import { SignInRefusedError } from '../users/sign-in-refused.ts';
import { LoginStateStore, browserHash } from './login-state.ts';
import { type Claims, OidcClient, randomLoginSecrets } from './oidc-client.ts';
import { type IdentityPolicy, type IdentityRefusal, emailDomain, identityFromClaims } from './role-mapping.ts';

/** What a single sign-on gives the user store (server/users UserService.signInWithOidc). */
export interface OidcSignIn {
  issuer: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
  /** The role a first sign-in creates the account with. */
  role: Role;
}

/**
 * The users side of a sign-in (UserService satisfies it): finds the account by (issuer, subject) or creates it,
 * refusing a disabled one (SignInRefusedError or AppError); and sets an existing account's role.
 */
export interface OidcUserSink {
  signInWithOidc(input: OidcSignIn): Promise<User>;
  setRole(actor: User, id: string, role: Role): Promise<unknown>;
}

/** Who changes a role the provider's claim decided, in the user store's log lines. */
const SSO_ACTOR: User = { name: 'single sign-on', role: 'admin', via: 'session' };

export type OidcFailure =
  | 'UNKNOWN_STATE'
  | 'WRONG_BROWSER'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_REFUSED'
  | 'VERIFICATION_FAILED'
  | IdentityRefusal
  | 'USER_REFUSED';

/** A sign-in that did not go through: `code` for tests and logs, `message` for the sign-in page, `reason` for the log only. */
export class OidcLoginError extends Error {
  constructor(
    readonly code: OidcFailure,
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'OidcLoginError';
  }
}

export interface OidcSettings extends IdentityPolicy {
  issuer: string;
  clientId: string;
  clientSecret: string;
  label: string;
  /** OIDC_REDIRECT_URL, else PUBLIC_URL + CALLBACK_PATH; unset: from the request's origin. */
  redirectUrl?: string;
}

export const CALLBACK_PATH = '/api/auth/oidc/callback';

/** The configuration single sign-on reads (partial: callers that build services by hand may leave it all out). */
export type OidcConfig = Partial<
  Pick<
    Config,
    | 'OIDC_ISSUER'
    | 'OIDC_CLIENT_ID'
    | 'OIDC_CLIENT_SECRET'
    | 'OIDC_ALLOWED_DOMAINS'
    | 'OIDC_ROLE_CLAIM'
    | 'OIDC_ROLE_MAP'
    | 'OIDC_LABEL'
    | 'OIDC_REDIRECT_URL'
    | 'PUBLIC_URL'
  >
>;

/** The settings from configuration, or undefined when single sign-on is off (config.ts refuses half of it). */
export function oidcSettingsFrom(config: OidcConfig): OidcSettings | undefined {
  if (!config.OIDC_ISSUER || !config.OIDC_CLIENT_ID || !config.OIDC_CLIENT_SECRET) return undefined;
  const redirectUrl = config.OIDC_REDIRECT_URL ?? (config.PUBLIC_URL ? new URL(CALLBACK_PATH, config.PUBLIC_URL).href : undefined);
  return {
    issuer: config.OIDC_ISSUER,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret: config.OIDC_CLIENT_SECRET,
    allowedDomains: config.OIDC_ALLOWED_DOMAINS ?? [],
    roleClaim: config.OIDC_ROLE_CLAIM,
    roleMap: config.OIDC_ROLE_MAP ?? [],
    label: config.OIDC_LABEL ?? 'Sign in with SSO',
    redirectUrl,
  };
}

/** A path on this console, or `/`: never another origin (`//host`, `/\host`, `https:`), never back to the sign-in page. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || hasControlCharacter(value)) return '/';
  try {
    // Resolving against a dummy origin must keep that origin: anything that would leave it is refused.
    const url = new URL(value, 'http://console.invalid');
    if (url.origin !== 'http://console.invalid' || url.pathname === '/login' || url.pathname.startsWith('/api/')) return '/';
    return url.pathname + url.search + url.hash;
  } catch {
    return '/';
  }
}

/** Tabs and line breaks vanish when a URL is parsed (`/\n/evil.io` → `//evil.io`): refused outright. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) === 0x7f) return true;
  return false;
}

/** A new browser binding (the cookie's value) when the browser has none. */
export const newBrowserBinding = () => randomBytes(24).toString('base64url');

export interface OidcLoginDeps {
  settings: OidcSettings;
  client: OidcClient;
  states: LoginStateStore;
  users: OidcUserSink;
  log?: Logger;
  now?: () => number;
}

/**
 * Single sign-on with OpenID Connect, authorization code flow with PKCE: `start` remembers the attempt and names
 * the provider's URL; `finish` checks the callback against the attempt (single use), lets openid-client verify the
 * provider's answer (state, PKCE, nonce, ID token), applies our own rules (verified email, allowed domain, role
 * from the claims) and hands the person to the user store. No HTTP here: the routes set cookies and redirect.
 */
export class OidcLogin {
  constructor(private readonly deps: OidcLoginDeps) {}

  get label(): string {
    return this.deps.settings.label;
  }

  /** The redirect URI for a request that reached us at `origin` (scheme://host), unless configured. */
  redirectUri(origin: string): string {
    return this.deps.settings.redirectUrl ?? new URL(CALLBACK_PATH, origin).href;
  }

  async start(p: { origin: string; returnTo: string; browserBinding: string }): Promise<URL> {
    const { state, nonce, pkceVerifier } = randomLoginSecrets();
    const redirectUri = this.redirectUri(p.origin);
    let url: URL;
    try {
      url = await this.deps.client.authorizationUrl({ redirectUri, state, nonce, pkceVerifier });
    } catch (err) {
      throw new OidcLoginError('PROVIDER_UNAVAILABLE', 'the identity provider cannot be reached', `discovery failed: ${describe(err)}`);
    }
    await this.deps.states.save(state, {
      nonce,
      pkceVerifier,
      redirectUri,
      returnTo: safeReturnPath(p.returnTo),
      browser: browserHash(p.browserBinding),
      createdAt: (this.deps.now ?? Date.now)(),
    });
    return url;
  }

  /** `query`: the callback's query string as the provider sent it; `browserBinding`: the cookie, if the browser sent it. */
  async finish(p: { query: URLSearchParams; browserBinding: string | undefined }): Promise<{ user: User; returnTo: string; email: string }> {
    const state = p.query.get('state') ?? '';
    const attempt = await this.deps.states.take(state);
    if (!attempt) {
      const refused = p.query.get('error');
      throw new OidcLoginError(
        'UNKNOWN_STATE',
        'this sign-in expired or was already used; please try again',
        refused ? `unknown or used state (provider said ${refused})` : 'unknown or used state',
      );
    }
    if (!p.browserBinding || browserHash(p.browserBinding) !== attempt.browser) {
      throw new OidcLoginError('WRONG_BROWSER', 'this sign-in was started in another browser; please try again', 'browser binding cookie missing or different');
    }
    const callbackUrl = new URL(attempt.redirectUri);
    callbackUrl.search = p.query.toString();
    let claims: Claims;
    try {
      claims = await this.deps.client.exchange(callbackUrl, { state, nonce: attempt.nonce, pkceVerifier: attempt.pkceVerifier });
    } catch (err) {
      throw exchangeFailure(err);
    }
    const checked = identityFromClaims(this.deps.client.issuer, claims, this.deps.settings);
    if (!checked.ok) throw identityRefusal(checked.reason, checked.email);
    const { identity } = checked;
    let user: User;
    try {
      user = await this.deps.users.signInWithOidc({ ...identity, role: identity.role ?? 'viewer' });
    } catch (err) {
      if (isRefusal(err)) throw new OidcLoginError('USER_REFUSED', err.message, `user store refused ${identity.email}: ${err.code} ${err.message}`);
      throw err;
    }
    if (identity.role && user.id && user.role !== identity.role) user = await this.applyRole(user, identity.role);
    return { user, returnTo: attempt.returnTo, email: identity.email };
  }

  /**
   * With OIDC_ROLE_CLAIM the provider's groups decide the role at every sign-in, so a change there applies at the
   * next one. The user store's own rules still hold (the last admin is not demoted): then the stored role stays.
   */
  private async applyRole(user: User, role: Role): Promise<User> {
    try {
      await this.deps.users.setRole(SSO_ACTOR, user.id!, role);
      return { ...user, role };
    } catch (err) {
      if (!isRefusal(err)) throw err;
      this.deps.log?.warn(
        { user: user.email, role, kept: user.role, reason: err.message },
        "Single sign-on kept the stored role: the claim's role was refused",
      );
      return user;
    }
  }
}

/** The user store's refusals (a disabled account, an email it will not link, the last admin): AppError or SignInRefusedError, both with a code. */
function isRefusal(err: unknown): err is Error & { code: string } {
  return err instanceof AppError || err instanceof SignInRefusedError;
}

function exchangeFailure(err: unknown): OidcLoginError {
  if (err instanceof AuthorizationResponseError) {
    // access_denied and the like: the person cancelled, or the provider's policy said no.
    return new OidcLoginError(
      'PROVIDER_REFUSED',
      `the identity provider refused (${err.error})`,
      `authorization error: ${err.error} ${err.error_description ?? ''}`.trim(),
    );
  }
  if (isUnreachable(err)) return new OidcLoginError('PROVIDER_UNAVAILABLE', 'the identity provider cannot be reached', describe(err));
  return new OidcLoginError('VERIFICATION_FAILED', "the identity provider's answer could not be verified", describe(err));
}

function identityRefusal(reason: IdentityRefusal, email?: string): OidcLoginError {
  switch (reason) {
    case 'NO_EMAIL':
      return new OidcLoginError(reason, 'the identity provider sent no email address', 'no usable email claim (is the email scope granted?)');
    case 'EMAIL_NOT_VERIFIED':
      return new OidcLoginError(reason, 'your email address is not verified at the identity provider', `email_verified is false for ${email}`);
    case 'DOMAIN_NOT_ALLOWED': {
      const domain = email ? emailDomain(email) : '';
      return new OidcLoginError(reason, `accounts of ${domain} may not sign in here`, `${email} is not in OIDC_ALLOWED_DOMAINS`);
    }
  }
}

/** Network failures and timeouts, wherever openid-client or fetch wrapped them. */
function isUnreachable(err: unknown): boolean {
  for (let e = err as { name?: string; message?: string; code?: string; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e.message === 'fetch failed' || /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|UND_ERR_)/.test(e.code ?? '')) return true;
  }
  return false;
}

/** The error and its causes on one line, for the log. */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; code?: string; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    parts.push(e.code ? `${e.message} [${e.code}]` : String(e.message ?? e));
  }
  return parts.join(': ');
}

/** Single sign-on from configuration, or undefined when it is off. Its Redis keys live under `<prefix>:oidc:`. */
export function createOidcLogin(config: OidcConfig, deps: { connection: Redis; prefix: string; users: OidcUserSink; log?: Logger }): OidcLogin | undefined {
  const settings = oidcSettingsFrom(config);
  if (!settings) return undefined;
  return new OidcLogin({
    settings,
    client: new OidcClient({ issuer: settings.issuer, clientId: settings.clientId, clientSecret: settings.clientSecret, roleClaim: settings.roleClaim }),
    states: new LoginStateStore(deps.connection, { prefix: deps.prefix }),
    users: deps.users,
    log: deps.log,
  });
}
