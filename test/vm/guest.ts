/**
 * The VM test tier's guest: a real Debian bookworm machine under qemu, reached over SSH like
 * any host.
 *
 * buildImage() runs build-image.sh (debootstrap + the distribution kernel, cached in
 * /var/cache/tsplay-vm/<hash>). bootGuest() starts one qemu from a fresh qcow2 overlay of that
 * image, so every run starts clean, and waits for sshd. The guest has:
 *   eth0  management: qemu user networking with restrict=on (it reaches nothing), the only way
 *         in is hostfwd 127.0.0.1:<free port> -> guest port 22
 *   eth1, eth3  on qemu hub 1 (a wire between them)
 *   eth2, eth4  on qemu hub 2 (a wire between them)
 *         so bonds (eth1+eth2 against eth3+eth4), VLANs, bridges and AoE have real links,
 *         which never leave qemu
 *   vdb   1 GiB empty disk (serial tsplay-lvm, /dev/disk/by-id/virtio-tsplay-lvm) for LVM
 *   vdc   1 GiB empty disk (serial tsplay-aoe) for AoE exports
 *   vdd, vde, vdf  96, 96 and 64 MiB empty disks (serials tsplay-cz-src, tsplay-cz-dst,
 *         tsplay-cz-small) for Clonezilla: save one, restore onto the next, refuse the small one
 * Interface names are the kernel's (net.ifnames=0) in PCI slot order.
 *
 * qemu runs under `setpriv --pdeathsig KILL`, so it dies with the process that started it even
 * when that process is SIGKILLed; an exiting process kills it by PID; stopGuest() kills it by
 * its recorded PID (checked against /proc/PID/cmdline first) and removes the run folder.
 * Accelerator: KVM only if the guest's kernel, booted under it with -cpu max, gets as far as
 * its panic for a missing root (a /dev/kvm that aborts, or hangs past real mode as on this
 * project's machines, means TCG).
 *
 * Environment: TSPLAY_VM=0 skips the tier; TSPLAY_VM_ACCEL=kvm|tcg forces an accelerator;
 * TSPLAY_VM_SSH_TIMEOUT=seconds (default 300); TSPLAY_VM_KEEP=1 keeps run folders (console.log,
 * qemu.log, qemu.argv) for a post-mortem; TSPLAY_VM_CACHE and TSPLAY_VM_MIRROR go to build-image.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeSsh, sleep } from '../../src/lab/sys.js';

export const VM_DIR = fileURLToPath(new URL('.', import.meta.url));
const BUILD_SCRIPT = join(VM_DIR, 'build-image.sh');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The clonezilla test's disks (id, size), serial tsplay-<id>: vdd, vde, vdf. */
const CZ_DISKS = [['cz-src', '96M'], ['cz-dst', '96M'], ['cz-small', '64M']] as const;

export interface Image {
  dir: string;
  kernel: string;
  /** Seconds this call took (0 when the cached image was reused) and the recorded build time. */
  seconds: number;
  buildSeconds: number;
  reused: boolean;
}

export interface Guest {
  /** Run folder: overlay, disks, console log, inventory, known_hosts, key. */
  dir: string;
  image: Image;
  name: string;
  port: number;
  pid: number;
  accel: 'kvm' | 'tcg';
  inventory: string;
  knownHosts: string;
  key: string;
  consoleLog: string;
  /** Seconds from starting qemu to a working SSH login (the last boot's). */
  bootSeconds: number;
  /** How qemu was started: rebootGuest() starts it again the same way, on the same disks. */
  launch: Launch;
}

interface Launch {
  dir: string;
  image: Image;
  name: string;
  accel: 'kvm' | 'tcg';
  memoryMb: number;
  cpus: number;
  cmdline: string;
  key: string;
  hostKey: string;
  sshTimeout: number;
}

