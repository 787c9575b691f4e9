/**
 * Connection parameters for a host: inventory connection variables first (ansible_host,
 * ansible_port, ansible_user, ansible_ssh_private_key_file, and `-o ServerAliveInterval=N` /
 * `-o ServerAliveCountMax=N` in ansible_ssh_common_args or ansible_ssh_extra_args), then
 * ~/.ssh/config (Host, HostName, Port, User, IdentityFile, ProxyJump, ServerAliveInterval,
 * ServerAliveCountMax), then OpenSSH's defaults (tsplay's for keepalives: 15 s, 3 times).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  keyFiles: string[];
  password?: string;
  /** Jump hosts, outermost first, each resolved the same way. */
  jumps: SshTarget[];
  /** Keepalive probes: every this many seconds (0: none)... */
  aliveInterval?: number;
  /** ...and the host is lost after this many unanswered. */
  aliveCountMax?: number;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

let cached: { path: string; config: SSHConfig } | undefined;

function loadConfig(path: string): SSHConfig | undefined {
  if (!existsSync(path)) return undefined;
  if (cached?.path !== path) cached = { path, config: SSHConfig.parse(readFileSync(path, 'utf8')) };
  return cached.config;
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseJump(spec: string, configPath: string): SshTarget {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`cannot read ProxyJump ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  return resolveTarget({ host: m[2]!.replace(/^\[|\]$/g, ''), user: m[1], port: m[3] ? Number(m[3]) : undefined }, configPath);
}

export interface TargetVars {
  host: string;
  port?: number;
  user?: string;
  keyFile?: string;
  password?: string;
  aliveInterval?: number;
  aliveCountMax?: number;
}

function count(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new Error(`${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** ServerAliveInterval / ServerAliveCountMax from ssh command-line arguments (-o Name=value or -o Name value). */
export function aliveOptions(args: string | undefined): { aliveInterval?: number; aliveCountMax?: number } {
  const out: { aliveInterval?: number; aliveCountMax?: number } = {};
  for (const m of (args ?? '').matchAll(/-o\s*(ServerAliveInterval|ServerAliveCountMax)(?:\s*=\s*|\s+)(\S+)/gi)) {
    // As ssh reads -o options: the first value given wins.
    const v = count(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
    if (m[1]!.toLowerCase() === 'serveraliveinterval') out.aliveInterval ??= v;
    else out.aliveCountMax ??= v;
  }
  return out;
}

export function resolveTarget(vars: TargetVars, configPath = join(homedir(), '.ssh', 'config')): SshTarget {
  const computed = loadConfig(configPath)?.compute(vars.host) ?? {};
  const keyFiles = vars.keyFile
    ? [expandHome(vars.keyFile)]
    : ([] as string[]).concat(computed.IdentityFile ?? []).map(expandHome);
  if (keyFiles.length === 0) {
    for (const k of DEFAULT_KEYS) {
      const p = join(homedir(), '.ssh', k);
      if (existsSync(p)) keyFiles.push(p);
    }
  }
  const jump = first(computed.ProxyJump);
  return {
    host: first(computed.HostName) ?? vars.host,
    port: vars.port ?? (computed.Port ? Number(first(computed.Port)) : 22),
    user: vars.user ?? first(computed.User) ?? userInfo().username,
    keyFiles,
    password: vars.password,
    jumps: jump && jump !== 'none' ? jump.split(',').map((j) => parseJump(j, configPath)) : [],
    aliveInterval: vars.aliveInterval ?? count('ServerAliveInterval', first(computed.ServerAliveInterval)),
    aliveCountMax: vars.aliveCountMax ?? count('ServerAliveCountMax', first(computed.ServerAliveCountMax)),
  };
}
