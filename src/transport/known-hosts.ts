/**
 * Host key verification against OpenSSH known_hosts files: plain and hashed (`|1|salt|hash`)
 * host names, `[host]:port` entries, comma-separated names, `@revoked` and `@cert-authority`
 * (a host certificate signed by that CA vouches for the host's key; see host-cert.ts). There is
 * no silent trust: an unknown key is refused unless accept-new is on (then it is appended, as
 * OpenSSH's StrictHostKeyChecking=accept-new does); a changed key is always refused.
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { certProblem, parseHostCert } from './host-cert.js';

interface Entry {
  patterns: string[];
  type: string;
  key: string;
  revoked: boolean;
  /** An `@cert-authority` line: its key is a CA's, not the host's. */
  ca: boolean;
  file: string;
  line: number;
}

export type Verdict =
  | { ok: true; recorded?: boolean }
  | { ok: false; reason: string };

/** The key type named inside an SSH public key blob (its first string). */
export function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** How a host is written in known_hosts: `name` on port 22, `[name]:port` otherwise. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matches(pattern: string, token: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64') === hash;
  }
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(token);
}

export class KnownHosts {
  private entries: Entry[] = [];

  constructor(private files: string[], private acceptNew: boolean) {
    for (const file of files) {
      if (!existsSync(file)) continue;
      readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
        const fields = raw.trim().split(/\s+/);
        if (!fields[0] || fields[0].startsWith('#')) return;
        const revoked = fields[0] === '@revoked';
        const ca = fields[0] === '@cert-authority';
        if (fields[0].startsWith('@')) fields.shift();
        const [hosts, type, key] = fields;
        if (!hosts || !type || !key) return;
        this.entries.push({ patterns: hosts.split(','), type, key, revoked, ca, file, line: i + 1 });
      });
    }
  }

  private forHost(token: string): Entry[] {
    return this.entries.filter((e) => {
      const negated = e.patterns.some((p) => p.startsWith('!') && matches(p.slice(1), token));
      return !negated && e.patterns.some((p) => !p.startsWith('!') && matches(p, token));
    });
  }

  /** Key types already known for a host, so negotiation prefers them (as OpenSSH does). */
  knownTypes(host: string, port: number): string[] {
    return [...new Set(this.forHost(hostToken(host, port)).filter((e) => !e.revoked && !e.ca).map((e) => e.type))];
  }

  /** The CA keys (blobs) that the host's `@cert-authority` lines trust, less revoked ones. */
  private authorities(entries: Entry[]): Buffer[] {
    const revoked = new Set(entries.filter((e) => e.revoked).map((e) => e.key));
    return entries.filter((e) => e.ca && !revoked.has(e.key)).map((e) => Buffer.from(e.key, 'base64'));
  }

  /** Whether the host's key is not listed but a CA is: then its certificates can vouch for it. */
  wantsCerts(host: string, port: number, blob: Buffer): boolean {
    const key = blob.toString('base64');
    const entries = this.forHost(hostToken(host, port));
    return !entries.some((e) => !e.ca && e.key === key) && this.authorities(entries).length > 0;
  }

  /**
   * Trusts a key for a host for this run only (nothing is written): the key another connection
   * to the same machine already proved, when tsplay reconnects to a new address of it.
   */
  remember(host: string, port: number, blob: Buffer): void {
    this.entries.push({ patterns: [hostToken(host, port)], type: keyType(blob), key: blob.toString('base64'), revoked: false, ca: false, file: '(the host key seen on the first connection)', line: 0 });
  }

  /** `certs`: the host's certificate blobs, fetched when wantsCerts() said so. */
  verify(host: string, port: number, blob: Buffer, certs: Buffer[] = []): Verdict {
    const token = hostToken(host, port);
    const type = keyType(blob);
    const key = blob.toString('base64');
    const entries = this.forHost(token);
    const revoked = entries.find((e) => e.revoked && e.key === key);
    if (revoked) return { ok: false, reason: `host key for ${token} is marked @revoked in ${revoked.file}:${revoked.line}` };
    const plain = entries.filter((e) => !e.revoked && !e.ca);
    if (plain.some((e) => e.type === type && e.key === key)) return { ok: true };
    const cas = this.authorities(entries);
    const problems: string[] = [];
    for (const c of certs) {
      let problem: string | undefined;
      try {
        problem = certProblem(parseHostCert(c), blob, host, cas);
      } catch (err) {
        problem = (err as Error).message;
      }
      if (problem === undefined) return { ok: true };
      problems.push(problem);
    }
    const changed = plain.find((e) => e.type === type);
    if (changed) {
      return {
        ok: false,
        reason:
          `REMOTE HOST IDENTIFICATION HAS CHANGED for ${token}: the ${type} key differs from ${changed.file}:${changed.line}. ` +
          `If the host was really reinstalled, remove that line (ssh-keygen -R ${JSON.stringify(token)}) and run again`,
      };
    }
    if (!this.acceptNew) {
      const where = this.files[0] ?? '~/.ssh/known_hosts';
      const why = cas.length === 0 ? '' : certs.length === 0 ? '; it offered no host certificate' : `; its host certificate was refused: ${problems.join('; ')}`;
      return {
        ok: false,
        reason: `host key for ${token} is unknown (not in ${this.files.join(', ') || where}${why}); add it to ${where} or run with --accept-new-host-keys`,
      };
    }
    const file = this.files[0];
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, `${token} ${type} ${key}\n`, { mode: 0o600 });
    }
    this.entries.push({ patterns: [token], type, key, revoked: false, ca: false, file: file ?? '', line: 0 });
    return { ok: true, recorded: true };
  }
}