export interface BootOptions {
  /** Guest memory in MiB (default 1024: room for vm.overcommit_memory=2, LVM and AoE). */
  memoryMb?: number;
  cpus?: number;
  /** Seconds to wait for SSH (default TSPLAY_VM_SSH_TIMEOUT, else 300). */
  sshTimeout?: number;
  /** Inventory host name (default "guest", in group "vm"). */
  name?: string;
  /** Force an accelerator; default kvm if it really runs guest code here, else tcg. TSPLAY_VM_ACCEL too. */
  accel?: 'kvm' | 'tcg';
  /** Where the run folder goes (default the OS temp dir). */
  parent?: string;
}

/** Why the VM tier cannot run here, or undefined if it can. */
export function vmSkipReason(): string | undefined {
  if (process.env.TSPLAY_VM === '0') return 'TSPLAY_VM=0';
  if (process.platform !== 'linux') return 'the VM tier needs Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the VM tier needs root (debootstrap, chroot)';
  return undefined;
}

interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
}

function run(argv: string[], opts: { input?: string; timeoutMs?: number; stderrTo?: 'inherit' | 'pipe' } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, PATH, LC_ALL: 'C.UTF-8' },
      stdio: ['pipe', 'pipe', opts.stderrTo ?? 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b) => (stdout += b));
    child.stderr?.on('data', (b) => (stderr += b));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ rc: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    child.stdin!.end(opts.input ?? '');
  });
}

