import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Seals integration credentials at rest with AES-256-GCM. The key is ENCRYPTION_KEY (any string;
 * hashed to 32 bytes) or one generated once under DATA_DIR/secrets. Every machine that runs
 * workers against the same database needs the same key.
 */
export class Sealer {
  private constructor(private readonly key: Buffer) {}

  static fromSecret(secret: string): Sealer {
    return new Sealer(createHash('sha256').update(secret).digest());
  }

  static load(dataDir: string, configured?: string): Sealer {
    if (configured) return Sealer.fromSecret(configured);
    const file = path.join(dataDir, 'secrets', 'encryption.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    }
    return Sealer.fromSecret(fs.readFileSync(file, 'utf8').trim());
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  open(sealed: string): string {
    const [v, iv, tag, body] = sealed.split(':');
    if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
