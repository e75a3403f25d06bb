import { type Role, roleAtLeast } from '../../shared/auth.ts';

/** OIDC_ROLE_MAP, parsed: a claim value and the role it grants. */
export interface RoleMapEntry {
  value: string;
  role: Role;
}

export interface RolePolicy {
  /** OIDC_ROLE_CLAIM; unset: the provider says nothing about roles and they are managed in the console. */
  roleClaim?: string;
  roleMap: readonly RoleMapEntry[];
}

/**
 * The role the provider's claims grant: the highest role any of the claim's values maps to, viewer when none
 * does. `undefined` when there is no role claim to read (not configured, or absent from this login's claims):
 * the stored role stays as it is (viewer for a new user).
 * The claim may be a string, an array of strings, or a space-separated string (some providers' `roles`).
 */
export function roleFromClaims(claims: Record<string, unknown>, policy: RolePolicy): Role | undefined {
  if (!policy.roleClaim) return undefined;
  const raw = claims[policy.roleClaim];
  if (raw === undefined || raw === null) return undefined;
  const values = new Set(claimValues(raw));
  let role: Role = 'viewer';
  for (const entry of policy.roleMap) {
    if (values.has(entry.value) && roleAtLeast(entry.role, role)) role = entry.role;
  }
  return role;
}

function claimValues(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
  if (typeof raw === 'string') return raw.split(/\s+/).filter(Boolean);
  if (typeof raw === 'number') return [String(raw)];
  return [];
}

/** The domain after the last `@`, lower-cased. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** OIDC_ALLOWED_DOMAINS: exact domains (no subdomains); an empty list allows any. */
export function domainAllowed(email: string, allowedDomains: readonly string[]): boolean {
  return allowedDomains.length === 0 || allowedDomains.includes(emailDomain(email));
}

/** Who the provider says signed in, once the checks below passed. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
  /** undefined: keep the stored role (see roleFromClaims). */
  role?: Role;
}

export interface IdentityPolicy extends RolePolicy {
  allowedDomains: readonly string[];
}

/** Why a provider's sign-in is not let in; the route turns the code into the sign-in page's message. */
export type IdentityRefusal = 'NO_EMAIL' | 'EMAIL_NOT_VERIFIED' | 'DOMAIN_NOT_ALLOWED';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * From verified ID token (and userinfo) claims to an identity, or a refusal: an email is required (users are keyed
 * by it), `email_verified: false` is refused (anyone can type an unverified address at some providers), and the
 * domain must be allowed. A provider that sends no `email_verified` (Entra ID) is taken at its word for a new
 * account (its issuer URL names one tenant, whose addresses its admins set), but recorded as not verified: the user
 * store links such a sign-in to an existing account only on a verified address.
 */
export function identityFromClaims(
  issuer: string,
  claims: Record<string, unknown>,
  policy: IdentityPolicy,
): { ok: true; identity: OidcIdentity } | { ok: false; reason: IdentityRefusal; email?: string } {
  // Only `email`: preferred_username and upn look like addresses but nobody vouches for them.
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined;
  if (!email || !EMAIL.test(email)) return { ok: false, reason: 'NO_EMAIL' };
  const verified = claims.email_verified;
  // Some providers send the flag as the string "true"/"false".
  if (verified === false || verified === 'false') return { ok: false, reason: 'EMAIL_NOT_VERIFIED', email };
  if (!domainAllowed(email, policy.allowedDomains)) return { ok: false, reason: 'DOMAIN_NOT_ALLOWED', email };
  return {
    ok: true,
    identity: {
      issuer,
      subject: String(claims.sub),
      email,
      emailVerified: verified === true || verified === 'true',
      name: displayName(claims, email),
      role: roleFromClaims(claims, policy),
    },
  };
}

function displayName(claims: Record<string, unknown>, email: string): string {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const given = [str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ');
  return (str(claims.name) ?? (given || undefined) ?? str(claims.preferred_username) ?? email.slice(0, email.indexOf('@'))).slice(0, 100);
}
