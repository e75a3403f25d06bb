import { MIN_PASSWORD_LENGTH } from '../../shared/users.ts';
import { AppError } from '../errors.ts';
import { isCommonPassword } from './common-passwords.ts';

/** What is wrong with a new password (empty when it is acceptable): at least MIN_PASSWORD_LENGTH, not a common one. */
export function passwordProblems(password: string, context: { email?: string; name?: string } = {}): string[] {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(`must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (isCommonPassword(password)) problems.push('is one of the 10,000 most common passwords; choose another');
  const lower = password.toLowerCase();
  // The account's own email or name is the first thing a guesser tries.
  if ([context.email, context.email?.split('@')[0], context.name].some((s) => s && s.length >= 4 && lower === s.toLowerCase())) {
    problems.push('must not be your email address or name');
  }
  return problems;
}

/** Throws INVALID_INPUT naming the field when the password is refused. */
export function assertAcceptablePassword(password: string, field = 'password', context: { email?: string; name?: string } = {}): void {
  const problems = passwordProblems(password, context);
  if (problems.length) throw new AppError('INVALID_INPUT', `${field}: ${problems.join('; ')}`, { [field]: problems });
}
