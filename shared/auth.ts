import { z } from 'zod';

/** Lowest to highest. operator = every queue action except empty/clean/remove and user management. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES, { message: 'must be viewer, operator or admin' });

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` grants at least what `needed` grants. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** The lower of two roles (a personal token never acts above its owner's current role). */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

/**
 * Who is calling: a signed-in person (session) or a program (bearer token).
 * `id`/`email` are present for stored users; the legacy shared passwords and the environment tokens have neither.
 */
export interface User {
  /** The stored user's id (users table); absent for the shared `viewer` password and environment tokens. */
  id?: string;
  /** Display name of the person, or the environment token's name (`api-token`, `viewer-api-token`). */
  name: string;
  email?: string;
  role: Role;
  via: 'session' | 'token';
  /** A personal API token: which one (its owner is id/name/email above). */
  token?: { id: string; name: string };
}

/** `username` is an email, or `admin` / `viewer` (the first admin's bootstrap name and the legacy shared viewer password). */
export const loginInputSchema = z.object({
  username: z.string().trim().min(1, 'is required').max(320),
  password: z.string().min(1, 'is required').max(1024),
});
export type LoginInput = z.infer<typeof loginInputSchema>;
