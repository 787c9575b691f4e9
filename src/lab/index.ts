/**
 * The lab: N real SSH hosts on this machine, for integration tests and demos.
 *
 * Each host is a named network namespace (`tsplay-<labid>-<name>`, a veth into the lab bridge,
 * its own IPv4 address) plus fresh UTS, IPC, PID and mount namespaces whose PID 1 is a small
 * shell script (init-script.ts). The host's / is an overlay of the machine's / with a tmpfs
 * upper layer, so every write stays on that host; /proc, /sys, /dev, /run and /tmp are its
 * own. A real OpenSSH sshd with its own host key listens on the host's address, port 22.
 *
 * Nothing the lab creates survives its processes except what the root namespace holds: the
 * named network namespaces (/run/netns bind mounts), the veths and the bridge. All of them,
 * and every PID, are recorded in `<dir>/state.json` before they are created, so labDown()
 * cleans up after a controller that crashed at any point. labDown() kills by PID only, and
 * only processes whose network namespace is one of the lab's own.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile, readdir, rmdir, symlink } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519KeyPair } from './keys.js';
import { INIT_SCRIPT, sshdConfig } from './init-script.js';
import {
  STD_ENV,
  isAlive,
  mapLimit,
  nsInode,
  procInfo,
  probeSsh,
  processesInNamespaces,
  run,
  runOk,
  runToFd,
  sleep,
  spawnDetached,
  tcpOpen,
} from './sys.js';

export interface LabHost {
  name: string;
  ip: string;
  netns: string;
  /** PID (as seen from the machine) of the host's PID 1, the wrapper that owns sshd and every other process of the host. */
  pid: number;
}

export interface Lab {
  /** Absolute path of the lab directory. */
  dir: string;
  hosts: LabHost[];
  /** Path of the INI inventory (group `lab`). */
  inventory: string;
  /** Path of the known_hosts file holding every host key by IP. */
  knownHosts: string;
  /** Path of the client private key (root on every host accepts it). */
  key: string;
}

/** What state.json holds: enough to tear the lab down from another process. */
interface HostRecord {
  name: string;
  ip: string;
  netns: string;
  veth: string;
  /** The host's PID 1 (0 until started) and its start time, which identify it for good. */
  pid: number;
  pidStart: number;
  /** The `unshare` process waiting for PID 1 (outside the host's PID namespace). */
  wrapperPid: number;
  netnsInode: number;
}

interface LabState {
  version: 1;
  labId: string;
  dir: string;
  bridge: string;
  subnet: string;
  bridgeIp: string;
  prefix: string;
  controllerPid: number;
  createdAt: string;
  /** 'starting' until every host answered, then 'up'. */
  status: 'starting' | 'up';
  hosts: HostRecord[];
}

/** Bridge port limit of the kernel is 1024; the root namespace's ARP table also tops out near there. */
export const MAX_HOSTS = 1000;
const SUBNET_OCTETS = Array.from({ length: 24 }, (_, i) => 231 + i); // 10.231.0.0/16 .. 10.254.0.0/16
const PREFIX_LEN = 16;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** `<repo>/.lab`: the nearest folder above this module holding package.json. */
export function defaultLabDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return join(d, '.lab');
    const up = dirname(d);
    if (up === d) return resolve('.lab');
    d = up;
  }
}

/** Address of host number i (1-based): 10.O.0.2 .. 10.O.0.251, then 10.O.1.2 ... */
export function hostIp(octet: number, i: number): string {
  const a = i - 1;
  return `10.${octet}.${Math.floor(a / 250)}.${(a % 250) + 2}`;
}

function statePath(dir: string): string {
  return join(dir, 'state.json');
}

