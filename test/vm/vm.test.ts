/**
 * The VM tier: tsplay's real CLI against a real Debian bookworm guest under qemu (guest.ts),
 * one guest for the whole file, booted clean from a fresh overlay. Here is what the lab's
 * namespaces cannot give: the distribution kernel 6.1 with bonding, 802.1Q, device-mapper/LVM
 * and AoE, its own sysctls, real NICs and disks.
 *
 *   node --import tsx --test test/vm/*.test.ts      # as root; TSPLAY_VM=0 skips
 *
 * The image is built on the first run (test/vm/build-image.sh, cached in /var/cache/tsplay-vm).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, recap, tsplay } from '../helpers/cli.js';
import { bootGuest, buildImage, type Guest, monitor, rebootGuest, sshOk, sshRun, stopGuest, VM_DIR, vmSkipReason } from './guest.js';

const skip = vmSkipReason();
// The slow test (a Clonezilla save and restore: 7-9 minutes under emulation) runs in its own
// npm script, `npm run test:vm:slow`, which .ci/run calls after npm test.
const slow = process.env.TSPLAY_VM_SLOW === '1' ? skip : skip || 'slow: npm run test:vm:slow runs it';
let guest: Guest | undefined;
const t0 = Date.now();

const g = (): Guest => {
  if (!guest) throw new Error('the guest did not boot (see the before hook)');
  return guest;
};
const base = () => ['-i', g().inventory, '--known-hosts', g().knownHosts];
const SYSCTL = join(VM_DIR, 'playbooks/sysctl.yml');

before(
  async () => {
    if (skip) return;
    const image = await buildImage();
    console.log(`vm: image ${image.dir} (kernel ${image.kernel}): ${image.reused ? `cached (built in ${image.buildSeconds} s)` : `built in ${image.seconds.toFixed(0)} s`}`);
    guest = await bootGuest(image);
    console.log(`vm: boot to SSH ${guest.bootSeconds.toFixed(1)} s (accel ${guest.accel}, qemu PID ${guest.pid}, 127.0.0.1:${guest.port})`);
  },
  { timeout: 30 * 60_000 },
);

after(async () => {
  if (guest) await stopGuest(guest);
  if (!skip) console.log(`vm: tier ${((Date.now() - t0) / 1000).toFixed(0)} s`);
});

test('facts are gathered from the guest: kernel 6.1, eth0..eth4, its memory', { skip, timeout: 300_000 }, async () => {
  const res = await tsplay(['facts', 'all', ...base()]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const f = JSON.parse(res.stdout)[g().name];
  assert.ok(f, res.stdout);
  assert.match(f.kernel, /^6\.1\.0-\d+-amd64$/);
  assert.match(f.kernel_version, /Debian 6\.1\.\d+-\d+/);
  assert.equal(f.system, 'Linux');
  assert.equal(f.distribution, 'Debian');
  assert.equal(f.distribution_major_version, '12');
  assert.equal(f.distribution_release, 'bookworm');
  assert.equal(f.hostname, 'tsplay-vm');
  assert.equal(f.service_mgr, 'systemd');
  assert.deepEqual(f.interfaces, ['lo', 'eth0', 'eth1', 'eth2', 'eth3', 'eth4']);
  assert.equal(f.eth0.ipv4.address, '10.0.2.15');
  assert.equal(f.default_ipv4.interface, 'eth0');
  for (let i = 1; i <= 4; i++) {
    assert.equal(f[`eth${i}`].macaddress, `52:54:00:74:00:0${i}`);
    assert.equal(f[`eth${i}`].ipv4, undefined, `eth${i} has no address`);
    assert.equal(f[`eth${i}`].active, false, `eth${i} is down`);
  }
  // -m 1024M: the kernel keeps some for itself.
  assert.ok(f.memtotal_mb > 850 && f.memtotal_mb <= 1024, `memtotal_mb ${f.memtotal_mb}`);
  const kb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(await sshOk(g(), 'cat /proc/meminfo'))![1]);
  assert.equal(f.memtotal_mb, Math.floor(kb / 1024));
  assert.equal(f.processor_vcpus, 2);
  assert.ok(f.mounts.some((m: { mount: string; device: string }) => m.mount === '/' && m.device === '/dev/vda'), JSON.stringify(f.mounts));
});

test('sysctl sets vm.swappiness and vm.overcommit_memory on the real kernel; check mode reports drift and changes nothing', { skip, timeout: 600_000 }, async () => {
  const live = () => sshOk(g(), 'sysctl -n vm.swappiness vm.overcommit_memory').then((s) => s.trim().split('\n'));
  const state = () => sshOk(g(), 'sysctl -n vm.swappiness vm.overcommit_memory; cat /etc/sysctl.d/99-tsplay.conf 2>&1; stat -c "%a %U %G %Y" /etc/sysctl.d/99-tsplay.conf 2>&1');
  assert.deepEqual(await live(), ['60', '0'], 'the guest starts from the kernel defaults');
  try {
    const first = await tsplay(['run', SYSCTL, ...base()]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const r1 = recap(first.stdout)[g().name]!;
    assert.equal(r1.changed, 2, first.stdout);
    assert.equal(r1.failed, 0);
    assert.deepEqual(await live(), ['10', '2']);
    const file = await sshOk(g(), 'cat /etc/sysctl.d/99-tsplay.conf');
    assert.match(file, /^vm\.swappiness ?= ?10$/m);
    assert.match(file, /^vm\.overcommit_memory ?= ?2$/m);

    const second = await tsplay(['run', SYSCTL, ...base(), '--json']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const rc = events(second.stdout).find((e) => e.kind === 'recap');
    assert.equal(rc.stats[g().name].changed, 0, second.stdout);
    assert.equal(rc.stats[g().name].ok, 2);

    // A hand-made drift of the live value only: check mode reports it and changes nothing.
    await sshOk(g(), 'sysctl -qw vm.swappiness=33');
    const before = await state();
    const check = await tsplay(['run', SYSCTL, ...base(), '--check', '--diff']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(recap(check.stdout)[g().name]!.changed, 1, check.stdout);
    assert.match(check.stdout, /sysctl vm\.swappiness\n@@[^\n]*\n-33\n\+10\n/);
    assert.match(check.stdout, /ok: \[guest\]/, 'vm.overcommit_memory is as it should be');
    assert.equal(await state(), before, 'check mode changed the guest');
    assert.deepEqual(await live(), ['33', '2']);

    // A real run repairs it.
    const fix = await tsplay(['run', SYSCTL, ...base()]);
    assert.equal(fix.code, 0, fix.stdout);
    assert.equal(recap(fix.stdout)[g().name]!.changed, 1);
    assert.deepEqual(await live(), ['10', '2']);
  } finally {
    // Strict overcommit in a small guest starves later tests: back to the defaults.
    await sshOk(g(), 'rm -f /etc/sysctl.d/99-tsplay.conf; sysctl -qw vm.swappiness=60 vm.overcommit_memory=0');
  }
});

test('swap-tuning.yml: a swap file twice the RAM with its priority, strict overcommit; changed=0 again; a hand-made swapoff is exactly the drift; resize and absent', { skip, timeout: 600_000 }, async () => {
  const SWAP = join(VM_DIR, '../../playbooks/swap-tuning.yml');
  const swaps = async () => (await sshOk(g(), 'cat /proc/swaps')).trim().split('\n').slice(1).map((l) => l.split(/\s+/));
  const facts = JSON.parse((await tsplay(['facts', 'all', '-i', g().inventory, '--known-hosts', g().knownHosts])).stdout)[g().name];
  try {
    const first = await tsplay(['run', SWAP, ...base()]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(recap(first.stdout)[g().name]!.changed, 3, first.stdout);
    const [row] = await swaps();
    console.log(`vm: swap: /proc/swaps: ${row!.join(' ')}; memtotal_mb ${facts.memtotal_mb}`);
    assert.equal(row![0], '/swapfile');
    assert.equal(row![1], 'file');
    assert.equal(Number(row![2]) * 1024, facts.memtotal_mb * 2 * 1024 * 1024 - 4096, 'twice the RAM, less the header page');
    assert.equal(row![4], '10');
    assert.equal((await sshOk(g(), 'stat -c %a /swapfile')).trim(), '600');
    assert.match(await sshOk(g(), 'cat /etc/fstab'), /^# tsplay swap \/swapfile\n\/swapfile none swap sw,pri=10 0 0$/m);
    assert.equal((await sshOk(g(), 'sysctl -n vm.overcommit_memory vm.swappiness')).trim(), '2\n10');
    // The swap_areas fact lists it.
    const areas = JSON.parse((await tsplay(['facts', 'all', '-i', g().inventory, '--known-hosts', g().knownHosts])).stdout)[g().name].swap_areas;
    assert.deepEqual(areas.map((a: any) => [a.path, a.type, a.priority]), [['/swapfile', 'file', 10]]);

    const second = await tsplay(['run', SWAP, ...base()]);
    assert.deepEqual(recap(second.stdout)[g().name], { ok: 4, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, second.stdout);

    // swapoff by hand: check mode says exactly that, and changes nothing.
    await sshOk(g(), 'swapoff /swapfile');
    const check = await tsplay(['run', SWAP, ...base(), '--check', '--diff']);
    assert.equal(check.code, 0, check.stdout);
    assert.equal(recap(check.stdout)[g().name]!.changed, 1, check.stdout);
    assert.match(check.stdout, /--- before: swap \/swapfile\n\+\+\+ after: swap \/swapfile\n@@ -1 \+1 @@\n-inactive, \d+M\n\+active, \d+M, priority 10\nchanged: \[guest\]/);
    assert.deepEqual(await swaps(), [], 'check mode turned nothing on');
    assert.equal(recap((await tsplay(['run', SWAP, ...base()])).stdout)[g().name]!.changed, 1);
    assert.equal((await swaps()).length, 1);

    // A size change replaces the file; absent removes it and its fstab line.
    const resize = await tsplay(['run', SWAP, ...base(), '-e', 'swap_size=64M']);
    assert.equal(recap(resize.stdout)[g().name]!.changed, 1, resize.stdout);
    assert.equal(Number((await swaps())[0]![2]) * 1024, 64 * 1024 * 1024 - 4096);
  } finally {
    // Strict overcommit in a small guest starves later tests: back to the defaults, swap off and gone.
    await sshOk(g(), 'sysctl -qw vm.overcommit_memory=0 vm.swappiness=60; rm -f /etc/sysctl.d/60-overcommit.conf');
  }
  const gone = await tsplay(['run', join(VM_DIR, 'playbooks/swap-absent.yml'), ...base()]);
  assert.equal(gone.code, 0, gone.stdout);
  assert.equal(recap(gone.stdout)[g().name]!.changed, 1);
  assert.deepEqual(await swaps(), []);
  assert.equal((await sshRun(g(), 'test -e /swapfile')).rc, 1);
  assert.doesNotMatch(await sshOk(g(), 'cat /etc/fstab'), /swapfile/);
  // Refused before anything is touched: a swap file on tmpfs.
  const tmpfs = await tsplay(['run', SWAP, ...base(), '-e', 'swap_file=/dev/shm/swap']);
  assert.equal(tmpfs.code, 2);
  assert.match(tmpfs.stdout, /fatal: \[guest\]: FAILED! => .*swap \/dev\/shm\/swap: is on a tmpfs filesystem, which cannot hold swap/);
  assert.equal((await sshRun(g(), 'test -e /dev/shm/swap')).rc, 1);
});

test('lvm-backup.yml on a virtual disk: the snapshot does not see later writes, nor does its archive; re-run changed=0; max_usage fails a filling snapshot, extend_to grows it; removal leaves no LV', { skip, timeout: 600_000 }, async () => {
  const BACKUP = join(VM_DIR, '../../playbooks/lvm-backup.yml');
  const STAGE = join(VM_DIR, 'playbooks/lvm-stage.yml');
  const stage = (vars: Record<string, unknown>) => tsplay(['run', STAGE, ...base(), '-e', JSON.stringify(vars)]);
  const lvs = async () => (await sshOk(g(), 'lvs --noheadings -o lv_name tsplay_vg')).trim().split(/\s+/).filter(Boolean).sort();
  await sshOk(g(), [
    'pvcreate -qq /dev/vdb && vgcreate -qq tsplay_vg /dev/vdb',
    'lvcreate -qq -L 128M -n data tsplay_vg && mkfs.ext4 -q /dev/tsplay_vg/data && mkdir -p /srv/data && mount /dev/tsplay_vg/data /srv/data',
    'lvcreate -qq -L 256M -n backups tsplay_vg && mkfs.ext4 -q /dev/tsplay_vg/backups && mkdir -p /srv/backups && mount /dev/tsplay_vg/backups /srv/backups',
    'echo before > /srv/data/before.txt && sync',
  ].join(' && '));
  try {
    // The snapshot alone, mounted read-only; then a write to the origin that it must not see.
    const taken = await stage({ mount: '/mnt/data-backup' });
    assert.equal(recap(taken.stdout)[g().name]!.changed, 1, taken.stdout);
    await sshOk(g(), 'echo after > /srv/data/after.txt && sync');
    assert.equal((await sshOk(g(), 'ls /mnt/data-backup')).trim().split('\n').filter((f) => f.endsWith('.txt')).join(' '), 'before.txt');
    assert.notEqual((await sshRun(g(), 'touch /mnt/data-backup/x')).rc, 0, 'mounted read-only');
    // The lvm fact, as Ansible's setup gives it, with the snapshot's usage.
    const lvm = JSON.parse((await tsplay(['facts', 'all', '-i', g().inventory, '--known-hosts', g().knownHosts])).stdout)[g().name].lvm;
    assert.deepEqual(Object.keys(lvm.lvs).sort(), ['backups', 'data', 'data-backup']);
    assert.equal(lvm.lvs['data-backup'].vg, 'tsplay_vg');
    assert.match(lvm.lvs['data-backup'].data_percent, /^\d+\.\d+$/);
    assert.equal(lvm.vgs.tsplay_vg.num_lvs, '3');
    // Another origin under the same name is an error, never a replace.
    const other = await stage({ origin: 'backups' });
    assert.equal(other.code, 2);
    assert.match(other.stdout, /is a snapshot of data, not backups: refusing to replace it/);

    // The backup playbook keeps the snapshot it finds, archives it, removes it.
    const vars = ['-e', JSON.stringify({ backup_vg: 'tsplay_vg', backup_lv: 'data', backup_dir: '/srv/backups', backup_date: 'test' })];
    const backup = await tsplay(['run', BACKUP, ...base(), ...vars]);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.equal(recap(backup.stdout)[g().name]!.changed, 1);
    const listed = (await sshOk(g(), 'tar -tzf /srv/backups/data-test.tgz')).trim().split('\n');
    assert.ok(listed.includes('./before.txt') && !listed.includes('./after.txt'), listed.join(' '));
    console.log(`vm: lvm: archive lists ${listed.filter((f) => f.endsWith('.txt')).join(' ')} (after.txt was written after the snapshot)`);
    assert.deepEqual(await lvs(), ['backups', 'data'], 'the snapshot is gone');
    assert.equal((await sshRun(g(), 'mountpoint -q /mnt/data-backup')).rc, 32, 'not a mount point any more');
    const again = await tsplay(['run', BACKUP, ...base(), ...vars]);
    assert.deepEqual(recap(again.stdout)[g().name], { ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, again.stdout);
    assert.deepEqual(await lvs(), ['backups', 'data'], 'no snapshot piles up');

    // A small snapshot that the origin's writes fill past max_usage: it fails, or grows with extend_to.
    assert.equal(recap((await stage({ size: '16M' })).stdout)[g().name]!.changed, 1);
    await sshOk(g(), 'dd if=/dev/urandom of=/srv/data/big bs=1M count=10 status=none && sync');
    const full = await stage({ size: '16M', max_usage: 50 });
    assert.equal(full.code, 2, full.stdout);
    assert.match(full.stdout, /usage \d+(\.\d+)?% is above max_usage 50%/);
    console.log(`vm: lvm: ${/usage \S+ is above max_usage 50%/.exec(full.stdout)![0]}`);
    const grown = await stage({ size: '16M', max_usage: 50, extend_to: '64M' });
    assert.equal(recap(grown.stdout)[g().name]!.changed, 1, grown.stdout);
    assert.equal((await sshOk(g(), 'lvs --noheadings --units m --nosuffix -o lv_size tsplay_vg/data-backup')).trim(), '64.00');
    assert.equal(recap((await stage({ size: '16M', max_usage: 50, extend_to: '64M' })).stdout)[g().name]!.changed, 0, 'grown: usage under max_usage again');
    const removed = await stage({ state: 'absent' });
    assert.equal(recap(removed.stdout)[g().name]!.changed, 1, removed.stdout);
    assert.deepEqual(await lvs(), ['backups', 'data']);
  } finally {
    await sshRun(g(), 'umount /mnt/data-backup /srv/data /srv/backups 2>/dev/null; vgremove -qq -f tsplay_vg; pvremove -qq -f /dev/vdb; rm -rf /mnt/data-backup /srv/data /srv/backups');
  }
});

test('aoe-san.yml across the guest\'s hub-linked NICs: vblade exports on eth3, the initiator limited to eth1 formats once, mounts and reads back; re-run changed=0, no second mkfs', { skip, timeout: 600_000 }, async () => {
  const SAN = join(VM_DIR, '../../playbooks/aoe-san.yml');
  const disk = '/dev/disk/by-id/virtio-tsplay-aoe';
  const vars = ['-e', JSON.stringify({ aoe_target: 'all', aoe_clients: 'all', aoe_shelf: 3, aoe_slot: 4, aoe_device: disk, aoe_export_interface: 'eth3', aoe_client_interfaces: ['eth1'] })];
  try {
    const first = await tsplay(['run', SAN, ...base(), ...vars]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(recap(first.stdout)[g().name]!.changed, 2, first.stdout);
    assert.equal((await sshOk(g(), 'systemctl is-active tsplay-vblade-e3.4.service')).trim(), 'active');
    assert.equal((await sshOk(g(), 'cat /sys/module/aoe/parameters/aoe_iflist')).trim(), 'eth1');
    assert.match(await sshOk(g(), 'cat /etc/fstab'), /^\/dev\/etherd\/e3\.4 \/srv\/san ext4 _netdev 0 0$/m);
    // Written through the initiator, read back after the page cache is dropped, and on the target's disk itself.
    await sshOk(g(), 'echo through-aoe > /srv/san/hello && sync && echo 3 > /proc/sys/vm/drop_caches');
    assert.equal((await sshOk(g(), 'cat /srv/san/hello')).trim(), 'through-aoe');
    assert.equal((await sshOk(g(), `blkid -p -o value -s TYPE ${disk}`)).trim(), 'ext4');
    console.log(`vm: aoe: ${(await sshOk(g(), 'aoe-stat')).trim().replace(/\s+/g, ' ')}; /srv/san/hello read back through AoE`);

    const again = await tsplay(['run', SAN, ...base(), ...vars]);
    assert.equal(again.code, 0, again.stdout);
    assert.equal(recap(again.stdout)[g().name]!.changed, 0, again.stdout);
    // No second mkfs, even once unmounted and rediscovered: the data is still there.
    await sshOk(g(), 'umount /srv/san');
    const remount = await tsplay(['run', SAN, ...base(), ...vars]);
    assert.equal(recap(remount.stdout)[g().name]!.changed, 1, remount.stdout);
    assert.equal((await sshOk(g(), 'cat /srv/san/hello')).trim(), 'through-aoe');
  } finally {
    await sshRun(g(), [
      'umount /srv/san 2>/dev/null; sed -i "/tsplay aoe/,+1d" /etc/fstab',
      'systemctl disable --now tsplay-vblade-e3.4.service 2>/dev/null; rm -f /etc/systemd/system/tsplay-vblade-e3.4.service; systemctl daemon-reload',
      'aoe-flush -a 2>/dev/null; modprobe -r aoe 2>/dev/null; rm -f /etc/modprobe.d/tsplay-aoe.conf /etc/modules-load.d/tsplay-aoe.conf',
      `wipefs -q -a ${disk}; ip link set eth1 down; ip link set eth3 down; rmdir /srv/san`,
    ].join('; '));
  }
});

test('the kernel has bonding, 802.1Q, LVM and AoE, over real links between the guest NICs', { skip, timeout: 300_000 }, async () => {
  const script = String.raw`
set -eu
vpid=
cleanup() {
  set +e
  ip netns del tsplay-peer 2>/dev/null
  ip link del bond0 2>/dev/null; ip link del eth1.5 2>/dev/null
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
  aoe-flush -a 2>/dev/null
  vgremove -qq -f tsplay_smoke 2>/dev/null; pvremove -qq -f /dev/vdb 2>/dev/null
  for i in 1 2 3 4; do ip link set "eth$i" down 2>/dev/null; done # as the guest booted
}
trap cleanup EXIT
# Bonding
modprobe bonding
ip link add bond0 type bond mode active-backup
ip link set eth2 down; ip link set eth2 master bond0; ip link set bond0 up
grep -q 'Slave Interface: eth2' /proc/net/bonding/bond0
echo bond-ok
# 802.1Q: eth1.5 here, eth3.5 in a namespace; eth1 and eth3 share qemu hub 1, so the ping crosses it.
ip link add link eth1 name eth1.5 type vlan id 5
ip addr add 192.0.2.1/24 dev eth1.5; ip link set eth1 up; ip link set eth1.5 up
ip netns add tsplay-peer
ip link set eth3 netns tsplay-peer
ip -n tsplay-peer link add link eth3 name eth3.5 type vlan id 5
ip -n tsplay-peer addr add 192.0.2.2/24 dev eth3.5
ip -n tsplay-peer link set eth3 up; ip -n tsplay-peer link set eth3.5 up
ping -c 2 -W 5 -I eth1.5 192.0.2.2 >/dev/null
echo vlan-ok
ip netns del tsplay-peer
# LVM on the extra disk
pvcreate -qq /dev/disk/by-id/virtio-tsplay-lvm
vgcreate -qq tsplay_smoke /dev/vdb
lvcreate -qq -y -L 64M -n lv0 tsplay_smoke
test -b /dev/tsplay_smoke/lv0
echo lvm-ok
lvremove -qq -f tsplay_smoke/lv0; vgremove -qq -f tsplay_smoke; pvremove -qq -f /dev/vdb
# AoE: vblade exports the other extra disk on eth3 (its namespace is gone, it is back here), the initiator finds it through the hub.
for _ in 1 2 3 4 5 6 7 8 9 10; do ip link show eth3 >/dev/null 2>&1 && break; sleep 0.5; done
ip link set eth3 up
modprobe aoe
vblade 7 1 eth3 /dev/disk/by-id/virtio-tsplay-aoe >/dev/null 2>&1 </dev/null &
vpid=$!
for _ in $(seq 1 40); do aoe-discover; test -b /dev/etherd/e7.1 && break; sleep 0.5; done
test -b /dev/etherd/e7.1
echo aoe-ok
`;
  const out = await sshOk(g(), 'bash -s', { input: script, timeoutMs: 240_000 });
  assert.deepEqual(out.trim().split('\n'), ['bond-ok', 'vlan-ok', 'lvm-ok', 'aoe-ok']);
  // Clean afterwards: no bond, VLAN, namespace, volume group, PV label, vblade or AoE device left; NICs down again.
  const left = await sshOk(g(), 'ip -br link; ip netns list; pvs --noheadings; ls /dev/etherd/ | grep -v -x -e discover -e err -e interfaces -e revalidate -e flush; pgrep -x vblade || true');
  assert.equal(
    left.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).join('\n'),
    ['lo UNKNOWN 00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP>', 'eth0 UP 52:54:00:12:34:56 <BROADCAST,MULTICAST,UP,LOWER_UP>', ...[1, 2, 3, 4].map((i) => `eth${i} DOWN 52:54:00:74:00:0${i} <BROADCAST,MULTICAST>`)].join('\n'),
  );
});

const PLAYBOOKS = join(VM_DIR, '../../playbooks');

/** The lines of /proc/net/bonding/bond0 that say what the bond is and which slave carries it. */
async function bonding(): Promise<string> {
  return sshOk(g(), 'cat /proc/net/bonding/bond0');
}

