/**
 * A real OpenID Provider for the single sign-on tests (tests/integration/oidc-*.test.ts, e2e/sso.spec.ts):
 * oidc-provider on a free port of 127.0.0.1, with its development sign-in form (devInteractions: any password),
 * consent skipped as a company's own provider does for its own apps, and accounts the test controls: their
 * email, email_verified and groups come back as claims (email and groups through userinfo, as many providers do).
 *
 * The port is taken first so the issuer URL is known before the app is configured; the client (whose
 * redirect_uri names the app's port) is registered once the app's address is known.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface ProviderAccount {
  /** What is typed into the provider's sign-in form; also the account's `sub`. */
  login: string;
  email: string;
  name: string;
  /** Sent as email_verified; default true. */
  emailVerified?: boolean;
  /** Sent as the `groups` claim when set. */
  groups?: string[];
}

export interface OidcClientRegistration {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface TestOidcProvider {
  issuer: string;
  /** The accounts by login; tests change them between sign-ins (groups, email_verified). */
  accounts: Map<string, ProviderAccount>;
  /** (Re)creates the provider with this client; call before the first sign-in. */
  registerClient(client: OidcClientRegistration): void;
  close(): Promise<void>;
}

export async function startOidcProvider(accounts: ProviderAccount[] = []): Promise<TestOidcProvider> {
  let handler: http.RequestListener = (_req, res) => {
    res.writeHead(503).end('no client registered yet');
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const byLogin = new Map(accounts.map((a) => [a.login, a]));
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const configuration = (client: OidcClientRegistration): Configuration => ({
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test-key', use: 'sig', alg: 'RS256' } as never] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // SameSite=None cookies need Secure, which plain http cannot give: Chromium would drop the provider's session.
      long: { sameSite: 'lax', signed: true },
      short: { sameSite: 'lax', signed: true },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const account = byLogin.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        // Read at each token and userinfo request, so a test's change to the account shows at the next sign-in.
        async claims() {
          const a = byLogin.get(sub) ?? account;
          return {
            sub,
            email: a.email,
            email_verified: a.emailVerified ?? true,
            name: a.name,
            ...(a.groups ? { groups: a.groups } : {}),
          };
        },
      };
    },
    // A company's own provider does not ask its people to consent to its own apps: every scope asked is granted.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) {
          existing.addOIDCScope(String(params?.scope ?? 'openid'));
          await existing.save();
          return existing;
        }
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
  });

  return {
    issuer,
    accounts: byLogin,
    registerClient(client) {
      const provider = new Provider(issuer, configuration(client));
      handler = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The app's OIDC_* settings for a client registered at a test provider: example.com only, groups mapped to roles. */
export function oidcEnv(issuer: string, client: { clientId: string; clientSecret: string }): Record<string, string> {
  return {
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    OIDC_ALLOWED_DOMAINS: 'example.com',
    OIDC_ROLE_CLAIM: 'groups',
    OIDC_ROLE_MAP: 'bizjobs-admins=admin,bizjobs-ops=operator',
  };
}
