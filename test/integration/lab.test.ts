/**
 * The lab: real hosts (namespaces + overlay root + sshd) on this machine. Needs root, Linux,
 * iproute2, util-linux and openssh-server/openssh-client. Every lab here lives in its own
 * temporary directory and is torn down in after(), whatever happened.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { labDown, labUp, rotateHostKey, runOn, startHost, stopHost, type Lab } from '../../src/lab/index.js';

// The lab needs root (namespaces, veths, mounts): elsewhere these tests are skipped, loudly.
const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# lab tests skipped: ${skip}`);

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const labModule = join(repo, 'src/lab/index.ts');
const root = mkdtempSync(join(tmpdir(), 'tsplay-lab-test-'));
const dirs: string[] = [];
function labDir(name: string): string {
  const d = join(root, name);
  dirs.push(d);
  return d;
}

after(async () => {
  for (const d of dirs) {
    try {
      await labDown(d);
    } catch (e) {
      console.error(`labDown(${d}) failed:`, e);
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function ssh(lab: Lab, ip: string, command: string, extra: string[] = []) {
  const r = spawnSync(
    'ssh',
    [
      // ssh keeps the first value given for an option: the caller's extras win.
      ...extra,
      '-F', '/dev/null',
      '-i', lab.key,
      '-o', 'IdentitiesOnly=yes',
      '-o', `UserKnownHostsFile=${lab.knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=5',
      `root@${ip}`,
      command,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Resolves to the connect error code, or 'connected'. */
function tcpConnect(ip: string, port = 22): Promise<string> {
  return new Promise((res) => {
    const s = connect({ host: ip, port });
    const timer = setTimeout(() => {
      s.destroy();
      res('timeout');
    }, 3000);
    s.on('connect', () => {
      clearTimeout(timer);
      s.destroy();
      res('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      res(e.code ?? 'error');
    });
  });
}

interface StateFile {
  labId: string;
  bridge: string;
  hosts: { name: string; ip: string; netns: string; pid: number; wrapperPid: number; veth: string }[];
}
const readStateFile = (dir: string) => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as StateFile;

function alive(pid: number): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Asserts that nothing of the lab recorded in `state` exists any more. */
function assertGone(state: StateFile, dir: string): void {
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  assert.ok(!netns.includes(`tsplay-${state.labId}-`), `netns left:\n${netns}`);
  for (const h of state.hosts) {
    assert.ok(!alive(h.pid), `host ${h.name} PID 1 (${h.pid}) still alive`);
    assert.ok(!alive(h.wrapperPid), `host ${h.name} wrapper (${h.wrapperPid}) still alive`);
  }
  const links = JSON.parse(spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout) as { ifname: string; ifalias?: string }[];
  const left = links.filter((l) => l.ifname === state.bridge || l.ifname.startsWith(`tl${state.labId}-`) || l.ifalias === `tsplay-lab ${state.labId}`);
  assert.deepEqual(left.map((l) => l.ifname), [], 'links left');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(dir), `mounts mention ${dir}`);
  assert.ok(!mounts.includes(`tsplay-${state.labId}`), 'mounts mention the lab netns');
  // No process anywhere still runs the lab's init script.
  const stray = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.includes(dir) && !/^\s*\d+\s+Z/.test(l));
  assert.deepEqual(stray, [], 'processes left');
  assert.ok(!existsSync(join(dir, 'state.json')), 'state.json left');
}