/** The slave section of /proc/net/bonding/bond0 for one NIC. */
function slaveSection(proc: string, nic: string): string {
  return proc.split('\n\n').find((s) => s.startsWith(`Slave Interface: ${nic}\n`)) ?? '';
}

async function until(what: string, ok: () => Promise<boolean>, seconds = 20): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds} s: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('bond: the Debian recipe (bond-debian.yml) over eth1 and eth2; a pulled cable fails over while traffic carries on', { skip, timeout: 600_000 }, async () => {
  const BOND = join(PLAYBOOKS, 'bond-debian.yml');
  const extra = ['-e', '{"bond_slaves": ["eth1", "eth2"]}'];
  // The switch: eth3 and eth4, the other ends of the two hubs, bridged in a namespace with the
  // partner's address. eth1 has the address the recipe moves onto the bond.
  await sshOk(
    g(),
    `set -e; ip netns add tsplay-peer; for n in eth3 eth4; do ip link set $n netns tsplay-peer; done
ip -n tsplay-peer link add sw type bridge; for n in eth3 eth4; do ip -n tsplay-peer link set $n master sw; ip -n tsplay-peer link set $n up; done
ip -n tsplay-peer addr add 192.0.2.2/24 dev sw; ip -n tsplay-peer link set sw up
ip addr add 192.0.2.1/24 dev eth1; ip link set eth1 up`,
  );
  try {
    const first = await tsplay(['run', BOND, ...base(), ...extra]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(recap(first.stdout)[g().name]!.changed, 1, first.stdout);
    const proc = await bonding();
    assert.match(proc, /^Bonding Mode: fault-tolerance \(active-backup\)$/m);
    assert.match(proc, /^MII Polling Interval \(ms\): 100$/m);
    assert.match(proc, /^Currently Active Slave: eth1$/m);
    for (const nic of ['eth1', 'eth2']) assert.match(slaveSection(proc, nic), /MII Status: up/, proc);
    assert.match(await sshOk(g(), 'ip -br addr show dev bond0'), /192\.0\.2\.1\/24/, "eth1's address moved onto bond0");
    assert.doesNotMatch(await sshOk(g(), 'ip -br addr show dev eth1'), /192\.0\.2\.1/);
    assert.equal(
      await sshOk(g(), 'cat /etc/network/interfaces.d/10-tsplay-bond0'),
      '# Managed by tsplay (bond bond0): changes here are overwritten.\nauto bond0\niface bond0 inet static\n\taddress 192.0.2.1/24\n\tbond-slaves eth1 eth2\n\tbond-mode active-backup\n\tbond-miimon 100\n',
    );
    const second = await tsplay(['run', BOND, ...base(), ...extra]);
    assert.equal(recap(second.stdout)[g().name]!.changed, 0, second.stdout);

    const facts = async () => JSON.parse((await tsplay(['facts', 'all', ...base()])).stdout)[g().name];
    const f1 = await facts();
    assert.deepEqual([f1.bond0.mode, f1.bond0.miimon, f1.bond0.slaves, f1.bond0.active_slave], ['active-backup', '100', ['eth1', 'eth2'], 'eth1']);
    assert.deepEqual([f1.eth1.bond_state, f1.eth2.bond_state], ['active', 'backup']);

    // Traffic over the bond for 15 s; the active slave's cable is pulled 3 s in, and put back.
    await sshOk(g(), 'ping -n -i 0.2 -c 75 -W 1 192.0.2.2 > /tmp/tsplay-ping.log 2>&1 & echo $! > /tmp/tsplay-ping.pid');
    await until('the first ping replies', async () => /icmp_seq=/.test(await sshOk(g(), 'cat /tmp/tsplay-ping.log')));
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await monitor(g(), 'set_link h1a off'), '');
    await until('eth2 becomes the active slave', async () => /^Currently Active Slave: eth2$/m.test(await bonding()));
    const failed = await bonding();
    assert.match(slaveSection(failed, 'eth1'), /MII Status: down/, failed);
    assert.match(await sshOk(g(), 'dmesg'), /bond0: \(slave eth1\): link status definitely down, disabling slave[\s\S]*bond0: \(slave eth2\): making interface the new active one/);
    const f2 = await facts();
    assert.deepEqual([f2.bond0.active_slave, f2.eth1.bond_mii_status, f2.eth2.bond_state], ['eth2', 'down', 'active']);
    assert.equal(await monitor(g(), 'set_link h1a on'), '');
    await until('eth1 is up again', async () => /MII Status: up/.test(slaveSection(await bonding(), 'eth1')));
    await until('ping is done', async () => (await sshRun(g(), 'kill -0 "$(cat /tmp/tsplay-ping.pid)"')).rc !== 0, 60);
    const ping = await sshOk(g(), 'cat /tmp/tsplay-ping.log');
    const m = /(\d+) packets transmitted, (\d+) received/.exec(ping);
    assert.ok(m, ping);
    const seqs = [...ping.matchAll(/icmp_seq=(\d+)/g)].map((x) => Number(x[1]));
    // A failover costs a few replies at most, and replies carry on to the end.
    assert.ok(Number(m![2]) >= 68, `at most 7 of 75 lost: ${m![0]}`);
    assert.ok(Math.max(...seqs) >= 73, `replies to the end: last icmp_seq ${Math.max(...seqs)}`);
    console.log(`vm: failover: ${m![0]}`);
  } finally {
    await sshRun(g(), 'ip link del bond0; ip netns del tsplay-peer; rm -f /etc/network/interfaces.d/10-tsplay-bond0 /tmp/tsplay-ping.*; ip addr flush dev eth1; for i in 1 2 3 4; do ip link set eth$i down; done');
  }
});

