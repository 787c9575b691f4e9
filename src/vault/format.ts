/**
 * The ansible-vault file format, byte for byte, with Node's crypto only.
 *
 *   $ANSIBLE_VAULT;1.1;AES256            (1.2 adds ;<vault-id label>)
 *   hex( hex(salt) "\n" hex(hmac) "\n" hex(ciphertext) ), in lines of 80
 *
 * The keys come from PBKDF2-HMAC-SHA256 over the password with a random 32-byte salt and 10000
 * iterations: 80 bytes, the AES-256 key, then the HMAC-SHA256 key, then the CTR counter block.
 * The plaintext is PKCS#7-padded to 16 bytes before AES-256-CTR (ansible-vault pads although
 * CTR does not need it, so tsplay does too), and the HMAC covers the ciphertext. A wrong
 * password shows as an HMAC mismatch, checked in constant time before anything is decrypted.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const VAULT_HEADER = '$ANSIBLE_VAULT';
const ITERATIONS = 10000;
const LINE = 80;

export interface VaultEnvelope {
  version: '1.1' | '1.2';
  cipher: string;
  /** The vault id's label (1.2 only). */
  label?: string;
  /** The hex payload, its lines joined. */
  payload: string;
}

/** A vault whose password does not open it (or whose payload is damaged). */
export class VaultError extends Error {}

/** Does this text (or the start of this file) hold a vault? */
export function isVault(text: string | Buffer): boolean {
  const head = typeof text === 'string' ? text.slice(0, VAULT_HEADER.length + 1) : text.subarray(0, VAULT_HEADER.length + 1).toString('latin1');
  return head.trimStart().startsWith(`${VAULT_HEADER};`);
}

/** Splits a vault's text into its header fields and payload. */
export function parseEnvelope(text: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/);
  const fields = lines[0]!.trim().split(';');
  if (fields[0] !== VAULT_HEADER || fields.length < 3) throw new VaultError('not a vault: the first line is not $ANSIBLE_VAULT;VERSION;CIPHER');
  const version = fields[1]!.trim();
  if (version !== '1.1' && version !== '1.2') throw new VaultError(`vault format ${version} is not supported (1.1 and 1.2 are)`);
  const cipher = fields[2]!.trim();
  if (cipher !== 'AES256') throw new VaultError(`vault cipher ${cipher} is not supported (AES256 is)`);
  const label = version === '1.2' ? fields[3]?.trim() : undefined;
  const payload = lines.slice(1).join('').replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(payload)) throw new VaultError('the vault payload is not hex: the file is damaged');
  return { version, cipher, ...(label ? { label } : {}), payload };
}

function keys(password: Buffer, salt: Buffer): { key: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 80, 'sha256');
  return { key: derived.subarray(0, 32), hmacKey: derived.subarray(32, 64), iv: derived.subarray(64, 80) };
}

/** The plaintext of a vault, or VaultError when the password does not open it. */
export function decrypt(text: string, password: Buffer | string): Buffer {
  const env = parseEnvelope(text);
  const parts = Buffer.from(env.payload, 'hex').toString('latin1').split('\n');
  if (parts.length !== 3 || parts.some((p) => !/^(?:[0-9a-fA-F]{2})*$/.test(p))) throw new VaultError('the vault payload is not salt, HMAC and ciphertext: the file is damaged');
  const [salt, mac, data] = parts.map((p) => Buffer.from(p, 'hex')) as [Buffer, Buffer, Buffer];
  const k = keys(Buffer.from(password), salt);
  const want = createHmac('sha256', k.hmacKey).update(data).digest();
  if (mac.length !== want.length || !timingSafeEqual(mac, want)) throw new VaultError('the password does not open this vault (HMAC mismatch)');
  const decipher = createDecipheriv('aes-256-ctr', k.key, k.iv);
  const padded = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length || !padded.subarray(padded.length - pad).every((b) => b === pad)) throw new VaultError('the vault\'s padding is damaged');
  return padded.subarray(0, padded.length - pad);
}

function hexLines(hex: string): string {
  const out: string[] = [];
  for (let i = 0; i < hex.length; i += LINE) out.push(hex.slice(i, i + LINE));
  return out.join('\n');
}

/** A new vault of `plaintext` (random salt), as ansible-vault writes it: 1.2 when a label other than "default" is given. */
export function encrypt(plaintext: Buffer | string, password: Buffer | string, label?: string, salt: Buffer = randomBytes(32)): string {
  const k = keys(Buffer.from(password), salt);
  const data = Buffer.from(plaintext);
  const pad = 16 - (data.length % 16);
  const cipher = createCipheriv('aes-256-ctr', k.key, k.iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])), cipher.final()]);
  const mac = createHmac('sha256', k.hmacKey).update(ciphertext).digest('hex');
  const inner = `${salt.toString('hex')}\n${mac}\n${ciphertext.toString('hex')}`;
  const header = label && label !== 'default' ? `${VAULT_HEADER};1.2;AES256;${label}` : `${VAULT_HEADER};1.1;AES256`;
  return `${header}\n${hexLines(Buffer.from(inner, 'latin1').toString('hex'))}\n`;
}
