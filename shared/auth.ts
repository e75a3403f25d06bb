import { z } from 'zod';

export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a signed-in person (session) or a program (bearer token). */
export interface User {
  name: string;
  role: Role;
  via: 'session' | 'token';
}

export const loginInputSchema = z.object({
  username: z.enum(ROLES, { message: 'must be admin or viewer' }),
  password: z.string().min(1, 'is required').max(1024),
});
export type LoginInput = z.infer<typeof loginInputSchema>;