/** What the KVM host's network is, live: comparable before and after a reboot. */
async function kvmState(): Promise<Record<string, unknown>> {
  const links = JSON.parse(await sshOk(g(), 'ip -d -j addr show')) as any[];
  const by = new Map(links.map((l) => [l.ifname, l]));
  const one = (name: string) => {
    const l = by.get(name);
    if (!l) return 'absent';
    const d = l.linkinfo?.info_data ?? {};
    const out: Record<string, unknown> = { kind: l.linkinfo?.info_kind ?? 'nic', up: l.flags.includes('UP'), master: l.master ?? null };
    if (out.kind === 'bond') Object.assign(out, { mode: d.mode, miimon: d.miimon });
    if (out.kind === 'vlan') Object.assign(out, { id: d.id, parent: l.link });
    if (out.kind === 'bridge') Object.assign(out, { stp: d.stp_state });
    const addrs = (l.addr_info ?? []).filter((a: any) => a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`);
    if (addrs.length) out.addresses = addrs;
    return out;
  };
  const names = ['eth1', 'eth2', 'bond0', 'bond0.16', 'bond0.32', 'bond0.48', 'vlan16', 'vlan32', 'vlan48'];
  const routes = (JSON.parse(await sshOk(g(), 'ip -j route show default')) as any[]).map((r) => `${r.gateway} dev ${r.dev}`);
  return { ...Object.fromEntries(names.map((n) => [n, one(n)])), default: routes };
}

const KVM_EXPECTED = {
  eth1: { kind: 'nic', up: true, master: 'bond0' },
  eth2: { kind: 'nic', up: true, master: 'bond0' },
  bond0: { kind: 'bond', up: true, master: null, mode: 'active-backup', miimon: 100 },
  'bond0.16': { kind: 'vlan', up: true, master: 'vlan16', id: 16, parent: 'bond0' },
  'bond0.32': { kind: 'vlan', up: true, master: 'vlan32', id: 32, parent: 'bond0' },
  'bond0.48': { kind: 'vlan', up: true, master: 'vlan48', id: 48, parent: 'bond0' },
  vlan16: { kind: 'bridge', up: true, master: null, stp: 0, addresses: ['192.168.16.10/24'] },
  vlan32: { kind: 'bridge', up: true, master: null, stp: 0, addresses: ['192.168.32.10/24'] },
  vlan48: { kind: 'bridge', up: true, master: null, stp: 0 },
  default: ['192.168.16.1 dev vlan16'],
};

/** Removes the KVM host's network, live and on disk, whatever backend wrote it. */
const KVM_CLEANUP = `
for l in vlan16 vlan32 vlan48 bond0.16 bond0.32 bond0.48 bond0; do ip link del "$l" 2>/dev/null; done
rm -f /etc/network/interfaces.d/*-tsplay-* /etc/NetworkManager/system-connections/tsplay-*
find /etc/systemd/network -name '*tsplay-*' ! -name 10-tsplay-mgmt.network -exec rm -rf {} +
for i in 1 2 3 4; do ip link set "eth$i" down; ip link set "eth$i" nomaster; done 2>/dev/null
:`;

for (const backend of ['ifupdown', 'networkd', 'networkmanager'] as const) {
  test(`kvm-host-vlans.yml with ${backend}: applied, changed=0 again, drift reported exactly, the same after a reboot`, { skip, timeout: 900_000 }, async () => {
    const KVM = join(PLAYBOOKS, 'kvm-host-vlans.yml');
    const extra = ['-e', `{"kvm_nics": ["eth1", "eth2"], "kvm_backend": "${backend}"}`];
    // On a real KVM host vlan16 has the only default route: the guest's management one goes for this test.
    await sshOk(g(), "sed -i 's/^Gateway=/#Gateway=/' /etc/systemd/network/10-tsplay-mgmt.network; ip route del default");
    if (backend === 'networkmanager') await sshOk(g(), 'systemctl unmask -q NetworkManager && systemctl enable -q --now NetworkManager', { timeoutMs: 120_000 });
    try {
      const first = await tsplay(['run', KVM, ...base(), ...extra, '--json']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const ev = events(first.stdout);
      assert.equal(ev.find((e) => e.kind === 'recap').stats[g().name].changed, 5, first.stdout);
      // vlan16 takes the default route, which may cut any connection: it ran under the guard
      // (systemd-run's timer here), was confirmed over a new connection, and left nothing behind.
      const gw = ev.find((e) => e.kind === 'host_result' && e.task.startsWith('vlan16'));
      assert.match(gw.result.msg, /; confirmed over a new connection to the same address$/, JSON.stringify(gw.result));
      assert.equal(await sshOk(g(), "systemctl list-units --all --no-legend 'tsplay-guard-*'; ls -d /tmp/tsplay-guard.* 2>/dev/null || :"), '');
      // NetworkManager brings the devices up on its own time.
      await until('the network is as asked', async () => JSON.stringify(await kvmState()) === JSON.stringify(KVM_EXPECTED)).catch(async (e) => {
        assert.deepEqual(await kvmState(), KVM_EXPECTED, String(e));
      });

      const second = await tsplay(['run', KVM, ...base(), ...extra]);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.deepEqual(recap(second.stdout)[g().name], { ok: 5, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, second.stdout);

      // tsplay render, contacting no host, writes the very files the run left on the guest.
      const rendered = await mkdtemp(join(tmpdir(), `tsplay-render-${backend}-`));
      const r = await tsplay(['render', KVM, '-i', g().inventory, ...extra, '-o', rendered]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const mine = (await readdirRecursive(join(rendered, g().name))).map((f) => `/${f}`).sort();
      const theirs = (await sshOk(g(), "find /etc/network/interfaces.d /etc/systemd/network /etc/NetworkManager/system-connections -type f -name '*tsplay-*' ! -name 10-tsplay-mgmt.network 2>/dev/null | sort")).trim().split('\n');
      const owned = mine.filter((f) => f.includes('tsplay-'));
      assert.deepEqual(owned, theirs, 'the files tsplay owns');
      const cat = async (f: string) => Buffer.from(await sshOk(g(), `base64 -w0 ${f}`), 'base64').toString('utf8');
      for (const f of owned) assert.equal(await readFile(join(rendered, g().name, f), 'utf8'), await cat(f), f);
      // A file tsplay only edits (ifupdown's /etc/network/interfaces) is rendered as on a host without it: its lines are in the guest's.
      for (const f of mine.filter((x) => !owned.includes(x))) {
        const lines = (await cat(f)).split('\n');
        for (const line of (await readFile(join(rendered, g().name, f), 'utf8')).split('\n')) assert.ok(lines.includes(line), `${f}: ${line}`);
      }

      // A hand-made drift no backend undoes by itself (networkd re-enslaves a port taken out of
      // its bridge): bond0's link monitor changed live. Check mode says exactly that, and moves nothing.
      await sshOk(g(), 'ip link set dev bond0 type bond miimon 250');
      const drifted = await kvmState();
      const check = await tsplay(['run', KVM, ...base(), ...extra, '--check', '--diff']);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.equal(recap(check.stdout)[g().name]!.changed, 1, check.stdout);
      assert.match(check.stdout, /TASK \[bond0 over the two NICs\] \*+\n--- before: live bond0\n\+\+\+ after: live bond0\n@@[^\n]*@@\n bond0: bond, up, mtu 1500\n-  mode active-backup, miimon 250, updelay 0, downdelay 0\n\+  mode active-backup, miimon 100, updelay 0, downdelay 0\n   slaves: eth1, eth2\n/);
      assert.equal((check.stdout.match(/^changed: /gm) ?? []).length, 1, `only the bond drifted: ${check.stdout}`);
      assert.deepEqual(await kvmState(), drifted, 'check mode changed nothing');
      const fix = await tsplay(['run', KVM, ...base(), ...extra]);
      assert.equal(recap(fix.stdout)[g().name]!.changed, 1, fix.stdout);

      // Persistence: a real reboot, and the backend builds the same network from its files.
      await rebootGuest(g());
      console.log(`vm: ${backend}: reboot to SSH ${g().bootSeconds.toFixed(1)} s`);
      await until('the network is back after the reboot', async () => JSON.stringify(await kvmState()) === JSON.stringify(KVM_EXPECTED), 60).catch(async (e) => {
        assert.deepEqual(await kvmState(), KVM_EXPECTED, String(e));
      });
      const after = await tsplay(['run', KVM, ...base(), ...extra]);
      assert.equal(recap(after.stdout)[g().name]!.changed, 0, after.stdout);
    } finally {
      if (backend === 'networkmanager') await sshRun(g(), 'systemctl disable -q --now NetworkManager; systemctl mask -q NetworkManager', { timeoutMs: 120_000 });
      await sshRun(g(), `${KVM_CLEANUP}\nsed -i 's/^#Gateway=/Gateway=/' /etc/systemd/network/10-tsplay-mgmt.network; networkctl reload; ip route replace default via 10.0.2.2 dev eth0`);
    }
  });
}

/** The files under `dir`, as paths relative to it. */
async function readdirRecursive(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await readdirRecursive(join(dir, e.name))).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out;
}

test('clonezilla: image-disk.yml saves a two-partition disk and restores it onto another, partitions equal; a second run changed=0; a smaller disk refused with nothing written', { skip: slow, timeout: 30 * 60_000 }, async () => {
  const PLAYBOOK = join(VM_DIR, '../../playbooks/image-disk.yml');
  const id = (name: string) => `/dev/disk/by-id/virtio-tsplay-cz-${name}`;
  const vars = (target: string) => ['-e', JSON.stringify({ image_name: 'vm-test', image_source: id('src'), image_target: id(target) })];
  const sums = async (disk: string) => (await sshOk(g(), `sha256sum ${disk}-part1 ${disk}-part2 | cut -d' ' -f1`)).trim();
  try {
    // Two ext4 partitions with data that does not compress away.
    await sshOk(g(), [
      `printf 'label: gpt\\nsize=40M, name=one\\nname=two\\n' | sfdisk -q ${id('src')}`,
      'udevadm settle',
      `mkfs.ext4 -q -L one ${id('src')}-part1 && mkfs.ext4 -q -L two ${id('src')}-part2`,
      `mkdir -p /mnt/cz && mount ${id('src')}-part1 /mnt/cz && head -c 8M /dev/urandom > /mnt/cz/blob && seq 100000 > /mnt/cz/seq && umount /mnt/cz`,
      `mount ${id('src')}-part2 /mnt/cz && head -c 4M /dev/urandom > /mnt/cz/blob && umount /mnt/cz && rmdir /mnt/cz`,
    ].join(' && '));
    const source = await sums(id('src'));

    // Check mode: the command it would run, and nothing written.
    const check = await tsplay(['run', PLAYBOOK, ...base(), ...vars('dst'), '-C', '-D']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /\+by: ocs-sr -b -nogui -or \/home\/partimag .* savedisk vm-test vdd/);
    assert.equal((await sshOk(g(), 'ls /home/partimag 2>/dev/null | grep -c vm-test || true')).trim(), '0');

    let t = Date.now();
    const first = await tsplay(['run', PLAYBOOK, ...base(), ...vars('dst'), '--json']);
    const seconds = (Date.now() - t) / 1000;
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const evs = events(first.stdout);
    const results = evs.filter((e) => e.kind === 'host_result' && e.module === 'clonezilla');
    assert.deepEqual(results.map((e) => e.status), ['changed', 'changed'], first.stdout);
    const [saved, restored] = results.map((e) => e.result);
    assert.ok(saved.image_bytes > 4_000_000 && saved.elapsed > 0, JSON.stringify(saved));
    const progress = evs.filter((e) => e.kind === 'progress');
    assert.ok(progress.some((e) => e.percent > 0), `progress events: ${JSON.stringify(progress)}`);
    assert.equal(await sums(id('dst')), source, 'the restored partitions are the saved ones, byte for byte');

    // Again: the image is complete and checked, the disk restored from it: nothing to do.
    t = Date.now();
    const again = await tsplay(['run', PLAYBOOK, ...base(), ...vars('dst')]);
    const againSeconds = (Date.now() - t) / 1000;
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(recap(again.stdout)[g().name]!.changed, 0, again.stdout);
    assert.match(again.stdout, /is a complete, checked image .*restore: vde already restored from \/home\/partimag\/vm-test/);

    // The smaller disk: refused before anything is written.
    const small = async () => (await sshOk(g(), `sha256sum ${id('small')} | cut -d' ' -f1`)).trim();
    const before = await small();
    const refused = await tsplay(['run', PLAYBOOK, ...base(), ...vars('small')]);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /virtio-tsplay-cz-small \(vdf, 67108864 bytes\) is smaller than vdd in the image \(100663296 bytes\): refused, nothing written/);
    assert.equal(await small(), before, 'nothing was written to the smaller disk');
    console.log(`vm: clonezilla: save + restore of a 96 MiB disk (2 ext4 partitions, ${(saved.image_bytes / 1e6).toFixed(1)} MB image) in ${seconds.toFixed(0)} s (save ${saved.elapsed} s, restore ${restored.elapsed} s, ${progress.length} progress events); second run changed=0 in ${againSeconds.toFixed(1)} s; the 64 MiB disk refused`);
  } finally {
    await sshRun(g(), `rm -rf /home/partimag/vm-test /var/lib/tsplay/clonezilla; for d in src dst small; do wipefs -q -a ${id('')}$d-part* ${id('')}$d 2>/dev/null; done; true`);
  }
});
