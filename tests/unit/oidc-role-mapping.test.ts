import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { oidcSettingsFrom, safeReturnPath } from '../../server/oidc/oidc-login.ts';
import { domainAllowed, identityFromClaims, roleFromClaims, type IdentityPolicy } from '../../server/oidc/role-mapping.ts';

const roleMap = [
  { value: 'bizjobs-admins', role: 'admin' as const },
  { value: 'bizjobs-ops', role: 'operator' as const },
  { value: 'bizjobs-readers', role: 'viewer' as const },
];
const policy: IdentityPolicy = { roleClaim: 'groups', roleMap, allowedDomains: ['example.com'] };

describe('roleFromClaims', () => {
  it('maps a string claim', () => {
    expect(roleFromClaims({ groups: 'bizjobs-ops' }, policy)).toBe('operator');
  });

  it('takes the highest mapped role of an array, whatever the order', () => {
    expect(roleFromClaims({ groups: ['bizjobs-ops', 'staff', 'bizjobs-admins'] }, policy)).toBe('admin');
    expect(roleFromClaims({ groups: ['bizjobs-admins', 'bizjobs-ops'] }, policy)).toBe('admin');
    expect(roleFromClaims({ groups: ['bizjobs-readers', 'bizjobs-ops'] }, policy)).toBe('operator');
  });

  it('reads a space-separated string (the `roles` / `scope` style) and numbers', () => {
    expect(roleFromClaims({ groups: 'staff bizjobs-ops' }, policy)).toBe('operator');
    expect(roleFromClaims({ groups: [42] }, { roleClaim: 'groups', roleMap: [{ value: '42', role: 'admin' }] })).toBe('admin');
  });

  it('is viewer when the claim is there but nothing in it is mapped (or it is empty)', () => {
    expect(roleFromClaims({ groups: ['staff'] }, policy)).toBe('viewer');
    expect(roleFromClaims({ groups: [] }, policy)).toBe('viewer');
    expect(roleFromClaims({ groups: '' }, policy)).toBe('viewer');
    expect(roleFromClaims({ groups: { admin: true } }, policy)).toBe('viewer');
  });

  it('matches values exactly (case and substrings do not count)', () => {
    expect(roleFromClaims({ groups: ['BIZJOBS-ADMINS', 'bizjobs-admins-old'] }, policy)).toBe('viewer');
  });

  it('says nothing (keep the stored role) when the claim is absent or no claim is configured', () => {
    expect(roleFromClaims({ email: 'a@example.com' }, policy)).toBeUndefined();
    expect(roleFromClaims({ groups: null }, policy)).toBeUndefined();
    expect(roleFromClaims({ groups: ['bizjobs-admins'] }, { roleMap })).toBeUndefined();
  });
});

describe('domainAllowed', () => {
  it('allows any domain when the list is empty', () => {
    expect(domainAllowed('a@anywhere.io', [])).toBe(true);
  });

  it('allows listed domains exactly, case-insensitively, and no subdomain or look-alike', () => {
    expect(domainAllowed('Ann@Example.COM', ['example.com'])).toBe(true);
    expect(domainAllowed('ann@corp.example.com', ['example.com'])).toBe(false);
    expect(domainAllowed('ann@example.com.evil.io', ['example.com'])).toBe(false);
    expect(domainAllowed('ann@notexample.com', ['example.com'])).toBe(false);
    expect(domainAllowed('"x@example.com"@evil.io', ['example.com'])).toBe(false);
  });
});

describe('identityFromClaims', () => {
  const issuer = 'https://login.example.com';
  const base = { sub: 'u-1', email: 'Ann.Lee@Example.com', email_verified: true, name: 'Ann Lee', groups: ['bizjobs-ops'] };

  it('turns verified claims into an identity with the mapped role and a lower-cased email', () => {
    expect(identityFromClaims(issuer, base, policy)).toEqual({
      ok: true,
      identity: { issuer, subject: 'u-1', email: 'ann.lee@example.com', emailVerified: true, name: 'Ann Lee', role: 'operator' },
    });
  });

  it('refuses a sign-in without an email, or with email_verified false (boolean or string)', () => {
    expect(identityFromClaims(issuer, { ...base, email: undefined, preferred_username: 'ann@example.com' }, policy)).toEqual({ ok: false, reason: 'NO_EMAIL' });
    expect(identityFromClaims(issuer, { ...base, email: 'not-an-address' }, policy)).toMatchObject({ ok: false, reason: 'NO_EMAIL' });
    expect(identityFromClaims(issuer, { ...base, email_verified: false }, policy)).toMatchObject({ ok: false, reason: 'EMAIL_NOT_VERIFIED' });
    expect(identityFromClaims(issuer, { ...base, email_verified: 'false' }, policy)).toMatchObject({ ok: false, reason: 'EMAIL_NOT_VERIFIED' });
  });

  it('lets in an email the provider sends no email_verified for (Entra ID), recorded as not verified', () => {
    const { email_verified: _, ...claims } = base;
    expect(identityFromClaims(issuer, claims, policy)).toMatchObject({ ok: true, identity: { emailVerified: false } });
  });

  it('refuses a domain that is not allowed, naming the address', () => {
    expect(identityFromClaims(issuer, { ...base, email: 'eve@evil.io' }, policy)).toEqual({ ok: false, reason: 'DOMAIN_NOT_ALLOWED', email: 'eve@evil.io' });
  });

  it('falls back to given + family name, then the address, for the display name', () => {
    const ok = (claims: Record<string, unknown>) => {
      const r = identityFromClaims(issuer, claims, policy);
      if (!r.ok) throw new Error(r.reason);
      return r.identity.name;
    };
    expect(ok({ ...base, name: undefined, given_name: 'Ann', family_name: 'Lee' })).toBe('Ann Lee');
    expect(ok({ ...base, name: '  ' })).toBe('ann.lee');
  });

  it('leaves the role undefined when the role claim is absent', () => {
    const { groups: _, ...claims } = base;
    expect(identityFromClaims(issuer, claims, policy)).toMatchObject({ ok: true, identity: { role: undefined } });
  });
});

