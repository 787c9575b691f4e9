/**
 * SSH transport on node-ssh (ssh2): one connection per host for the whole run, each script a
 * channel on it. Host keys are checked against known_hosts before any authentication.
 */
import { readFileSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';
import type { ExecResult } from '../core/module.js';
import { remoteCommand } from './command.js';
import { fetchHostCerts } from './host-cert.js';
import { keyType, type KnownHosts } from './known-hosts.js';
import type { SshTarget } from './ssh-config.js';
import { CommandTimeoutError, type RunOptions, type Transport, UnreachableError } from './types.js';

export interface SshOptions {
  knownHosts: KnownHosts;
  connectTimeoutMs: number;
  keepaliveMs: number;
}

const DEFAULT_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms with the types known_hosts already has for this host first. */
function hostKeyAlgorithms(known: string[]): string[] {
  const preferred = DEFAULT_HOST_KEY_ALGOS.filter((a) => known.includes(a) || (a.startsWith('rsa-sha2') && known.includes('ssh-rsa')));
  return [...preferred, ...DEFAULT_HOST_KEY_ALGOS.filter((a) => !preferred.includes(a))];
}

async function open(target: SshTarget, opts: SshOptions, sock?: NodeJS.ReadableStream, seen?: (key: Buffer) => void): Promise<NodeSSH> {
  let refusal: string | undefined;
  const ssh = new NodeSSH();
  const privateKey = target.keyFiles.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
  }).find((k) => k !== undefined);
  try {
    await ssh.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey,
      password: target.password,
      agent: process.env.SSH_AUTH_SOCK,
      readyTimeout: opts.connectTimeoutMs,
      keepaliveInterval: target.aliveInterval !== undefined ? target.aliveInterval * 1000 : opts.keepaliveMs,
      keepaliveCountMax: target.aliveCountMax ?? 3,
      sock: sock as any,
      algorithms: { serverHostKey: hostKeyAlgorithms(opts.knownHosts.knownTypes(target.host, target.port)) as any },
      hostVerifier: (key: Buffer, done: (ok: boolean) => void) => {
        const kh = opts.knownHosts;
        // Certificates come from ssh-keyscan, which reaches the host directly only, not through a jump.
        const certs = sock === undefined && kh.wantsCerts(target.host, target.port, key)
          ? fetchHostCerts(target.host, target.port, keyType(key), Math.ceil(opts.connectTimeoutMs / 1000))
          : Promise.resolve([]);
        void certs.then((c) => {
          const verdict = kh.verify(target.host, target.port, key, c);
          if (!verdict.ok) refusal = verdict.reason;
          else seen?.(key);
          done(verdict.ok);
        });
      },
    });
  } catch (err) {
    throw new UnreachableError(refusal ?? `ssh ${target.user}@${target.host}:${target.port}: ${(err as Error).message}`);
  }
  return ssh;
}

export class SshTransport implements Transport {
  roundTrips = 0;
  private ssh?: NodeSSH;
  private jumps: NodeSSH[] = [];
  private lost?: string;
  hostKey?: { port: number; blob: Buffer };

  constructor(
    readonly name: string,
    private target: SshTarget,
    private opts: SshOptions,
  ) {}

  async connect(): Promise<void> {
    let sock: NodeJS.ReadableStream | undefined;
    for (const jump of this.target.jumps) {
      const j = await open(jump, this.opts, sock);
      this.jumps.push(j);
      const next = this.target.jumps[this.jumps.length] ?? this.target;
      sock = await new Promise((resolve, reject) =>
        j.connection!.forwardOut('127.0.0.1', 0, next.host, next.port, (err, stream) => (err ? reject(new UnreachableError(`ProxyJump ${jump.host}: ${err.message}`)) : resolve(stream))),
      );
    }
    this.ssh = await open(this.target, this.opts, sock, (blob) => (this.hostKey = { port: this.target.port, blob }));
    const conn = this.ssh.connection!;
    // Without TCP_NODELAY each small exec waits on Nagle's algorithm: ~45 ms per round trip.
    (conn as unknown as { _sock?: { setNoDelay?: (on: boolean) => void } })._sock?.setNoDelay?.(true);
    conn.on('close', () => (this.lost ??= 'connection closed by the remote host'));
    conn.on('error', (err: Error) => (this.lost ??= err.message));
  }

  async run(script: string, opts: RunOptions = {}): Promise<ExecResult> {
    if (!this.ssh || this.lost) throw new UnreachableError(`${this.name}: ${this.lost ?? 'not connected'}`);
    const { command, stdin } = remoteCommand(script, opts.become);
    this.roundTrips++;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      const res = await this.ssh.execCommand(command, {
        stdin,
        noTrim: true,
        onStdout: (b) => out.push(b),
        onStderr: (b) => err.push(b),
        onChannel: (ch) => {
          if (opts.timeoutMs) {
            timer = setTimeout(() => {
              timedOut = true;
              ch.signal('KILL');
              ch.close();
            }, opts.timeoutMs);
          }
        },
      });
      if (timedOut) throw new CommandTimeoutError(opts.timeoutMs!);
      if (res.code === null && this.lost) throw new UnreachableError(`${this.name}: ${this.lost}`);
      return {
        rc: res.code ?? (res.signal ? 128 : 255),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    } catch (e) {
      if (e instanceof CommandTimeoutError || e instanceof UnreachableError) throw e;
      throw new UnreachableError(`${this.name}: ${this.lost ?? (e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.ssh?.dispose();
    for (const j of this.jumps.reverse()) j.dispose();
  }
}
