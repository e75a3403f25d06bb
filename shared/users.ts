import { z } from 'zod';
import { roleSchema, type Role } from './auth.ts';

/** The contract of users, invites and personal API tokens: tRPC `users.*` / `tokens.*`, the console, the CLI. */

export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const MIN_PASSWORD_LENGTH = 12;

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  /** Signed in through single sign-on at least once (no password of ours needed). */
  sso: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

export interface InviteView {
  id: string;
  email: string;
  role: Role;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface ApiTokenView {
  id: string;
  userId: string;
  name: string;
  role: Role;
  /** The first characters of the token (`bj_xxxxxxxx`), to recognise it; the rest is never stored. */
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** API_TOKEN / VIEWER_API_TOKEN from the environment: listed, never shown. */
export interface EnvironmentTokenView {
  name: 'api-token' | 'viewer-api-token';
  role: Role;
}

export const emailSchema = z.string().trim().toLowerCase().max(320).email('must be an email address');
export const displayNameSchema = z.string().trim().min(1, 'is required').max(100);
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

export const inviteCreateInputSchema = z.object({ email: emailSchema, role: roleSchema });
export const inviteAcceptInputSchema = z.object({
  token: z.string().min(10).max(200),
  name: displayNameSchema,
  password: passwordSchema,
});
export const idRefSchema = z.object({ id: z.string().min(1).max(100) });
export const userSetRoleInputSchema = z.object({ id: z.string().min(1).max(100), role: roleSchema });
export const userSetStatusInputSchema = z.object({ id: z.string().min(1).max(100), status: z.enum(USER_STATUSES) });

export const tokenCreateInputSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(64),
  role: roleSchema,
  /** null: never expires. */
  expiresInDays: z.number().int().min(1).max(365).nullable().default(90),
});
export const tokenListInputSchema = z.object({ userId: z.string().min(1).max(100).optional() }).optional();

export type InviteCreateInput = z.infer<typeof inviteCreateInputSchema>;
export type InviteAcceptInput = z.infer<typeof inviteAcceptInputSchema>;
export type TokenCreateInput = z.infer<typeof tokenCreateInputSchema>;
