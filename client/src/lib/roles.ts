import type { Role } from '../../../shared/auth.ts';

/** How the console tells roles apart: one badge colour and one line of what each may do. */
export const ROLE_COLORS: Record<Role, 'gray' | 'green' | 'blue'> = { viewer: 'gray', operator: 'green', admin: 'blue' };

export const ROLE_SUMMARY: Record<Role, string> = {
  viewer: 'Reads everything, changes nothing',
  operator: 'Retries, promotes, pauses, resumes and adds jobs; no empty, clean or remove',
  admin: 'Everything, including empty, clean, remove, schedules and users',
};
