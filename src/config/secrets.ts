import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * PACS passwords are encrypted at rest with AES-256-GCM. The key comes from SECRETS_KEY (base64, 32
 * bytes) or, on the embedded default, from DATA_DIR/secrets.key, created once with mode 0600.
 * Format: "v1:<iv b64>:<tag b64>:<ciphertext b64>" so the scheme can be rotated later.
 */
export function loadSecretsKey(opts: { secretsKey?: string; dataDir: string }): Buffer {
  if (opts.secretsKey) {
    const key = Buffer.from(opts.secretsKey, 'base64');
    if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32).');
    return key;
  }
  const file = path.join(opts.dataDir, 'secrets.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
  return key;
}

export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

export class SecretDecryptionError extends Error {
  readonly code = 'SECRET_UNREADABLE';
}

export function decryptSecret(key: Buffer, stored: string): string {
  const [v, iv, tag, ct] = stored.split(':');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new SecretDecryptionError('Stored secret has an unknown format.');
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      'A stored PACS password cannot be decrypted with the current key (SECRETS_KEY or data/secrets.key changed). Re-enter the provider password.',
    );
  }
}
