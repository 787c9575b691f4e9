/** Chooses and builds the transport of a host from its connection variables. */
import { KnownHosts } from './known-hosts.js';
import { LocalTransport } from './local.js';
import { aliveOptions, resolveTarget } from './ssh-config.js';
import { SshTransport } from './ssh.js';
import type { Transport } from './types.js';

export { KnownHosts } from './known-hosts.js';
export { UnreachableError, CommandTimeoutError, type Transport, type RunOptions } from './types.js';

export interface TransportSettings {
  knownHosts: KnownHosts;
  connectTimeoutMs: number;
  keepaliveMs: number;
  sshConfig?: string;
  /** ansible.cfg's remote_user: the login user of a host whose variables (and play) give none, ahead of ~/.ssh/config's User. */
  remoteUser?: string;
  /** ansible.cfg's private_key_file: the key of a host whose variables give none, ahead of ~/.ssh/config's IdentityFile. */
  privateKeyFile?: string;
}

function optNumber(v: unknown): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

function optString(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

export function createTransport(name: string, vars: Record<string, unknown>, settings: TransportSettings): Transport {
  const kind = optString(vars.ansible_connection) ?? 'ssh';
  if (kind === 'local') return new LocalTransport(name);
  if (kind !== 'ssh' && kind !== 'paramiko' && kind !== 'smart') {
    throw new Error(`ansible_connection=${kind} is not supported (use ssh or local)`);
  }
  const port = optNumber(vars.ansible_port ?? vars.ansible_ssh_port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new Error(`ansible_port must be a port number from 1 to 65535, got ${JSON.stringify(vars.ansible_port ?? vars.ansible_ssh_port)}`);
  }
  const target = resolveTarget(
    {
      host: optString(vars.ansible_host) ?? optString(vars.ansible_ssh_host) ?? name,
      port,
      user: optString(vars.ansible_user ?? vars.ansible_ssh_user) ?? optString(settings.remoteUser),
      keyFile: optString(vars.ansible_ssh_private_key_file ?? vars.ansible_private_key_file) ?? optString(settings.privateKeyFile),
      password: optString(vars.ansible_password ?? vars.ansible_ssh_pass),
      // In the order ssh gets them (common args, then extra args); the first value wins.
      ...aliveOptions(`${optString(vars.ansible_ssh_common_args) ?? ''} ${optString(vars.ansible_ssh_extra_args) ?? ''}`),
    },
    settings.sshConfig,
  );
  return new SshTransport(name, target, settings);
}