async function readState(dir: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await readFile(statePath(dir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as LabState;
    if (s && s.version === 1 && typeof s.labId === 'string' && Array.isArray(s.hosts)) return s;
  } catch {
    /* fall through */
  }
  throw new Error(`${statePath(dir)} is not a tsplay lab state file; remove it if the lab is gone`);
}

async function writeState(state: LabState): Promise<void> {
  const tmp = statePath(state.dir) + `.tmp${process.pid}`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, statePath(state.dir));
}

function hostDir(dir: string, name: string): string {
  return join(dir, 'hosts', name);
}

function checkDir(dir: string): void {
  // The host directories end up in overlayfs mount options, where ',' ':' and '\' are special.
  if (/[,:\\\s'"]/.test(dir)) throw new Error(`lab directory ${JSON.stringify(dir)} must not contain , : \\ quotes or whitespace`);
}

async function preflight(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the lab needs Linux (network, mount, PID namespaces)');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('the lab needs root (namespaces, veths, mounts)');
  for (const bin of ['ip', 'nsenter', 'unshare', 'pivot_root', 'mount', 'umount', 'hostname']) {
    const found = STD_ENV.PATH!.split(':').some((p) => existsSync(join(p, bin)));
    if (!found) throw new Error(`the lab needs ${bin} (packages iproute2, util-linux, mount, hostname)`);
  }
  if (!existsSync('/usr/sbin/sshd')) throw new Error('the lab needs /usr/sbin/sshd (package openssh-server)');
}

/** [major, minor] of the installed OpenSSH server ([0, 0] if unknown). */
async function opensshVersion(): Promise<[number, number]> {
  const r = await run(['/usr/sbin/sshd', '-V']);
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(r.stderr + r.stdout);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function bridgeAlias(labId: string): string {
  return `tsplay-lab ${labId}`;
}

/**
 * Claims a free 10.O.0.0/16 for the bridge `tmpName`, which the caller recorded in state.json
 * before creating it. The bridge is made under that lab-unique name and tagged with the lab's
 * alias, then renamed to `tsplay-br<O>`: the rename fails if another lab holds that name, so
 * two labs never share a subnet, and labDown finds the bridge by its alias whatever moment a
 * crash interrupted this.
 */
async function claimSubnet(tmpName: string, labId: string): Promise<{ octet: number; bridge: string }> {
  await runOk(['ip', 'link', 'add', 'name', tmpName, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await runOk(['ip', 'link', 'set', 'dev', tmpName, 'alias', bridgeAlias(labId)]);
  const routes = JSON.parse((await runOk(['ip', '-j', '-4', 'route', 'show', 'table', 'all'])).stdout || '[]') as { dst?: string }[];
  const used = (octet: number) =>
    routes.some((r) => {
      if (!r.dst || r.dst === 'default') return false;
      const [addr, lenText] = r.dst.split('/');
      const len = lenText === undefined ? 32 : Number(lenText);
      const parts = addr!.split('.').map(Number);
      // Does a.b.c.d/len overlap 10.octet.0.0/16? (Ignore very wide routes such as 0.0.0.0/1.)
      if (len < 8 || parts[0] !== 10) return false;
      return len <= 8 || parts[1] === octet;
    });
  for (const octet of SUBNET_OCTETS) {
    if (used(octet)) continue;
    const bridge = `tsplay-br${octet}`;
    const r = await run(['ip', 'link', 'set', 'dev', tmpName, 'name', bridge]);
    if (r.rc === 0) return { octet, bridge };
    if (!/exists/i.test(r.stderr)) throw new Error(`cannot rename bridge ${tmpName} to ${bridge}: ${r.stderr.trim()}`);
  }
  throw new Error(`no free lab subnet in 10.${SUBNET_OCTETS[0]}.0.0/16 .. 10.${SUBNET_OCTETS.at(-1)}.0.0/16 (stale labs? run labDown on their dirs)`);
}

/**
 * Brings up `count` hosts. If a lab is already recorded in `dir`, it is torn down first.
 * Names are `<prefix>1..<prefix>N` (prefix `h` by default).
 */
export async function labUp(count: number, opts: { dir?: string; prefix?: string } = {}): Promise<Lab> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) throw new Error(`host count must be an integer from 1 to ${MAX_HOSTS}`);
  const prefix = opts.prefix ?? 'h';
  if (!/^[a-z][a-z0-9-]{0,40}$/i.test(prefix)) throw new Error(`host name prefix ${JSON.stringify(prefix)} must be letters, digits and '-', starting with a letter`);
  const dir = resolve(opts.dir ?? defaultLabDir());
  checkDir(dir);
  await preflight();
  if (existsSync(statePath(dir))) await labDown(dir);
  await mkdir(dir, { recursive: true });

  let labId = randomBytes(3).toString('hex');
  while (existsSync('/run/netns') && readdirSync('/run/netns').some((f) => f.startsWith(`tsplay-${labId}-`))) labId = randomBytes(3).toString('hex');
  const state: LabState = {
    version: 1,
    labId,
    dir,
    bridge: `tsbt-${labId}`,
    subnet: '',
    bridgeIp: '',
    prefix,
    controllerPid: process.pid,
    createdAt: new Date().toISOString(),
    status: 'starting',
    hosts: [],
  };
  // Recorded before anything exists, so a crash from here on can be cleaned up.
  await writeState(state);

  try {
    const { octet, bridge } = await claimSubnet(state.bridge, labId);
    const bridgeIp = `10.${octet}.0.1`;
    const hosts: HostRecord[] = Array.from({ length: count }, (_, k) => {
      const i = k + 1;
      const name = `${prefix}${i}`;
      return { name, ip: hostIp(octet, i), netns: `tsplay-${labId}-${name}`, veth: `tl${labId}-${i}`, pid: 0, pidStart: 0, wrapperPid: 0, netnsInode: 0 };
    });
    Object.assign(state, { bridge, bridgeIp, subnet: `10.${octet}.0.0/${PREFIX_LEN}`, hosts });
    await writeState(state);

    await runOk(['ip', 'addr', 'add', `${bridgeIp}/${PREFIX_LEN}`, 'dev', bridge]);
    await runOk(['ip', 'link', 'set', bridge, 'up']);

    // Keys and per-host files.
    const client = ed25519KeyPair(`tsplay-lab-${labId}`);
    const key = join(dir, 'id_ed25519');
    await rm(key, { force: true });
    await writeFile(key, client.privateKey, { mode: 0o600 });
    await writeFile(key + '.pub', client.publicKey + '\n');
    await writeFile(join(dir, 'lab-init.sh'), INIT_SCRIPT, { mode: 0o755 });
    // Symlinks every host's /dev gets (copied by lab-init.sh with the device nodes).
    const devlinks = join(dir, 'devlinks');
    await rm(devlinks, { recursive: true, force: true });
    await mkdir(devlinks);
    for (const [name, target] of [['fd', '/proc/self/fd'], ['stdin', 'fd/0'], ['stdout', 'fd/1'], ['stderr', 'fd/2'], ['ptmx', 'pts/ptmx']])
      await symlink(target!, join(devlinks, name!));
    // Every host's /root starts with Debian's stock root dot files (or /etc/skel's).
    const roothome = join(dir, 'roothome');
    await rm(roothome, { recursive: true, force: true });
    await mkdir(roothome);
    for (const [file, sources] of [
      ['.bashrc', ['/usr/share/base-files/dot.bashrc', '/etc/skel/.bashrc']],
      ['.profile', ['/usr/share/base-files/dot.profile', '/etc/skel/.profile']],
    ] as const) {
      const src = sources.find((f) => existsSync(f));
      if (src) await copyFile(src, join(roothome, file));
    }
    await rm(join(dir, 'hosts'), { recursive: true, force: true });
    const sshdVersion = await opensshVersion();
    const hostPubKeys = new Map<string, string>();
    await mapLimit(hosts, 64, async (h) => {
      const hd = hostDir(dir, h.name);
      await mkdir(join(hd, 'stage'), { recursive: true });
      const hk = ed25519KeyPair(`root@${h.name}`);
      hostPubKeys.set(h.name, hk.publicKeyNoComment);
      await Promise.all([
        writeFile(join(hd, 'ssh_host_ed25519_key'), hk.privateKey, { mode: 0o600 }),
        writeFile(join(hd, 'ssh_host_ed25519_key.pub'), hk.publicKey + '\n'),
        writeFile(join(hd, 'sshd_config'), sshdConfig(sshdVersion)),
        writeFile(join(hd, 'authorized_keys'), client.publicKey + '\n', { mode: 0o600 }),
      ]);
    });

    // Network namespaces and veths, in one `ip` process.
    const batch = hosts.flatMap((h) => [
      `netns add ${h.netns}`,
      `link add ${h.veth} type veth peer name eth0 netns ${h.netns}`,
      `link set ${h.veth} master ${bridge} up`,
    ]);
    await runOk(['ip', '-batch', '-'], { input: batch.join('\n') + '\n' });
    for (const h of hosts) h.netnsInode = (await nsInode(`/run/netns/${h.netns}`)) ?? 0;
    await writeState(state);

    // Start every host, a bounded number at a time, each counted until its sshd answers.
    const inflight = Math.max(16, cpus().length * 8);
    const deadline = Date.now() + READY_TIMEOUT_MS + count * 100;
    await mapLimit(hosts, inflight, async (h) => {
      const hd = hostDir(dir, h.name);
      const log = openSync(join(hd, 'host.log'), 'a');
      try {
        h.wrapperPid = spawnDetached(
          [
            'nsenter',
            `--net=/run/netns/${h.netns}`,
            'unshare',
            '--uts',
            '--ipc',
            '--mount',
            '--pid',
            '--fork',
            '--propagation',
            'private',
            '/bin/sh',
            join(dir, 'lab-init.sh'),
            h.name,
            h.ip,
            String(PREFIX_LEN),
            hd,
            randomBytes(16).toString('hex'),
          ],
          ['ignore', log, log],
        );
      } finally {
        closeSync(log);
      }
      await waitReady(h, hd, deadline);
    });
    state.status = 'up';
    await writeState(state);

    await writeClientFiles(dir, state, hostPubKeys);
    return toLab(state);
  } catch (e) {
    // Keep the failing host's log in the message: labDown removes the files.
    const detail = e instanceof HostStartError ? await hostLogTail(dir, e.host) : '';
    try {
      await labDown(dir);
    } catch (e2) {
      throw new Error(`lab start failed: ${(e as Error).message}${detail}\nand cleanup failed too: ${(e2 as Error).message}`);
    }
    throw new Error(`lab start failed: ${(e as Error).message}${detail}`);
  }
}

async function waitReady(h: HostRecord, hd: string, deadline: number): Promise<void> {
  const pidFile = join(hd, 'init.pid');
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    // Probing before the address exists would wait on ARP for a second: wait for init.pid first.
    if (/^\d+\n/.test(await readFile(pidFile, 'utf8').catch(() => '')) && (await probeSsh(h.ip, 22, 2000))) break;
    if (!(await isAlive(h.wrapperPid))) throw new HostStartError(h.name, `host ${h.name} stopped while starting`);
    if (Date.now() > deadline) throw new HostStartError(h.name, `host ${h.name} (${h.ip}) did not answer on port 22 in time`);
    await sleep(delay);
  }
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  const info = await procInfo(pid);
  if (!info || info.ppid !== h.wrapperPid) throw new HostStartError(h.name, `host ${h.name}: PID 1 (${pid}) is not the child of its wrapper ${h.wrapperPid}`);
  if ((await nsInode(`/proc/${pid}/ns/net`)) !== h.netnsInode) throw new HostStartError(h.name, `host ${h.name}: PID ${pid} is not in netns ${h.netns}`);
  h.pid = pid;
  h.pidStart = info.start;
}

/** A host that did not come up; its log is worth showing. */
class HostStartError extends Error {
  constructor(
    public host: string,
    message: string,
  ) {
    super(message);
  }
}

async function hostLogTail(dir: string, name: string): Promise<string> {
  try {
    const log = (await readFile(join(hostDir(dir, name), 'host.log'), 'utf8')).trim();
    return log ? `\n${name} log (${join(hostDir(dir, name), 'host.log')}):\n${log.split('\n').slice(-15).join('\n')}` : '';
  } catch {
    return '';
  }
}

async function writeClientFiles(dir: string, state: LabState, hostPubKeys: Map<string, string>): Promise<void> {
  const key = join(dir, 'id_ed25519');
  const inventory = ['[lab]', ...state.hosts.map((h) => `${h.name} ansible_host=${h.ip} ansible_user=root ansible_ssh_private_key_file=${key}`), ''];
  const knownHosts = state.hosts.map((h) => `${h.ip} ${hostPubKeys.get(h.name)}`);
  const sshConfig = [
    `# ssh -F ${join(dir, 'ssh_config')} ${state.hosts[0]?.name ?? 'h1'}`,
    ...state.hosts.flatMap((h) => [`Host ${h.name}`, `  HostName ${h.ip}`]),
    'Host *',
    '  User root',
    `  IdentityFile ${key}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '',
  ];
  await Promise.all([
    writeFile(join(dir, 'inventory.ini'), inventory.join('\n')),
    writeFile(join(dir, 'known_hosts'), knownHosts.join('\n') + '\n'),
    writeFile(join(dir, 'ssh_config'), sshConfig.join('\n')),
  ]);
}

function toLab(state: LabState): Lab {
  return {
    dir: state.dir,
    hosts: state.hosts.map((h) => ({ name: h.name, ip: h.ip, netns: h.netns, pid: h.pid })),
    inventory: join(state.dir, 'inventory.ini'),
    knownHosts: join(state.dir, 'known_hosts'),
    key: join(state.dir, 'id_ed25519'),
  };
}

/** The lab recorded in `dir` (default `<repo>/.lab`), or undefined if none is. */
export async function labStatus(dir?: string): Promise<Lab | undefined> {
  const state = await readState(resolve(dir ?? defaultLabDir()));
  return state ? toLab(state) : undefined;
}

/**
 * Tears down the lab recorded in `dir`: kills every process in the lab's network namespaces
 * (by PID, after checking the namespace), deletes the namespaces, veths and bridge, and the
 * files it wrote. Idempotent; works after the controlling process crashed.
 */
export async function labDown(dir?: string): Promise<void> {
  const d = resolve(dir ?? defaultLabDir());
  const state = await readState(d);
  if (!state) return;

  // The namespaces: recorded ones plus any /run/netns/tsplay-<labid>-* (a crash between
  // `ip netns add` and the state update cannot hide one).
  const nsNames = new Set(state.hosts.map((h) => h.netns));
  try {
    for (const f of readdirSync('/run/netns')) if (f.startsWith(`tsplay-${state.labId}-`)) nsNames.add(f);
  } catch {
    /* no /run/netns */
  }
  const inodes = new Set<number>();
  for (const n of nsNames) {
    const ino = await nsInode(`/run/netns/${n}`);
    if (ino !== undefined) inodes.add(ino);
  }

  // Recorded PIDs count only while they are still the very process we started (same start
  // time) in the very namespace we made: a recycled PID or namespace inode is never killed.
  const recorded = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const h of state.hosts) {
      if (!h.pid || !h.netnsInode) continue;
      const info = await procInfo(h.pid);
      if (info && info.start === h.pidStart && info.state !== 'Z' && (await nsInode(`/proc/${h.pid}/ns/net`)) === h.netnsInode) out.push(h.pid);
    }
    return out;
  };

  const deadline = Date.now() + 15_000;
  for (let round = 0; ; round++) {
    const pids = new Set([...(await processesInNamespaces('net', inodes)), ...(await recorded())]);
    const live: number[] = [];
    for (const pid of pids) if (await isAlive(pid)) live.push(pid);
    if (live.length === 0) break;
    if (Date.now() > deadline) throw new Error(`lab ${state.labId}: processes still alive after SIGKILL: ${live.join(' ')}`);
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await sleep(Math.min(10 * (round + 1), 100));
  }

  // Namespaces, veths (normally gone with their namespace), bridge: one `ip` run that goes on
  // past errors. Only links that are certainly this lab's: names holding the lab id, or the
  // bridge carrying the lab's alias (set before it took its shared-looking tsplay-brN name).
  const ours = (l: LinkInfo) =>
    l.ifname.startsWith(`tl${state.labId}-`) || l.ifname === `tsbt-${state.labId}` || l.ifalias === bridgeAlias(state.labId);
  const deadline2 = Date.now() + 15_000;
  for (;;) {
    const left = (await existingLinks()).filter(ours).map((l) => l.ifname);
    const nsLeft = [...nsNames].filter((n) => existsSync(`/run/netns/${n}`));
    if (left.length === 0 && nsLeft.length === 0) break;
    if (Date.now() > deadline2) throw new Error(`lab ${state.labId}: could not remove ${[...left, ...nsLeft].join(' ')}`);
    // Bridge last: veths of deleted namespaces vanish on their own (the kernel destroys a
    // namespace asynchronously), the others are deleted here.
    const batch = [...nsLeft.map((n) => `netns del ${n}`), ...left.filter((l) => l.startsWith('tl')).map((l) => `link del ${l}`), ...left.filter((l) => !l.startsWith('tl')).map((l) => `link del ${l}`)];
    await run(['ip', '-force', '-batch', '-'], { input: batch.join('\n') + '\n' });
    await sleep(50);
  }

  // Files last: state.json goes only when nothing is left to find with it.
  await rm(join(d, 'hosts'), { recursive: true, force: true });
  await rm(join(d, 'devlinks'), { recursive: true, force: true });
  await rm(join(d, 'roothome'), { recursive: true, force: true });
  for (const f of ['inventory.ini', 'known_hosts', 'ssh_config', 'id_ed25519', 'id_ed25519.pub', 'lab-init.sh']) await rm(join(d, f), { force: true });
  for (const f of await readdir(d).catch(() => [] as string[])) if (f.startsWith('state.json.tmp')) await rm(join(d, f), { force: true });
  await rm(statePath(d), { force: true });
  try {
    if ((await readdir(d)).length === 0) await rmdir(d);
  } catch {
    /* not empty or gone */
  }
}

interface LinkInfo {
  ifname: string;
  ifalias?: string;
}

async function existingLinks(): Promise<LinkInfo[]> {
  const r = await run(['ip', '-j', 'link', 'show']);
  try {
    return JSON.parse(r.stdout) as LinkInfo[];
  } catch {
    return [];
  }
}

function findHost(lab: Lab, name: string): LabHost {
  const h = lab.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name} in the lab at ${lab.dir}`);
  return h;
}

/** Checks that the host's PID 1 is alive and still in the host's netns, and returns its PID. */
async function hostPid(h: LabHost): Promise<number> {
  const want = await nsInode(`/run/netns/${h.netns}`);
  if (want === undefined || (await nsInode(`/proc/${h.pid}/ns/net`)) !== want || !(await isAlive(h.pid)))
    throw new Error(`lab host ${h.name} is not running (PID ${h.pid}, netns ${h.netns})`);
  return h.pid;
}

function nsenterArgs(pid: number): string[] {
  return ['nsenter', '-t', String(pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w'];
}

/** Stops the host's sshd (the listener and every session), as if the host went down: connects are refused. */
export async function stopHost(lab: Lab, name: string): Promise<void> {
  const h = findHost(lab, name);
  const pid = await hostPid(h);
  const pidNs = await nsInode(`/proc/${pid}/ns/pid`);
  if (pidNs === undefined) throw new Error(`lab host ${name}: no PID namespace`);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  for (;;) {
    const sshds: number[] = [];
    for (const p of await processesInNamespaces('pid', new Set([pidNs]))) {
      const info = await procInfo(p);
      // sshd, and since OpenSSH 9.8 its per-connection sshd-session / sshd-auth.
      if (info && (info.comm === 'sshd' || info.comm.startsWith('sshd-')) && info.state !== 'Z') sshds.push(p);
    }
    if (sshds.length === 0 && !(await tcpOpen(h.ip, 22, 500))) return;
    if (Date.now() > deadline) throw new Error(`lab host ${name}: sshd did not stop`);
    for (const p of sshds) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(10);
  }
}

/** Starts the host's sshd again (no-op if it answers already); the host's files are as they were. */
export async function startHost(lab: Lab, name: string): Promise<void> {
  const h = findHost(lab, name);
  const pid = await hostPid(h);
  if (await probeSsh(h.ip, 22, 1000)) return;
  const log = openSync(join(hostDir(lab.dir, name), 'host.log'), 'a');
  try {
    // sh backgrounds sshd and exits, so sshd is reparented to the host's PID 1, in its own session.
    const r = await runToFd(
      [...nsenterArgs(pid), '--', '/bin/sh', '-c', '/usr/sbin/sshd -D -e -f /run/tsplay-lab/sshd_config </dev/null &'],
      log,
    );
    if (r !== 0) throw new Error(`lab host ${name}: could not start sshd (rc=${r}); see ${join(hostDir(lab.dir, name), 'host.log')}`);
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (!(await probeSsh(h.ip, 22, 1000))) {
    if (Date.now() > deadline) throw new Error(`lab host ${name}: sshd did not come back; see ${join(hostDir(lab.dir, name), 'host.log')}`);
    await sleep(20);
  }
}

/** Gives the host a new host key and restarts its sshd; known_hosts keeps the old key. */
export async function rotateHostKey(lab: Lab, name: string): Promise<void> {
  const h = findHost(lab, name);
  const pid = await hostPid(h);
  const hk = ed25519KeyPair(`root@${name}`);
  const hd = hostDir(lab.dir, name);
  // The host's own copy, reached through its PID 1's root (/proc/PID/root is the host's /).
  const inHost = `/proc/${pid}/root/run/tsplay-lab`;
  await rm(join(inHost, 'ssh_host_ed25519_key'), { force: true });
  await writeFile(join(inHost, 'ssh_host_ed25519_key'), hk.privateKey, { mode: 0o600 });
  await writeFile(join(inHost, 'ssh_host_ed25519_key.pub'), hk.publicKey + '\n');
  await rm(join(hd, 'ssh_host_ed25519_key'), { force: true });
  await writeFile(join(hd, 'ssh_host_ed25519_key'), hk.privateKey, { mode: 0o600 });
  await writeFile(join(hd, 'ssh_host_ed25519_key.pub'), hk.publicKey + '\n');
  await stopHost(lab, name);
  await startHost(lab, name);
}

/**
 * Runs argv inside the host's namespaces (mount, UTS, IPC, network, PID) without SSH, as root
 * with a standard PATH. For tests: hash files, make drift behind tsplay's back.
 */
export async function runOn(
  lab: Lab,
  name: string,
  cmd: string[],
  opts: { input?: string | Buffer } = {},
): Promise<{ rc: number; stdout: string; stderr: string }> {
  if (cmd.length === 0) throw new Error('runOn needs a command');
  const pid = await hostPid(findHost(lab, name));
  return run([...nsenterArgs(pid), '--', ...cmd], { input: opts.input, env: STD_ENV });
}