/** Builds the image or reuses the cached one (build-image.sh's progress goes to stderr). */
export async function buildImage(): Promise<Image> {
  const t0 = Date.now();
  const r = await run(['bash', BUILD_SCRIPT], { stderrTo: 'inherit' });
  if (r.rc !== 0) throw new Error(`test/vm/build-image.sh failed (rc=${r.rc})`);
  const dir = r.stdout.trim().split('\n').at(-1)!;
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { kernel: string; buildSeconds: number };
  const seconds = (Date.now() - t0) / 1000;
  return { dir, kernel: manifest.kernel, seconds, buildSeconds: manifest.buildSeconds, reused: seconds < manifest.buildSeconds / 2 };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

let kvmVerdict: boolean | undefined;

/**
 * Whether KVM really boots the guest's kernel with `-cpu max`: /dev/kvm can exist and still fail
 * (nested virtualisation that aborts on an MSR, or, as seen on this project's machines, vCPUs
 * that run real-mode code and hang at the switch to long mode). So the probe boots the image's
 * own kernel with no initramfs and no disk: a working KVM reaches the panic for the missing root
 * file system in a second or two, and with panic=-1 and -no-reboot qemu then exits. A console
 * without that panic after 20 s means TCG.
 */
async function kvmWorks(dir: string, image: Image): Promise<boolean> {
  if (kvmVerdict !== undefined) return kvmVerdict;
  if (!existsSync('/dev/kvm')) return (kvmVerdict = false);
  const log = join(dir, 'kvm-probe.log');
  await run(
    [
      'qemu-system-x86_64', '-accel', 'kvm', '-cpu', 'max', '-m', '256M',
      '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
      '-kernel', join(image.dir, 'vmlinuz'), '-append', 'console=ttyS0 panic=-1',
      '-serial', `file:${log}`,
    ],
    { timeoutMs: 20_000 },
  );
  const console = await readFile(log, 'utf8').catch(() => '');
  await rm(log, { force: true });
  return (kvmVerdict = /Kernel panic - not syncing/.test(console));
}

function qemuArgs(g: { dir: string; image: Image; port: number; accel: string; name: string }, memoryMb: number, cpus: number, cmdline: string): string[] {
  const nic = (id: string, slot: number, mac: string) => ['-device', `virtio-net-pci,netdev=${id},mac=${mac},addr=${slot.toString(16)},romfile=`];
  return [
    'qemu-system-x86_64',
    '-name', `tsplay-vm,process=tsplay-vm-${g.port}`,
    '-accel', g.accel,
    '-cpu', 'max',
    '-smp', String(cpus),
    '-m', `${memoryMb}M`,
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-pidfile', join(g.dir, 'qemu.pid'),
    // The human monitor, for what a person does to the hardware (set_link: a cable pulled).
    '-monitor', `unix:${join(g.dir, 'monitor.sock')},server=on,wait=off`,
    '-kernel', join(g.image.dir, 'vmlinuz'),
    '-initrd', join(g.image.dir, 'initrd.img'),
    '-append', cmdline,
    '-serial', `file:${join(g.dir, 'console.log')}`,
    '-drive', `file=${join(g.dir, 'root.qcow2')},format=qcow2,if=none,id=root,discard=unmap`,
    '-device', 'virtio-blk-pci,drive=root,addr=2',
    // eth0: management. restrict=on: the guest reaches nothing; only the forwarded port comes in.
    '-netdev', `user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:${g.port}-:22`,
    ...nic('mgmt', 3, '52:54:00:12:34:56'),
    // eth1..eth4 on two hubs that lead nowhere but to each other.
    '-netdev', 'hubport,id=h1a,hubid=1', ...nic('h1a', 4, '52:54:00:74:00:01'),
    '-netdev', 'hubport,id=h2a,hubid=2', ...nic('h2a', 5, '52:54:00:74:00:02'),
    '-netdev', 'hubport,id=h1b,hubid=1', ...nic('h1b', 6, '52:54:00:74:00:03'),
    '-netdev', 'hubport,id=h2b,hubid=2', ...nic('h2b', 7, '52:54:00:74:00:04'),
    '-drive', `file=${join(g.dir, 'lvm.qcow2')},format=qcow2,if=none,id=lvm`,
    '-device', 'virtio-blk-pci,drive=lvm,serial=tsplay-lvm,addr=8',
    '-drive', `file=${join(g.dir, 'aoe.qcow2')},format=qcow2,if=none,id=aoe`,
    '-device', 'virtio-blk-pci,drive=aoe,serial=tsplay-aoe,addr=9',
    '-device', 'virtio-rng-pci,addr=a',
    // Clonezilla: a source disk, a destination of the same size, and a smaller one to refuse.
    ...CZ_DISKS.flatMap(([id], i) => ['-drive', `file=${join(g.dir, `${id}.qcow2`)},format=qcow2,if=none,id=${id}`, '-device', `virtio-blk-pci,drive=${id},serial=tsplay-${id},addr=${(0xb + i).toString(16)}`]),
  ];
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** qemu PIDs we started and their run folders: an exiting test process kills them (PDEATHSIG covers a killed one). */
const running = new Map<number, string>();
process.on('exit', () => {
  for (const [pid, dir] of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (!process.env.TSPLAY_VM_KEEP) rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Removes run folders of guests whose process is gone (a test process killed with SIGKILL takes
 * its qemu along through PDEATHSIG, but cannot remove its folder). A folder without state.json
 * is left for an hour: its guest may still be starting.
 */
async function sweepStale(parent: string): Promise<void> {
  for (const e of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory() || !/^tsplay-vm-[A-Za-z0-9]{6}$/.test(e.name)) continue;
    const dir = join(parent, e.name);
    const state = await readFile(join(dir, 'state.json'), 'utf8').then((t) => JSON.parse(t) as { pid?: number }, () => undefined);
    const stale = state ? !(typeof state.pid === 'number' && (await isOurQemu(state.pid, dir))) : Date.now() - (await stat(dir)).mtimeMs > 3600_000;
    if (stale) await rm(dir, { recursive: true, force: true });
  }
}

/** Boots one guest from a fresh overlay of the image and waits until root can log in over SSH. */
export async function bootGuest(image: Image, opts: BootOptions = {}): Promise<Guest> {
  const memoryMb = opts.memoryMb ?? 1024;
  const cpus = opts.cpus ?? 2;
  const sshTimeout = (opts.sshTimeout ?? (Number(process.env.TSPLAY_VM_SSH_TIMEOUT) || 300)) * 1000;
  const name = opts.name ?? 'guest';
  const parent = opts.parent ?? tmpdir();
  if (!process.env.TSPLAY_VM_KEEP) await sweepStale(parent);
  const dir = await mkdtemp(join(parent, 'tsplay-vm-'));
  try {
    const img = (args: string[]) => run(['qemu-img', ...args]).then((r) => {
      if (r.rc !== 0) throw new Error(`qemu-img ${args.join(' ')}: ${r.stderr.trim()}`);
    });
    await img(['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', join(image.dir, 'rootfs.raw'), join(dir, 'root.qcow2')]);
    await img(['create', '-q', '-f', 'qcow2', join(dir, 'lvm.qcow2'), '1G']);
    await img(['create', '-q', '-f', 'qcow2', join(dir, 'aoe.qcow2'), '1G']);
    for (const [id, size] of CZ_DISKS) await img(['create', '-q', '-f', 'qcow2', join(dir, `${id}.qcow2`), size]);
    const key = join(dir, 'id_ed25519');
    await copyFile(join(image.dir, 'id_ed25519'), key);
    await chmod(key, 0o600);
    const hostKey = (await readFile(join(image.dir, 'ssh_host_ed25519_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    const cmdline = (await readFile(join(image.dir, 'cmdline'), 'utf8')).trim();
    const envAccel = process.env.TSPLAY_VM_ACCEL;
    const accel = opts.accel ?? (envAccel === 'kvm' || envAccel === 'tcg' ? envAccel : (await kvmWorks(dir, image)) ? 'kvm' : 'tcg');

    return await launch({ dir, image, name, accel, memoryMb, cpus, cmdline, key, hostKey, sshTimeout });
  } catch (e) {
    for (const [pid, d] of running) if (d === dir) await stopGuest({ pid, dir }, { keep: true });
    if (!process.env.TSPLAY_VM_KEEP && !/run folder kept/.test(String(e))) await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Starts qemu on the run folder's disks and waits until root can log in over SSH. */
async function launch(l: Launch): Promise<Guest> {
  const { dir, image, name, accel, memoryMb, cpus, cmdline, key, hostKey, sshTimeout } = l;
  // A monitor socket left by the last boot would keep qemu from listening there again.
  await rm(join(dir, 'monitor.sock'), { force: true });
  // A port can be taken between freePort() and qemu's bind: then qemu exits at once; try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const g = { dir, image, port, accel, name };
    const argv = qemuArgs(g, memoryMb, cpus, cmdline);
    await writeFile(join(dir, 'qemu.argv'), JSON.stringify(argv, null, 1) + '\n');
    const logFd = openSync(join(dir, 'qemu.log'), 'w');
    const t0 = Date.now();
    let child: ChildProcess;
    try {
      // setpriv execs qemu, so child.pid is qemu's PID; PDEATHSIG kills it if we die.
      child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', logFd, logFd], env: { PATH } });
    } finally {
      closeSync(logFd);
    }
    const pid = child.pid;
    if (!pid) throw new Error('could not start qemu-system-x86_64 (is qemu-system-x86 installed?)');
    running.set(pid, dir);
    let exited: string | undefined;
    child.on('exit', (code, signal) => {
      exited = `qemu exited (code ${code}, signal ${signal})`;
      running.delete(pid);
    });
    child.unref();
    await writeFile(join(dir, 'state.json'), JSON.stringify({ pid, port, accel, startedAt: new Date().toISOString() }) + '\n');

    const inventory = join(dir, 'inventory.ini');
    await writeFile(inventory, `[vm]\n${name} ansible_host=127.0.0.1 ansible_port=${port} ansible_user=root ansible_ssh_private_key_file=${key}\n`);
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
    const guest: Guest = { dir, image, name, port, pid, accel, inventory, knownHosts, key, consoleLog: join(dir, 'console.log'), bootSeconds: 0, launch: l };

    // Wait for the SSH banner (slirp accepts the TCP connection before the guest listens), then a login.
    let lastSsh = 'no SSH banner yet';
    for (;;) {
      if (exited) {
        const log = await tail(join(dir, 'qemu.log'), 20);
        if (attempt < 3 && /host forwarding rule|Could not set up host forwarding/i.test(log)) break;
        throw new Error(`${exited} before SSH answered\n--- qemu.log ---\n${log}\n--- console (last 60 lines) ---\n${await tail(guest.consoleLog, 60)}`);
      }
      if (Date.now() - t0 > sshTimeout) {
        await stopGuest(guest, { keep: true });
        throw new Error(
          `the guest did not answer SSH on 127.0.0.1:${port} within ${sshTimeout / 1000} s (accel ${accel}; ${lastSsh}); run folder kept: ${dir}\n--- console (last 60 lines) ---\n${await tail(guest.consoleLog, 60)}`,
        );
      }
      if (await probeSsh('127.0.0.1', port, 3000)) {
        const r = await sshRun(guest, 'true', { timeoutMs: 30_000 });
        if (r.rc === 0) {
          guest.bootSeconds = (Date.now() - t0) / 1000;
          return guest;
        }
        lastSsh = `ssh rc=${r.rc}: ${r.stderr.trim()}`;
      }
      await sleep(1000);
    }
  }
}

/**
 * Reboots the guest for real: `systemctl reboot` inside (qemu runs with -no-reboot, so it exits
 * once the guest has shut down), then qemu again on the same disks. What the guest wrote
 * survives, what it had only live does not. `g` is updated in place (PID, port, boot time).
 */
export async function rebootGuest(g: Guest): Promise<void> {
  await sshRun(g, 'systemctl reboot', { timeoutMs: 30_000 });
  const deadline = Date.now() + 180_000;
  while (await isOurQemu(g.pid, g.dir)) {
    if (Date.now() > deadline) throw new Error(`the guest did not shut down within 180 s\n--- console (last 40 lines) ---\n${await tail(g.consoleLog, 40)}`);
    await sleep(200);
  }
  running.delete(g.pid);
  Object.assign(g, await launch(g.launch));
}

/** One command to qemu's human monitor (`set_link h1a off`), and what it answered. */
export function monitor(g: Guest, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(join(g.dir, 'monitor.sock'));
    let out = '';
    let sent = false;
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`monitor: no answer to ${command}`))), 10_000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      out += d;
      // The banner ends with a prompt; the answer ends with the next one.
      if (!sent && out.includes('(qemu) ')) {
        sent = true;
        out = '';
        sock.write(`${command}\n`);
      } else if (sent && out.includes('(qemu) ')) {
        clearTimeout(timer);
        sock.end();
        resolve(out.replace(/\r/g, '').split('\n').slice(1, -1).join('\n'));
      }
    });
    sock.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** Runs a shell command on the guest as root with OpenSSH's client (not through tsplay). */
export function sshRun(g: Guest, command: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(
    [
      'ssh', '-F', '/dev/null',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${g.knownHosts}`,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'ConnectTimeout=20',
      '-o', 'LogLevel=ERROR',
      '-i', g.key,
      '-p', String(g.port),
      'root@127.0.0.1',
      '--', command,
    ],
    { input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000 },
  );
}

/** sshRun that throws on a non-zero exit; returns stdout. */
export async function sshOk(g: Guest, command: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await sshRun(g, command, opts);
  if (r.rc !== 0) throw new Error(`on the guest: ${command}\nrc=${r.rc}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Whether pid is the qemu of this run folder (guards against a reused PID). */
async function isOurQemu(pid: number, dir: string): Promise<boolean> {
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmd.includes('qemu-system') && cmd.includes(dir);
}

/** Stops the guest's qemu (by PID: SIGTERM, then SIGKILL after 5 s) and removes the run folder. */
export async function stopGuest(g: Pick<Guest, 'pid' | 'dir'>, opts: { keep?: boolean } = {}): Promise<void> {
  if (await isOurQemu(g.pid, g.dir)) {
    process.kill(g.pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while ((await isOurQemu(g.pid, g.dir)) && Date.now() < deadline) await sleep(50);
    if (await isOurQemu(g.pid, g.dir)) process.kill(g.pid, 'SIGKILL');
    while ((await isOurQemu(g.pid, g.dir)) && Date.now() < deadline + 10_000) await sleep(20);
  }
  running.delete(g.pid);
  if (!opts.keep && !process.env.TSPLAY_VM_KEEP) await rm(g.dir, { recursive: true, force: true });
}