describe('safeReturnPath', () => {
  it('keeps a path on this console with its query and fragment', () => {
    expect(safeReturnPath('/queues/alerts?state=failed#top')).toBe('/queues/alerts?state=failed#top');
  });

  it.each([
    ['https://evil.io/'],
    ['//evil.io/x'],
    ['/\\evil.io'],
    ['javascript:alert(1)'],
    ['evil.io'],
    ['/login'],
    ['/api/auth/oidc/start'],
    ['/a\nb'],
    ['/\n/evil.io'],
    [undefined],
    [['/a', '/b']],
  ])('sends %j to / instead', (value) => {
    expect(safeReturnPath(value)).toBe('/');
  });
});

describe('OIDC configuration', () => {
  const full = { OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'bizjobs', OIDC_CLIENT_SECRET: 's3cret' };
  const error = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('loadConfig did not throw');
  };

  it('is off without settings, and on with the three keys, with defaults', () => {
    expect(oidcSettingsFrom(loadConfig({}))).toBeUndefined();
    expect(oidcSettingsFrom(loadConfig(full))).toEqual({
      issuer: 'https://login.example.com',
      clientId: 'bizjobs',
      clientSecret: 's3cret',
      allowedDomains: [],
      roleClaim: undefined,
      roleMap: [],
      label: 'Sign in with SSO',
      redirectUrl: undefined,
    });
  });

  it('names each missing key when only part is set', () => {
    const message = error({ OIDC_ISSUER: full.OIDC_ISSUER });
    expect(message).toContain('OIDC_CLIENT_ID is required');
    expect(message).toContain('OIDC_CLIENT_SECRET is required');
    expect(error({ OIDC_CLIENT_ID: 'x', OIDC_CLIENT_SECRET: 'y' })).toContain('OIDC_ISSUER is required');
  });

  it('parses domains and the role map, and refuses bad entries by name', () => {
    const c = loadConfig({
      ...full,
      OIDC_ALLOWED_DOMAINS: 'Example.com, @example.org',
      OIDC_ROLE_CLAIM: 'groups',
      OIDC_ROLE_MAP: 'bizjobs-admins=admin, bizjobs-ops = operator',
    });
    expect(c.OIDC_ALLOWED_DOMAINS).toEqual(['example.com', 'example.org']);
    expect(c.OIDC_ROLE_MAP).toEqual([
      { value: 'bizjobs-admins', role: 'admin' },
      { value: 'bizjobs-ops', role: 'operator' },
    ]);
    expect(error({ ...full, OIDC_ROLE_CLAIM: 'groups', OIDC_ROLE_MAP: 'bizjobs-admins=root' })).toMatch(/OIDC_ROLE_MAP: "bizjobs-admins=root" must be/);
    expect(error({ ...full, OIDC_ROLE_MAP: 'bizjobs-admins=admin' })).toContain('OIDC_ROLE_CLAIM is required with OIDC_ROLE_MAP');
    expect(error({ ...full, OIDC_ALLOWED_DOMAINS: 'example' })).toContain('OIDC_ALLOWED_DOMAINS');
  });

  it('derives the redirect URL from PUBLIC_URL unless OIDC_REDIRECT_URL says otherwise', () => {
    expect(oidcSettingsFrom(loadConfig({ ...full, PUBLIC_URL: 'https://jobs.example.com/' }))?.redirectUrl).toBe(
      'https://jobs.example.com/api/auth/oidc/callback',
    );
    expect(
      oidcSettingsFrom(loadConfig({ ...full, PUBLIC_URL: 'https://jobs.example.com', OIDC_REDIRECT_URL: 'https://sso.example.com/cb' }))?.redirectUrl,
    ).toBe('https://sso.example.com/cb');
  });

  it('refuses an http:// issuer in production only', () => {
    const http = { ...full, OIDC_ISSUER: 'http://127.0.0.1:4000' };
    expect(oidcSettingsFrom(loadConfig(http))?.issuer).toBe('http://127.0.0.1:4000');
    const prod = { NODE_ENV: 'production', REDIS_URL: 'redis://redis:6379', ENCRYPTION_KEY: 'k'.repeat(32), ADMIN_PASSWORD: 'a-long-admin-password' };
    expect(error({ ...prod, ...http })).toContain('OIDC_ISSUER must be an https:// URL in production');
    expect(oidcSettingsFrom(loadConfig({ ...prod, ...full }))?.issuer).toBe(full.OIDC_ISSUER);
  });
});
