/**
 * Ed25519 key pairs in OpenSSH formats, made in-process with node:crypto: generating 500 host
 * keys this way takes milliseconds, where 500 `ssh-keygen` runs take seconds.
 *
 * Private key: the unencrypted "openssh-key-v1" container (PROTOCOL.key in OpenSSH), which
 * sshd, ssh, ssh-keygen and the ssh2 library all read. Public key: the one-line
 * `ssh-ed25519 BASE64 comment` form used in authorized_keys and known_hosts.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface SshKeyPair {
  /** PEM-like OpenSSH private key text (write it with mode 0600). */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment` */
  publicKey: string;
  /** `ssh-ed25519 AAAA...` without the comment, as in known_hosts. */
  publicKeyNoComment: string;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An SSH wire-format string: uint32 length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const buf = Buffer.from(data);
  return Buffer.concat([u32(buf.length), buf]);
}

export function ed25519KeyPair(comment: string): SshKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { d?: string; x?: string };
  if (!jwk.d || !jwk.x) throw new Error('node:crypto did not export an Ed25519 JWK');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  if (seed.length !== 32 || pub.length !== 32) throw new Error('unexpected Ed25519 key length');

  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  // Cipher "none" has block size 8: pad with 1, 2, 3, ... to a multiple of it.
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);

  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'), // cipher
    sshString('none'), // kdf
    sshString(''), // kdf options
    u32(1), // number of keys
    sshString(pubBlob),
    sshString(priv),
  ]);
  const b64 = body.toString('base64').match(/.{1,70}/g)!.join('\n');
  const pubText = `ssh-ed25519 ${pubBlob.toString('base64')}`;
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: comment ? `${pubText} ${comment}` : pubText,
    publicKeyNoComment: pubText,
  };
}
