/**
 * OpenSSH host certificates (the `*-cert-v01@openssh.com` format of OpenSSH's PROTOCOL.certkeys),
 * checked as ssh checks them against an `@cert-authority` line: a host certificate, signed by
 * that CA, for the key the host proved it holds, naming the host among its principals, and valid
 * now. The ssh2 library does not negotiate certificate host keys, so the certificate is fetched
 * with `ssh-keyscan -c` before authentication; that is safe because the certificate only binds
 * the key the session's key exchange already verified.
 */
import { execFile } from 'node:child_process';
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';

export interface HostCert {
  /** The certified key as a plain public key blob (what the host presents without certificates). */
  key: Buffer;
  type: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  /** The signing CA's public key blob. */
  caKey: Buffer;
  signature: Buffer;
  /** The bytes the signature covers: the certificate up to the signature. */
  signed: Buffer;
}

const HOST_CERT = 2;

class Reader {
  pos = 0;
  constructor(private buf: Buffer) {}
  string(): Buffer {
    if (this.pos + 4 > this.buf.length) throw new Error('truncated certificate');
    const len = this.buf.readUInt32BE(this.pos);
    const end = this.pos + 4 + len;
    if (end > this.buf.length) throw new Error('truncated certificate');
    const s = this.buf.subarray(this.pos + 4, end);
    this.pos = end;
    return s;
  }
  uint32(): number {
    if (this.pos + 4 > this.buf.length) throw new Error('truncated certificate');
    this.pos += 4;
    return this.buf.readUInt32BE(this.pos - 4);
  }
  uint64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new Error('truncated certificate');
    this.pos += 8;
    return this.buf.readBigUInt64BE(this.pos - 8);
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

const sshString = (b: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

/** Number of key-specific fields after the nonce, by plain key type. */
const KEY_FIELDS: Record<string, number> = {
  'ssh-ed25519': 1,
  'ssh-rsa': 2,
  'ecdsa-sha2-nistp256': 2,
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
};

export function parseHostCert(blob: Buffer): HostCert {
  const r = new Reader(blob);
  const certType = r.string().toString('latin1');
  const plainType = certType.replace(/-cert-v01@openssh\.com$/, '');
  const fields = KEY_FIELDS[plainType];
  if (plainType === certType || fields === undefined) throw new Error(`unsupported certificate type ${certType}`);
  r.string(); // nonce
  const keyStart = r.pos;
  for (let i = 0; i < fields; i++) r.string();
  const key = Buffer.concat([sshString(Buffer.from(plainType)), blob.subarray(keyStart, r.pos)]);
  r.uint64(); // serial
  const type = r.uint32();
  const keyId = r.string().toString('utf8');
  const packed = new Reader(r.string());
  const principals: string[] = [];
  while (!packed.done()) principals.push(packed.string().toString('utf8'));
  const validAfter = r.uint64();
  const validBefore = r.uint64();
  r.string(); // critical options
  r.string(); // extensions
  r.string(); // reserved
  const caKey = r.string();
  const signed = blob.subarray(0, r.pos);
  const signature = r.string();
  if (!r.done()) throw new Error('trailing bytes after the certificate signature');
  return { key, type, keyId, principals, validAfter, validBefore, caKey, signature, signed };
}

const b64url = (b: Buffer) => b.toString('base64url');
/** An SSH mpint as unsigned big-endian bytes (no sign byte). */
const unsigned = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b);

const CURVES: Record<string, { crv: string; hash: string; size: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};

function publicKey(blob: Buffer): { type: string; key: KeyObject } {
  const r = new Reader(blob);
  const type = r.string().toString('latin1');
  if (type === 'ssh-ed25519') return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.string()) }, format: 'jwk' }) };
  if (type === 'ssh-rsa') {
    const e = unsigned(r.string());
    const n = unsigned(r.string());
    return { type, key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }) };
  }
  const curve = CURVES[r.string().toString('latin1')];
  if (type.startsWith('ecdsa-sha2-') && curve) {
    const q = r.string();
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    return { type, key: createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }) };
  }
  throw new Error(`unsupported CA key type ${type}`);
}

/** Whether the CA key's signature over the certificate holds (RSA only with SHA-2, as OpenSSH's default). */
function signatureHolds(cert: HostCert): boolean {
  const { type, key } = publicKey(cert.caKey);
  const sig = new Reader(cert.signature);
  const alg = sig.string().toString('latin1');
  const bytes = sig.string();
  if (type === 'ssh-ed25519' && alg === 'ssh-ed25519') return verifySignature(null, cert.signed, key, bytes);
  if (type === 'ssh-rsa' && (alg === 'rsa-sha2-256' || alg === 'rsa-sha2-512')) {
    return verifySignature(alg === 'rsa-sha2-256' ? 'sha256' : 'sha512', cert.signed, key, bytes);
  }
  const curve = CURVES[type.replace('ecdsa-sha2-', '')];
  if (curve && alg === type) {
    const rs = new Reader(bytes);
    const pad = (b: Buffer) => Buffer.concat([Buffer.alloc(Math.max(0, curve.size - unsigned(b).length)), unsigned(b)]);
    const p1363 = Buffer.concat([pad(rs.string()), pad(rs.string())]);
    return verifySignature(curve.hash, cert.signed, { key, dsaEncoding: 'ieee-p1363' }, p1363);
  }
  return false;
}

/**
 * Why the certificate does not vouch for `key` as host `name` under one of `cas` (CA public key
 * blobs), or undefined when it does.
 */
export function certProblem(cert: HostCert, key: Buffer, name: string, cas: Buffer[], now = new Date()): string | undefined {
  if (cert.type !== HOST_CERT) return 'it is not a host certificate';
  if (!cert.key.equals(key)) return 'it certifies a different key than the host presented';
  if (!cas.some((ca) => ca.equals(cert.caKey))) return 'it is signed by a CA no @cert-authority line lists for this host';
  const t = BigInt(Math.floor(now.getTime() / 1000));
  if (t < cert.validAfter || t >= cert.validBefore) return `it is not valid now (key id ${JSON.stringify(cert.keyId)})`;
  if (!cert.principals.includes(name)) return `its principals (${cert.principals.join(', ') || 'none'}) do not name ${name}`;
  let holds = false;
  try {
    holds = signatureHolds(cert);
  } catch {
    holds = false;
  }
  return holds ? undefined : 'its CA signature does not verify';
}

/** The host's certificates for keys of the given type (a key blob's type: ssh-ed25519, ssh-rsa...), fetched with `ssh-keyscan -c`. */
export function fetchHostCerts(host: string, port: number, keyType: string, timeoutS: number): Promise<Buffer[]> {
  const certType = `${keyType}-cert-v01@openssh.com`;
  return new Promise((resolve) => {
    execFile('ssh-keyscan', ['-c', '-T', String(Math.max(1, timeoutS)), '-p', String(port), '--', host], { timeout: (timeoutS + 2) * 1000 }, (_err, stdout) => {
      const certs = String(stdout ?? '')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        // `TYPE BASE64` (ssh-keyscan -c prints certificates without the host name)
        .filter((f) => f[0] === certType && f[1])
        .map((f) => Buffer.from(f[1]!, 'base64'));
      resolve(certs);
    });
  });
}
