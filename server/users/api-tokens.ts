import { createHash, randomBytes } from 'node:crypto';

/**
 * Personal API tokens: `bj_` + an 8-character prefix + `_` + a secret of 32 random bytes (base64url, 43 characters).
 * The prefix is kept to recognise a token in lists; the whole token is kept only as its sha256.
 */
export const TOKEN_MARK = 'bj_';
const PREFIX_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 43;
const SHAPE = new RegExp(`^${TOKEN_MARK}[a-z0-9]{${PREFIX_LENGTH}}_[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);

export interface NewToken {
  /** Shown once to its owner, never stored. */
  token: string;
  /** `bj_xxxxxxxx`: stored and shown. */
  prefix: string;
  hash: string;
}

/** sha256, hex: a token has 256 random bits, so a fast hash is enough (no salt or stretching needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newToken(): NewToken {
  // Letters and digits only, so the prefix never holds the `_` that separates it from the secret.
  const prefix = TOKEN_MARK + Array.from(randomBytes(PREFIX_LENGTH), (b) => PREFIX_CHARS[b % PREFIX_CHARS.length]).join('');
  const token = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashSecret(token) };
}

/** Looks like a personal token (the environment tokens are anything else). */
export function isPersonalToken(bearer: string): boolean {
  return bearer.startsWith(TOKEN_MARK);
}

/** The hash to look a personal token up by, or undefined when it is not one in shape. */
export function parseToken(bearer: string): { prefix: string; hash: string } | undefined {
  if (!SHAPE.test(bearer)) return undefined;
  return { prefix: bearer.slice(0, TOKEN_MARK.length + PREFIX_LENGTH), hash: hashSecret(bearer) };
}

/** A one-time invite token (32 random bytes); only its hash is stored. */
export function newInviteToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSecret(token) };
}
