import * as oidc from 'openid-client';

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** OIDC_ROLE_CLAIM: asked for as a scope too when the provider lists a scope of that name (Okta's `groups`). */
  roleClaim?: string;
  /** Seconds per request to the provider (discovery, token, userinfo). */
  timeoutSec?: number;
}

/** What the provider said about who signed in: the verified ID token's claims, topped up from userinfo. */
export type Claims = Record<string, unknown>;

/**
 * The provider, through openid-client: discovery once (lazily, at the first sign-in, so a provider that is down
 * does not stop the server starting; a failed discovery is forgotten and tried again by the next sign-in), the
 * authorization URL, and the code exchange with its checks (state, PKCE, nonce, ID token signature, issuer,
 * audience, expiry).
 */
export class OidcClient {
  private configuration?: Promise<oidc.Configuration>;

  constructor(private readonly opts: OidcClientOptions) {}

  get issuer(): string {
    return this.opts.issuer;
  }

  /** Plain http:// only reaches a provider in development and tests (config refuses it in production). */
  private get insecure(): boolean {
    return new URL(this.opts.issuer).protocol === 'http:';
  }

  private config(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const pending = this.discover();
      this.configuration = pending;
      pending.catch(() => {
        if (this.configuration === pending) this.configuration = undefined;
      });
    }
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const execute = this.insecure ? [oidc.allowInsecureRequests] : [];
    const timeout = this.opts.timeoutSec ?? 10;
    const found = await oidc.discovery(new URL(this.opts.issuer), this.opts.clientId, this.opts.clientSecret, undefined, { execute, timeout });
    // client_secret_basic is what the spec makes every provider support and the default a client is registered with
    // (Okta and oidc-provider refuse another method); openid-client's default is client_secret_post.
    const metadata = found.serverMetadata();
    const methods = metadata.token_endpoint_auth_methods_supported;
    const auth =
      !methods || methods.includes('client_secret_basic') ? oidc.ClientSecretBasic(this.opts.clientSecret) : oidc.ClientSecretPost(this.opts.clientSecret);
    const config = new oidc.Configuration(metadata, this.opts.clientId, this.opts.clientSecret, auth);
    config.timeout = timeout;
    for (const fn of execute) fn(config);
    return config;
  }

  /** Where the browser goes to sign in. */
  async authorizationUrl(p: { redirectUri: string; state: string; nonce: string; pkceVerifier: string }): Promise<URL> {
    const config = await this.config();
    const scopes = ['openid', 'email', 'profile'];
    const { roleClaim } = this.opts;
    if (roleClaim && config.serverMetadata().scopes_supported?.includes(roleClaim)) scopes.push(roleClaim);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: p.redirectUri,
      scope: scopes.join(' '),
      state: p.state,
      nonce: p.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(p.pkceVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * The callback: `callbackUrl` is the registered redirect URI with the query the provider sent (openid-client
   * sends it back without the query as redirect_uri). Throws when any check fails.
   */
  async exchange(callbackUrl: URL, checks: { state: string; nonce: string; pkceVerifier: string }): Promise<Claims> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      pkceCodeVerifier: checks.pkceVerifier,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('The provider returned no ID token');
    const claims: Claims = { ...idClaims };
    // Many providers keep the ID token small and put email or groups in userinfo only (oidc-provider, Okta's
    // default groups claim): ask for them when the ID token lacks them. The ID token wins where both say something.
    const { roleClaim } = this.opts;
    const missing = claims.email === undefined || (roleClaim !== undefined && claims[roleClaim] === undefined);
    if (missing && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
    }
    return claims;
  }
}

export const randomLoginSecrets = () => ({ state: oidc.randomState(), nonce: oidc.randomNonce(), pkceVerifier: oidc.randomPKCECodeVerifier() });
