import { randomBytes, scrypt, scryptSync, timingSafeEqual, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const N = 16384;
const KEYLEN = 32;

/** `scrypt$N$salt$hash` (base64url parts): a slow, salted hash; the plaintext is never stored. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N });
  return `scrypt$${N}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Async (scrypt runs on the thread pool), so a burst of sign-ins never blocks the event loop. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return timingSafeEqual(actual, expected);
}

/** A secret's SHA-256: digests of any two secrets have one length, so timingSafeEqual can compare them. */
export function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface AdminCredential {
  hash: string;
  /** Set only when this start generated the password: print it once, it is not stored. */
  generated?: string;
}

/**
 * ADMIN_PASSWORD when set; else the hash kept under DATA_DIR/secrets; else a new random password
 * whose hash is written there (mode 0600) and whose plaintext is returned once for the start banner.
 */
export function loadAdminCredential(dataDir: string, configured?: string): AdminCredential {
  if (configured) return { hash: hashPassword(configured) };
  const file = path.join(dataDir, 'secrets', 'admin-password.hash');
  if (fs.existsSync(file)) return { hash: fs.readFileSync(file, 'utf8').trim() };
  const generated = generatePassword();
  const hash = hashPassword(generated);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, hash, { mode: 0o600 });
  return { hash, generated };
}
