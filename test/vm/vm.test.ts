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
import { join } from 'node:path';
import { events, recap, tsplay } from '../helpers/cli.js';
import { bootGuest, buildImage, type Guest, sshOk, stopGuest, VM_DIR, vmSkipReason } from './guest.js';

const skip = vmSkipReason();
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
