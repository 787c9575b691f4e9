/**
 * libvirt_domain for real: libvirtd with its QEMU driver on a lab host, domains under QEMU's
 * software emulation (TCG, no /dev/kvm), through the real CLI. playbooks/kvm-host.yml builds br0,
 * starts libvirt and makes a base domain and two clones; a domain goes through every state with
 * a re-run at each (changed=0); check mode after a hand-made `virsh setmaxmem` shows exactly
 * that XML diff and moves nothing. The domains boot no OS (there is none to boot here): SeaBIOS
 * finds no disk to boot and waits, which is all a state needs, and a graceful shutdown is never
 * answered, so shutdown_timeout's destroy is what a shutdown shows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { events, recap, ROOT, tsplay } from '../helpers/cli.js';

const missing = ['libvirtd', 'virsh', 'qemu-system-x86_64', 'qemu-img'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
// The lab needs root; libvirt comes with .ci/setup (libvirt-daemon-system and its SysV scripts, QEMU).
const skip = process.getuid?.() !== 0 ? 'the lab needs root' : missing.length ? `not installed: ${missing.join(', ')} (bash .ci/setup installs them)` : false;
if (skip) console.log(`# libvirt lab tests skipped: ${skip}`);

let lab: Lab;
const dir = mkdtempSync(join(tmpdir(), 'tsplay-libvirt-'));
const IMAGES = '/var/lib/libvirt/images';
const KVM_VARS = ['-e', 'kvm_hosts=h1', '-e', 'kvm_nic=kvmnic0', '-e', 'kvm_base_memory=64', '-e', 'kvm_base_disk_size=64M', '-e', 'kvm_service_use=sysvinit'];
const run = (book: string, ...extra: string[]) => tsplay(['run', book, '-i', lab.inventory, '--known-hosts', lab.knownHosts, ...extra]);

async function on(command: string): Promise<string> {
  const r = await runOn(lab, 'h1', ['sh', '-c', command]);
  assert.equal(r.rc, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

/** libvirt's daemons, for a test run alone (kvm-host.yml starts them otherwise); a no-op when they run. */
const daemons = () => on('/etc/init.d/virtlogd start >/dev/null && /etc/init.d/libvirtd start >/dev/null');

const domstate = (name: string) => on(`virsh -c qemu:///system domstate ${name} | head -n 1`);

before(async () => {
  if (skip) return;
  lab = await labUp(1, { dir: join(dir, 'lab') });
  // What a real KVM host has and a lab host lacks: no cgroup tree of its own, /dev/net/tun for the
  // guests' taps, and a spare NIC for br0 (a veth here).
  await on(`printf '\\n# tsplay lab host: no cgroups of its own\\ncgroup_controllers = [ ]\\n' >> /etc/libvirt/qemu.conf`);
  await on('mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && ip link add kvmnic0 type veth peer name kvmpeer0');
});

after(async () => {
  if (lab) await labDown(lab.dir);
  rmSync(dir, { recursive: true, force: true });
});

test('kvm-host.yml: br0, libvirt, a base domain and two running clones over its disk; changed=0 again; a third clone leaves the base as it was', { skip, timeout: 300_000 }, async () => {
  const book = join(ROOT, 'playbooks/kvm-host.yml');
  const first = await run(book, ...KVM_VARS);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.ok(recap(first.stdout).h1!.changed! >= 4, first.stdout);
  assert.equal(await domstate('base'), 'shut off');
  for (const clone of ['web1', 'web2']) {
    assert.equal(await domstate(clone), 'running');
    const info = JSON.parse(await on(`qemu-img info -U --output=json ${IMAGES}/${clone}.qcow2`));
    assert.equal(info.format, 'qcow2');
    assert.equal(info['full-backing-filename'], `${IMAGES}/base.qcow2`, `${clone}'s disk is a copy-on-write image over the base's`);
    assert.equal(await on(`virsh -c qemu:///system dominfo ${clone} | sed -n 's/^Autostart: *//p'`), 'enable');
  }
  const macs = await on(`for d in base web1 web2; do virsh -c qemu:///system dumpxml --inactive $d | sed -n "s/.*<mac address='\\([^']*\\)'.*/\\1/p"; done`);
  assert.equal(new Set(macs.split('\n')).size, 3, `every clone has a MAC of its own: ${macs}`);
  // The clones' taps are ports of br0 beside the NIC; the bridge task's second run keeps them.
  const ports = () => on("ip -o link show master br0 | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\\n' ' '");
  assert.match(await ports(), /^kvmnic0 vnet\d+ vnet\d+$/);
  const again = await run(book, ...KVM_VARS);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(recap(again.stdout).h1!.changed, 0, again.stdout);
  assert.match(await ports(), /^kvmnic0 vnet\d+ vnet\d+$/);

  const baseSum = await on(`sha256sum ${IMAGES}/base.qcow2`);
  const third = await run(book, ...KVM_VARS, '-e', '{"kvm_clones": ["web1", "web2", "web3"]}');
  assert.equal(third.code, 0, third.stdout + third.stderr);
  assert.equal(recap(third.stdout).h1!.changed, 1, third.stdout);
  assert.equal(await domstate('web3'), 'running');
  assert.equal(await on(`sha256sum ${IMAGES}/base.qcow2`), baseSum, 'the base image is only read');
  assert.equal(JSON.parse(await on(`qemu-img info -U --output=json ${IMAGES}/web3.qcow2`))['full-backing-filename'], `${IMAGES}/base.qcow2`);
  console.log(`# libvirt: kvm-host.yml first run ${recap(first.stdout).h1!.changed} changed, second changed=0; web3 cloned, base ${baseSum.slice(0, 12)} unchanged`);
});