describe('lab of 3 hosts', { skip }, () => {
  let lab: Lab;
  const dir = labDir('three');
  const probe = `/root/tsplay-lab-probe-${randomBytes(4).toString('hex')}`;

  before(async () => {
    lab = await labUp(3, { dir });
  });

  test('writes inventory, known_hosts, key and state', () => {
    assert.equal(lab.hosts.length, 3);
    const inv = readFileSync(lab.inventory, 'utf8');
    assert.match(inv, /^\[lab\]$/m);
    for (const h of lab.hosts) {
      assert.match(inv, new RegExp(`^${h.name} ansible_host=${h.ip.replace(/\./g, '\\.')} ansible_user=root ansible_ssh_private_key_file=${lab.key}$`, 'm'));
      assert.match(readFileSync(lab.knownHosts, 'utf8'), new RegExp(`^${h.ip.replace(/\./g, '\\.')} ssh-ed25519 `, 'm'));
    }
    assert.deepEqual(lab.hosts.map((h) => h.name), ['h1', 'h2', 'h3']);
    assert.equal(new Set(lab.hosts.map((h) => h.ip)).size, 3);
    assert.equal(readStateFile(dir).hosts.length, 3);
  });

  test('each host answers real ssh (strict host key checking) with its own hostname', () => {
    const names = lab.hosts.map((h) => {
      const r = ssh(lab, h.ip, 'hostname');
      assert.equal(r.rc, 0, r.stderr);
      return r.stdout.trim();
    });
    assert.deepEqual(names, ['h1', 'h2', 'h3']);
  });

  test('a file written on h1 is on no other host and not on the machine', async () => {
    const [h1, h2] = lab.hosts;
    let r = ssh(lab, h1!.ip, `echo lab-data > ${probe} && cat ${probe}`);
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(r.stdout, 'lab-data\n');
    r = ssh(lab, h2!.ip, `test -e ${probe}`);
    assert.equal(r.rc, 1, 'present on h2');
    assert.equal(existsSync(probe), false, 'present on the machine');
    const on1 = await runOn(lab, 'h1', ['sha256sum', probe]);
    assert.equal(on1.rc, 0, on1.stderr);
    assert.match(on1.stdout, /^[0-9a-f]{64} /);
    assert.equal((await runOn(lab, 'h2', ['test', '-e', probe])).rc, 1);
  });

  test('runOn runs inside the host namespaces (hostname, address, PID 1, input)', async () => {
    const h2 = lab.hosts[1]!;
    assert.equal((await runOn(lab, 'h2', ['hostname'])).stdout.trim(), 'h2');
    const addrs = JSON.parse((await runOn(lab, 'h2', ['ip', '-j', 'addr'])).stdout) as { addr_info: { local: string }[] }[];
    assert.ok(addrs.some((a) => a.addr_info.some((i) => i.local === h2.ip)), 'host address not inside');
    const ps = await runOn(lab, 'h2', ['ps', '-eo', 'pid=,comm=']);
    assert.match(ps.stdout, /^\s*1 sh$/m, 'PID 1 is the lab init');
    assert.match(ps.stdout, /sshd/);
    const piped = await runOn(lab, 'h2', ['sh', '-c', 'cat > /tmp/in && cat /tmp/in'], { input: 'via stdin' });
    assert.equal(piped.stdout, 'via stdin');
    // Kernel-wide sysctls stay the machine's (read-only); network ones are the host's own.
    assert.notEqual((await runOn(lab, 'h2', ['sysctl', '-w', 'vm.swappiness=1'])).rc, 0);
    assert.equal((await runOn(lab, 'h2', ['sysctl', '-w', 'net.ipv4.ip_forward=1'])).rc, 0);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), spawnSync('sysctl', ['-n', 'net.ipv4.ip_forward'], { encoding: 'utf8' }).stdout.trim());
    assert.equal((await runOn(lab, 'h3', ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0');
  });

  test('stopHost refuses connections; startHost brings sshd back, files intact', async () => {
    const h1 = lab.hosts[0]!;
    assert.equal(await tcpConnect(h1.ip), 'connected');
    await stopHost(lab, 'h1');
    assert.equal(await tcpConnect(h1.ip), 'ECONNREFUSED');
    assert.notEqual(ssh(lab, h1.ip, 'true').rc, 0);
    await startHost(lab, 'h1');
    const r = ssh(lab, h1.ip, `cat ${probe}`);
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(r.stdout, 'lab-data\n');
  });

  test('rotateHostKey makes strict ssh fail with a host key mismatch', async () => {
    const h3 = lab.hosts[2]!;
    const before = readFileSync(lab.knownHosts, 'utf8');
    await rotateHostKey(lab, 'h3');
    assert.equal(readFileSync(lab.knownHosts, 'utf8'), before, 'known_hosts must not change');
    const r = ssh(lab, h3.ip, 'true');
    assert.equal(r.rc, 255);
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    // The host itself is fine: without the pinned key it answers.
    const loose = ssh(lab, h3.ip, 'hostname', ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null']);
    assert.equal(loose.rc, 0, loose.stderr);
    assert.equal(loose.stdout.trim(), 'h3');
  });

  test('labDown leaves no netns, processes, links or mounts, and is idempotent', async () => {
    const state = readStateFile(dir);
    await labDown(dir);
    assertGone(state, dir);
    await labDown(dir);
  });
});

/** Runs labUp in a child process; resolves once `ready(dir)` holds, with the child still running. */
async function childLab(dir: string, count: number, ready: () => boolean): Promise<ReturnType<typeof spawn>> {
  const script = join(root, `child-${randomBytes(3).toString('hex')}.mts`);
  writeFileSync(
    script,
    `import { labUp } from ${JSON.stringify(labModule)};\n` +
      `await labUp(${count}, { dir: ${JSON.stringify(dir)} });\n` +
      `console.log('UP');\nsetInterval(() => {}, 1000);\n`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`child lab exited early:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`child lab not ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return child;
}

async function killChild(child: ReturnType<typeof spawn>): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

describe('crashed controller', { skip }, () => {
  test('SIGKILL after labUp: labDown from state.json cleans everything', async () => {
    const dir = labDir('crash-up');
    const child = await childLab(dir, 3, () => {
      try {
        const s = readStateFile(dir);
        return s.hosts.length === 3 && s.hosts.every((h) => h.pid > 0);
      } catch {
        return false;
      }
    });
    await killChild(child);
    const state = readStateFile(dir);
    // The lab outlives its controller...
    for (const h of state.hosts) assert.ok(alive(h.pid), `host ${h.name} died with the controller`);
    assert.equal(await tcpConnect(state.hosts[0]!.ip), 'connected');
    // ...and goes away completely with labDown.
    await labDown(dir);
    assertGone(state, dir);
  });

  test('SIGKILL in the middle of labUp: labDown still cleans everything', async () => {
    const dir = labDir('crash-mid');
    const child = await childLab(dir, 12, () => existsSync(join(dir, 'hosts', 'h4', 'init.pid')));
    await killChild(child);
    const state = readStateFile(dir);
    await labDown(dir);
    assertGone(state, dir);
  });
});

describe('lab of 50 hosts', { skip }, () => {
  test('comes up in well under a minute and goes down cleanly', async () => {
    const dir = labDir('fifty');
    const t0 = performance.now();
    const lab = await labUp(50, { dir });
    const upMs = performance.now() - t0;
    console.log(`# labUp(50): ${(upMs / 1000).toFixed(2)} s`);
    assert.ok(upMs < 60_000, `labUp(50) took ${upMs} ms`);
    assert.equal(lab.hosts.length, 50);
    assert.equal(new Set(lab.hosts.map((h) => h.ip)).size, 50);
    const results = await Promise.all(lab.hosts.map((h) => tcpConnect(h.ip)));
    assert.deepEqual([...new Set(results)], ['connected']);
    for (const h of [lab.hosts[0]!, lab.hosts[49]!]) {
      const r = ssh(lab, h.ip, 'hostname');
      assert.equal(r.rc, 0, r.stderr);
      assert.equal(r.stdout.trim(), h.name);
    }
    const state = readStateFile(dir);
    const t1 = performance.now();
    await labDown(dir);
    console.log(`# labDown(50): ${((performance.now() - t1) / 1000).toFixed(2)} s`);
    assertGone(state, dir);
  });
});
