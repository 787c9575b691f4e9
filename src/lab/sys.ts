/** Small system helpers for the lab: running commands, reading /proc, probing TCP ports. */
import { spawn, type StdioOptions } from 'node:child_process';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { connect } from 'node:net';

/** A fixed, standard PATH for everything the lab runs (never the caller's PATH). */
export const STD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const STD_ENV: NodeJS.ProcessEnv = { PATH: STD_PATH, LANG: 'C.UTF-8', HOME: '/root' };

export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Runs argv (no shell), collecting output; never rejects for a non-zero exit. */
export function run(
  argv: readonly string[],
  opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; detached?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: opts.env ?? STD_ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: opts.detached ?? false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        rc: code ?? (signal ? 128 + signalNumber(signal) : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {}); // EPIPE if the command does not read its input
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return table[sig] ?? 0;
}

/** Like run() but throws with the command's stderr when it fails. */
export async function runOk(argv: readonly string[], opts: Parameters<typeof run>[1] = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.rc !== 0) throw new Error(`${argv.join(' ')} failed (rc=${r.rc}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** Starts a long-lived process in its own session, not waited for and not keeping node alive. */
export function spawnDetached(argv: readonly string[], stdio: StdioOptions, env: NodeJS.ProcessEnv = STD_ENV): number {
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio, detached: true });
  child.on('error', () => {});
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
  return child.pid;
}

/** Runs argv in its own session with stdout and stderr on `fd`; resolves to the exit code. */
export function runToFd(argv: readonly string[], fd: number, env: NodeJS.ProcessEnv = STD_ENV): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', fd, fd], detached: true });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Inode number of a namespace link (/proc/PID/ns/net) or nsfs file (/run/netns/NAME); undefined if gone. */
export async function nsInode(path: string): Promise<number | undefined> {
  if (path.startsWith('/proc/')) {
    try {
      const link = await readlink(path); // "net:[4026532281]"
      const m = /\[(\d+)\]$/.exec(link);
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    return (await stat(path)).ino;
  } catch {
    return undefined;
  }
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  /** Start time in clock ticks since boot: with the pid it identifies a process for good. */
  start: number;
}

export async function procInfo(pid: number): Promise<ProcInfo | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = text.slice(open + 1, close);
  const rest = text.slice(close + 2).split(' ');
  return { pid, comm, state: rest[0]!, ppid: Number(rest[1]), start: Number(rest[19]) };
}

/** True if the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  const info = await procInfo(pid);
  return !!info && info.state !== 'Z' && info.state !== 'X';
}

/** Every live process whose namespace of `kind` (net, pid, mnt...) is one of `inodes`. */
export async function processesInNamespaces(kind: string, inodes: ReadonlySet<number>): Promise<number[]> {
  if (inodes.size === 0) return [];
  const entries = await readdir('/proc');
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const pid = Number(e);
        if (pid === process.pid) return;
        const ino = await nsInode(`/proc/${pid}/ns/${kind}`);
        if (ino !== undefined && inodes.has(ino)) found.push(pid);
      }),
  );
  return found.sort((a, b) => a - b);
}

/**
 * Connects to host:port; resolves true when the peer sends an SSH banner ("SSH-"), false on
 * refusal, reset, timeout or any other answer. This is lab traffic only (lab addresses).
 */
export function probeSsh(host: string, port = 22, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    let buf = '';
    const sock = connect({ host, port });
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.startsWith('SSH-')) finish(true);
      else if (buf.length >= 4) finish(false);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

/** Resolves true if a TCP connection to host:port is accepted. */
export function tcpOpen(host: string, port = 22, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Runs fn over items with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        if (failed === undefined) failed = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}