const LIFE = `- hosts: h1
  gather_facts: false
  tasks:
    - name: the domain
      libvirt_domain:
        name: life
        memory: 64
        vcpus: 1
        disks: [{ path: ${IMAGES}/life.qcow2, size: 32M }]
        graphics: none
        state: "{{ want }}"
        shutdown_timeout: 2
      register: r
    - name: what the result says
      debug: { var: r }
`;

test('a domain through every state: defined, running, paused, running, shutdown (destroyed after the timeout), running, destroyed, undefined; each re-run changed=0', { skip, timeout: 300_000 }, async () => {
  const book = join(dir, 'life.yml');
  writeFileSync(book, LIFE);
  await daemons();
  const steps: [string, string][] = [
    ['defined', 'shut off'],
    ['running', 'running'],
    ['paused', 'paused'],
    ['running', 'running'],
    ['shutdown', 'shut off'],
    ['running', 'running'],
    ['destroyed', 'shut off'],
    ['undefined', ''],
  ];
  const seen: string[] = [];
  for (const [want, virsh] of steps) {
    const r = await run(book, '-e', `want=${want}`, '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = events(r.stdout).find((e) => e.kind === 'host_result' && e.task === 'the domain');
    assert.equal(result.changed, true, `${want}: ${r.stdout}`);
    const listed = (result.result.domains as { name: string; state: string }[]).find((d) => d.name === 'life');
    assert.equal(listed?.state ?? '', virsh, `${want}: the result lists the domain as virsh does`);
    if (want === 'shutdown') assert.match(result.result.msg, /did not power off within 2 s of the shutdown request; destroyed/);
    if (virsh) assert.equal(await domstate('life'), virsh);
    else assert.doesNotMatch(await on('virsh -c qemu:///system list --all --name'), /^life$/m);
    const again = await run(book, '-e', `want=${want}`);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(recap(again.stdout).h1!.changed, 0, `${want} again: ${again.stdout}`);
    seen.push(`${want}:${virsh || 'gone'}`);
  }
  assert.equal(await on(`test -f ${IMAGES}/life.qcow2 && echo kept`), 'kept', 'undefine keeps the disk file');
  console.log(`# libvirt: ${seen.join(' -> ')}, each re-run changed=0`);
});

test('check mode after a hand-made memory change shows exactly that XML diff and moves nothing; the run then puts it back', { skip, timeout: 300_000 }, async () => {
  const book = join(dir, 'life.yml');
  writeFileSync(book, LIFE);
  await daemons();
  assert.equal((await run(book, '-e', 'want=running')).code, 0);
  await on('virsh -c qemu:///system setmaxmem life 131072 --config');
  const before = await on('virsh -c qemu:///system dumpxml --inactive life');
  const check = await run(book, '-e', 'want=running', '--check', '--diff');
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const lines = check.stdout.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
  assert.deepEqual(lines, ["-  <memory unit='KiB'>131072</memory>", "+  <memory unit='KiB'>65536</memory>"]);
  assert.match(check.stdout, /--- before: libvirt domain life \(dumpxml --inactive\)/);
  assert.equal(recap(check.stdout).h1!.changed, 1);
  assert.equal(await on('virsh -c qemu:///system dumpxml --inactive life'), before, 'check mode defined nothing');
  assert.equal(await domstate('life'), 'running');

  const fix = await run(book, '-e', 'want=running', '--json');
  assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  const result = events(fix.stdout).find((e) => e.kind === 'host_result' && e.task === 'the domain').result;
  assert.equal(result.pending_reboot, true, 'a running domain takes the change at its next boot');
  assert.match(await on('virsh -c qemu:///system dumpxml --inactive life'), /<memory unit='KiB'>65536<\/memory>/);
  const after = await run(book, '-e', 'want=running');
  assert.equal(recap(after.stdout).h1!.changed, 0, after.stdout);
  assert.equal((await run(book, '-e', 'want=undefined')).code, 0);
});

test('a host without libvirt: the task fails naming the packages, and nothing else runs on it', { skip, timeout: 120_000 }, async () => {
  const book = join(dir, 'life.yml');
  writeFileSync(book, LIFE);
  await daemons();
  // The lab host's / is its own overlay: virsh goes away on this host only.
  await on('mv /usr/bin/virsh /usr/bin/virsh.away');
  try {
    const r = await run(book, '-e', 'want=running');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /libvirt_domain life: libvirt is not installed on this host \(no virsh\): install libvirt-daemon-system, libvirt-clients, qemu-system-x86 and qemu-utils/);
    assert.equal(recap(r.stdout).h1!.failed, 1);
    assert.equal(await on(`test -e ${IMAGES}/life.qcow2 && echo there`), 'there', 'no disk was made or removed');
  } finally {
    await on('mv /usr/bin/virsh.away /usr/bin/virsh');
  }
});
