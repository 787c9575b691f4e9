/**
 * parseFacts on captured outputs of the fact script, with exact expected values:
 *
 *   debian12-vm.txt                     this Debian 12 machine, run as root (default v4 and v6 routes)
 *   debian12-netns-bridge-noroute.txt   the same machine inside a private network namespace, run as
 *                                       nobody: a real bridge with STP and two ports, an alias label,
 *                                       a point-to-point address, and no default route at all
 *   ubuntu2204-bond-vlan-bridge.txt     synthetic: an active-backup bond of eth0/eth1, VLAN 42 on the
 *                                       bond carrying both default routes, a bridge "br-lan" with a
 *                                       NIC and a tap, WireGuard, a down NIC (iproute2 JSON built from
 *                                       iproute2's print_opt code for bond, bond_slave, vlan, bridge)
 *   alpine319-busybox-ip.txt            synthetic: BusyBox ip without -j, OpenRC, apk, date without %N
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { factVars, parseFacts } from '../../src/facts/index.js';

const fixture = (name: string) => parseFacts(readFileSync(new URL(`../fixtures/facts/${name}`, import.meta.url), 'utf8'));

test('debian12-vm: platform, distribution, hardware', () => {
  const f = fixture('debian12-vm.txt');
  assert.equal(f.tsplay_warnings, undefined);
  assert.equal(f.hostname, 'vm');
  assert.equal(f.nodename, 'vm');
  assert.equal(f.fqdn, 'vm');
  assert.equal(f.domain, '');
  assert.equal(f.system, 'Linux');
  assert.equal(f.kernel, '6.18.44-fc-v669');
  assert.equal(f.kernel_version, '#1 SMP PREEMPT_DYNAMIC @0');
  assert.equal(f.architecture, 'x86_64');
  assert.equal(f.machine, 'x86_64');
  assert.equal(f.distribution, 'Debian');
  assert.equal(f.distribution_version, '12.11');
  assert.equal(f.distribution_major_version, '12');
  assert.equal(f.distribution_minor_version, '11');
  assert.equal(f.distribution_release, 'bookworm');
  assert.equal(f.os_family, 'Debian');
  assert.deepEqual(f.processor, ['0', 'AuthenticAMD', 'AMD EPYC', '1', 'AuthenticAMD', 'AMD EPYC']);
  assert.equal(f.processor_count, 1);
  assert.equal(f.processor_cores, 2);
  assert.equal(f.processor_threads_per_core, 1);
  assert.equal(f.processor_vcpus, 2);
  assert.equal(f.processor_nproc, 2);
  assert.equal(f.memtotal_mb, 24105);
  assert.equal(f.memfree_mb, 23387);
  assert.equal(f.swaptotal_mb, 0);
  assert.equal(f.swapfree_mb, 0);
  assert.deepEqual(f.memory_mb, {
    real: { total: 24105, used: 718, free: 23387 },
    nocache: { free: 23653, used: 452 },
    swap: { total: 0, free: 0, used: 0, cached: 0 },
  });
  const sizes = {
    size_total: 270553174016,
    size_available: 84963725312,
    block_size: 4096,
    block_total: 66053021,
    block_available: 20743097,
    block_used: 45309924,
    inode_total: 16777216,
    inode_available: 16326216,
    inode_used: 451000,
  };
  assert.deepEqual(f.mounts, [
    { mount: '/', device: '/dev/vda', fstype: 'ext4', options: 'rw,relatime,discard,resv_strict,resuid=65534,resgid=65534', ...sizes },
    { mount: '/run/netns', device: '/dev/vda', fstype: 'ext4', options: 'rw,relatime,discard,resv_strict,resuid=65534,resgid=65534,bind', ...sizes },
  ]);
});

test('debian12-vm: network', () => {
  const f = fixture('debian12-vm.txt');
  assert.deepEqual(f.interfaces, ['lo', 'ifb0', 'ifb1', 'eth0']);
  assert.deepEqual(f.lo, {
    device: 'lo',
    mtu: 65536,
    active: true,
    type: 'loopback',
    promisc: false,
    ipv4: { address: '127.0.0.1', broadcast: '', netmask: '255.0.0.0', network: '127.0.0.0', prefix: '8' },
    ipv6: [{ address: '::1', prefix: '128', scope: 'host' }],
  });
  assert.deepEqual(f.ifb0, { device: 'ifb0', macaddress: '12:12:ea:85:c5:63', mtu: 1500, active: false, type: 'ether', kind: 'ifb', promisc: false });
  assert.deepEqual(f.eth0, {
    device: 'eth0',
    macaddress: '02:fc:00:00:00:01',
    mtu: 1400,
    active: true,
    type: 'ether',
    pciid: 'virtio2',
    speed: -1,
    promisc: false,
    ipv4: { address: '192.0.2.2', broadcast: '192.0.2.255', netmask: '255.255.255.0', network: '192.0.2.0', prefix: '24' },
    ipv6: [
      { address: 'fd00::2', prefix: '64', scope: 'global' },
      { address: 'fe80::fc:ff:fe00:1', prefix: '64', scope: 'link' },
    ],
  });
  assert.deepEqual(f.default_ipv4, {
    interface: 'eth0',
    address: '192.0.2.2',
    gateway: '192.0.2.1',
    broadcast: '192.0.2.255',
    netmask: '255.255.255.0',
    network: '192.0.2.0',
    prefix: '24',
    macaddress: '02:fc:00:00:00:01',
    mtu: 1400,
    type: 'ether',
    alias: 'eth0',
  });
  assert.deepEqual(f.default_ipv6, {
    interface: 'eth0',
    address: 'fd00::2',
    gateway: 'fd00::1',
    prefix: '64',
    scope: 'global',
    macaddress: '02:fc:00:00:00:01',
    mtu: 1400,
    type: 'ether',
  });
  assert.deepEqual(f.all_ipv4_addresses, ['192.0.2.2']);
  assert.deepEqual(f.all_ipv6_addresses, ['fd00::2', 'fe80::fc:ff:fe00:1']);
});

test('debian12-vm: system', () => {
  const f = fixture('debian12-vm.txt');
  assert.equal(f.service_mgr, 'process_api'); // /proc/1/comm, as Ansible reports it
  assert.equal(f.pkg_mgr, 'apt');
  assert.equal(f.user_id, 'root');
  assert.equal(f.user_uid, 0);
  assert.equal(f.user_gid, 0);
  assert.equal(f.user_gecos, 'root');
  assert.equal(f.user_dir, '/root');
  assert.equal(f.user_shell, '/bin/bash');
  assert.equal(f.effective_user_id, 0);
  assert.deepEqual(f.env, {
    HOME: '/root',
    LANG: 'C.UTF-8',
    LOGNAME: 'root',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    PWD: '/tmp',
    SHELL: '/bin/bash',
    TERM: 'xterm',
    USER: 'root',
  });
  assert.deepEqual(f.date_time, {
    year: '2026',
    month: '11',
    weekday: 'Sunday',
    weekday_number: '0',
    weeknumber: '46',
    day: '22',
    hour: '04',
    minute: '10',
    second: '19',
    epoch: '1795320619',
    epoch_int: '1795320619',
    date: '2026-11-22',
    time: '04:10:19',
    iso8601_micro: '2026-11-22T04:10:19.348535Z',
    iso8601: '2026-11-22T04:10:19Z',
    iso8601_basic: '20261122T041019348535',
    iso8601_basic_short: '20261122T041019',
    tz: 'UTC',
    tz_dst: 'UTC',
    tz_offset: '+0000',
  });
  assert.deepEqual(f.dns, { nameservers: ['10.255.255.53'] });
  assert.equal(f.machine_id, '3d1219c7c4c5404aaa1f6d2a48adfda4');
  assert.equal(f.uptime_seconds, 2485);
  assert.deepEqual(f.loadavg, { '1m': 3.34, '5m': 3.37, '15m': 1.9 });
  assert.equal(f.fips, false);
  assert.deepEqual(f.selinux, { status: 'disabled' });
  assert.deepEqual(f.apparmor, { status: 'disabled' });
  assert.equal(f.cmdline.console, 'ttyS0');
  assert.equal(f.cmdline.quiet, true);
  assert.equal(f.proc_cmdline.rdinit, '/process_api');
  assert.equal(f.python, undefined, 'no Python facts');
});

test('netns capture: bridge ports, alias label, point-to-point, no default route, non-root user', () => {
  const f = fixture('debian12-netns-bridge-noroute.txt');
  assert.equal(f.tsplay_warnings, undefined);
  assert.deepEqual(f.default_ipv4, {});
  assert.deepEqual(f.default_ipv6, {});
  assert.deepEqual(f.interfaces, ['lo', 'br-test', 'br-test_web', 'veth1', 'veth0', 'tap0b', 'tap0a']);
  // "-" in a name becomes "_" in the fact's key, as in Ansible; `device` keeps the real name.
  assert.equal(f['br-test'], undefined);
  assert.deepEqual(f.br_test, {
    device: 'br-test',
    macaddress: '4a:e6:c5:93:22:ac',
    mtu: 1500,
    active: false,
    type: 'bridge',
    kind: 'bridge',
    interfaces: ['veth0', 'tap0a'],
    id: '8000.4ae6c59322ac',
    stp: true,
    speed: 10000,
    promisc: false,
    ipv4: { address: '192.168.50.1', broadcast: '192.168.50.255', netmask: '255.255.255.0', network: '192.168.50.0', prefix: '24' },
    ipv6: [{ address: 'fd50::1', prefix: '64', scope: 'global' }],
    ipv4_secondaries: [{ address: '192.168.50.11', broadcast: '192.168.50.255', netmask: '255.255.255.0', network: '192.168.50.0', prefix: '24' }],
  });
  // An address labelled br-test:web gets an entry of its own, holding only that address.
  assert.deepEqual(f.br_test_web, {
    ipv4_secondaries: [{ address: '192.168.50.11', broadcast: '192.168.50.255', netmask: '255.255.255.0', network: '192.168.50.0', prefix: '24' }],
  });
  assert.deepEqual(f.veth0, {
    device: 'veth0',
    macaddress: '4a:e6:c5:93:22:ac',
    mtu: 1500,
    active: true,
    type: 'ether',
    kind: 'veth',
    master: 'br-test',
    speed: 10000,
    promisc: true, // a bridge port is promiscuous
    ipv6: [{ address: 'fe80::48e6:c5ff:fe93:22ac', prefix: '64', scope: 'link' }],
  });
  assert.equal(f.tap0a.master, 'br-test');
  assert.equal(f.tap0b.active, false);
  assert.equal(f.tap0b.speed, undefined); // a link that is down has no readable speed
  assert.deepEqual(f.veth1.ipv4, { address: '10.99.0.1', broadcast: '', netmask: '255.255.255.255', network: '10.99.0.1', prefix: '32' });
  assert.deepEqual(f.all_ipv4_addresses, ['192.168.50.1', '192.168.50.11', '10.99.0.1']);
  assert.deepEqual(f.all_ipv6_addresses, ['fd50::1', 'fe80::c463:e1ff:fedb:6c2c', 'fe80::48e6:c5ff:fe93:22ac']);
  assert.equal(f.user_id, 'nobody');
  assert.equal(f.user_uid, 65534);
  assert.equal(f.user_gid, 65534);
  assert.equal(f.user_dir, '/nonexistent');
  assert.equal(f.user_shell, '/usr/sbin/nologin');
  assert.equal(f.real_user_id, 65534);
  const vars = factVars(f);
  assert.equal(vars.ansible_br_test, f.br_test);
  assert.deepEqual(vars.ansible_default_ipv4, {});
});

test('synthetic: bond with slaves, VLAN on the bond, bridge, wireguard', () => {
  const f = fixture('ubuntu2204-bond-vlan-bridge.txt');
  assert.equal(f.tsplay_warnings, undefined);
  assert.deepEqual(f.interfaces, ['lo', 'eth0', 'eth1', 'eth2', 'bond0', 'bond0.42', 'br-lan', 'br-lan_1', 'vnet0', 'wg0', 'eth3']);
  assert.deepEqual(f.bond0, {
    device: 'bond0',
    macaddress: '52:54:00:aa:00:01',
    mtu: 1500,
    active: true,
    type: 'bonding',
    kind: 'bond',
    slaves: ['eth0', 'eth1'],
    mode: 'active-backup',
    miimon: '100',
    lacp_rate: 'slow',
    active_slave: 'eth0',
    primary: 'eth0',
    all_slaves_active: false,
    speed: 10000,
    promisc: false,
    ipv6: [{ address: 'fe80::5054:ff:feaa:1', prefix: '64', scope: 'link' }],
  });
  assert.deepEqual(f.eth1, {
    device: 'eth1',
    macaddress: '52:54:00:aa:00:01',
    mtu: 1500,
    active: true,
    type: 'ether',
    perm_macaddress: '52:54:00:aa:00:02',
    bond_mii_status: 'up',
    bond_state: 'backup',
    master: 'bond0',
    pciid: '0000:00:04.0',
    speed: 10000,
    promisc: false,
  });
  assert.deepEqual(f['bond0.42'], {
    device: 'bond0.42',
    macaddress: '52:54:00:aa:00:01',
    mtu: 1500,
    active: true,
    type: 'ether', // Ansible's type for a VLAN; kind says what it is
    kind: 'vlan',
    parent: 'bond0',
    vlan_id: 42,
    speed: 10000,
    promisc: false,
    ipv4: { address: '10.42.0.5', broadcast: '10.42.0.255', netmask: '255.255.255.0', network: '10.42.0.0', prefix: '24' },
    ipv6: [
      { address: '2001:db8:42::5', prefix: '64', scope: 'global' },
      { address: 'fe80::5054:ff:feaa:1', prefix: '64', scope: 'link' },
    ],
    ipv4_secondaries: [{ address: '10.42.0.6', broadcast: '10.42.0.255', netmask: '255.255.255.0', network: '10.42.0.0', prefix: '24' }],
  });
  assert.deepEqual(f.br_lan.interfaces, ['eth2', 'vnet0']);
  assert.equal(f.br_lan.type, 'bridge');
  assert.equal(f.br_lan.id, '8000.525400bb0001');
  assert.equal(f.br_lan.stp, true);
  assert.equal(f.eth2.master, 'br-lan');
  assert.equal(f.eth2.promisc, true);
  assert.equal(f.vnet0.kind, 'tun');
  assert.deepEqual(f.wg0, {
    device: 'wg0',
    mtu: 1420,
    active: true,
    type: 'tunnel',
    kind: 'wireguard',
    promisc: false,
    ipv4: { address: '10.8.0.1', broadcast: '', netmask: '255.255.255.0', network: '10.8.0.0', prefix: '24' },
  });
  assert.deepEqual(f.eth3, { device: 'eth3', macaddress: '52:54:00:cc:00:01', mtu: 1500, active: false, type: 'ether', pciid: '0000:00:06.0', promisc: false });
  assert.deepEqual(f.default_ipv4, {
    interface: 'bond0.42',
    address: '10.42.0.5',
    gateway: '10.42.0.1',
    broadcast: '10.42.0.255',
    netmask: '255.255.255.0',
    network: '10.42.0.0',
    prefix: '24',
    macaddress: '52:54:00:aa:00:01',
    mtu: 1500,
    type: 'ether',
    alias: 'bond0.42',
  });
  assert.deepEqual(f.default_ipv6, {
    interface: 'bond0.42',
    address: '2001:db8:42::5',
    gateway: 'fe80::1',
    prefix: '64',
    scope: 'global',
    macaddress: '52:54:00:aa:00:01',
    mtu: 1500,
    type: 'ether',
  });
  assert.deepEqual(f.all_ipv4_addresses, ['10.42.0.5', '10.42.0.6', '192.168.100.1', '192.168.100.2', '10.8.0.1']);
  assert.deepEqual(f.all_ipv6_addresses, ['fe80::5054:ff:feaa:1', '2001:db8:42::5', 'fe80::5054:ff:feaa:1', 'fe80::5054:ff:febb:1', 'fe80::fc54:ff:fe12:3456']);
  const vars = factVars(f);
  assert.equal(vars['ansible_bond0.42'], f['bond0.42']);
  assert.equal((vars.ansible_facts as any).bond0.slaves.length, 2);
});

test('synthetic: Ubuntu host facts', () => {
  const f = fixture('ubuntu2204-bond-vlan-bridge.txt');
  assert.equal(f.hostname, 'web1');
  assert.equal(f.fqdn, 'web1.example.com');
  assert.equal(f.domain, 'example.com');
  assert.equal(f.distribution, 'Ubuntu');
  assert.equal(f.distribution_version, '22.04');
  assert.equal(f.distribution_major_version, '22');
  assert.equal(f.distribution_minor_version, '04');
  assert.equal(f.distribution_release, 'jammy');
  assert.equal(f.os_family, 'Debian');
  assert.equal(f.service_mgr, 'systemd');
  assert.equal(f.pkg_mgr, 'apt');
  assert.equal(f.processor_count, 2);
  assert.equal(f.processor_cores, 4);
  assert.equal(f.processor_threads_per_core, 2);
  assert.equal(f.processor_vcpus, 16);
  assert.equal(f.processor_nproc, 16);
  assert.equal(f.memtotal_mb, 15932);
  assert.equal(f.memfree_mb, 7933);
  assert.equal(f.swaptotal_mb, 2047);
  assert.equal(f.swapfree_mb, 1953);
  assert.deepEqual(f.memory_mb.swap, { total: 2047, free: 1953, used: 94, cached: 0 });
  assert.equal(f.user_id, 'deploy');
  assert.equal(f.user_uid, 1000);
  assert.equal(f.user_gecos, 'Deploy User,,,');
  assert.equal(f.env.MOTD, "it's\ntwo lines");
  assert.equal(f.env.SSH_CLIENT, '192.0.2.10 51234 22');
  assert.ok(!('UNSET_BUT_EXPORTED' in f.env));
  assert.deepEqual(f.dns, { nameservers: ['127.0.0.53'], options: { edns0: true, 'trust-ad': true }, search: ['example.com', 'corp.example.com'] });
  assert.equal(f.date_time.iso8601, '2024-06-01T12:00:00Z');
  assert.equal(f.date_time.iso8601_micro, '2024-06-01T12:00:00.123456Z');
  assert.equal(f.date_time.iso8601_basic, '20240601T140000123456');
  assert.equal(f.date_time.time, '14:00:00');
  assert.equal(f.date_time.tz, 'CEST');
  assert.equal(f.date_time.tz_offset, '+0200');
  assert.deepEqual(f.apparmor, { status: 'enabled' });
  assert.deepEqual(f.proc_cmdline.console, ['tty0', 'ttyS0,115200n8']);
  assert.equal(f.cmdline.console, 'ttyS0,115200n8');
  assert.deepEqual(
    (f.mounts as any[]).map((m) => [m.mount, m.device, m.fstype, m.options, m.size_total ?? null]),
    [
      ['/', '/dev/sda1', 'ext4', 'rw,relatime,errors=remount-ro', 31024218112],
      ['/boot/efi', '/dev/sda15', 'vfat', 'rw,relatime,fmask=0077,dmask=0077', 109395456],
      ['/srv/my data', '/dev/sdb1', 'xfs', 'rw,noatime', 107374182400],
      ['/home', 'nas.example.com:/export/home', 'nfs4', 'rw,relatime,vers=4.2,hard,proto=tcp', 107374182400],
      ['/snap/core22/1380', '/dev/loop3', 'squashfs', 'ro,nodev,relatime', 76546048],
      ['/var/www', '/dev/sdb1', 'xfs', 'rw,noatime,bind', 107374182400],
    ],
  );
});

test('synthetic: BusyBox ip without -j degrades to empty network facts and a warning', () => {
  const f = fixture('alpine319-busybox-ip.txt');
  assert.deepEqual(f.interfaces, []);
  assert.deepEqual(f.default_ipv4, {});
  assert.deepEqual(f.default_ipv6, {});
  assert.deepEqual(f.all_ipv4_addresses, []);
  assert.deepEqual(f.all_ipv6_addresses, []);
  assert.equal(f.tsplay_warnings.length, 1);
  assert.equal(f.tsplay_warnings[0], "network facts are empty: this host's ip cannot print JSON (ip -j): BusyBox v1.36.1 (2023-11-07 18:53:09 UTC) multi-call binary.");
  assert.equal(f.distribution, 'Alpine');
  assert.equal(f.distribution_version, '3.19.1');
  assert.equal(f.distribution_major_version, '3');
  assert.equal(f.distribution_release, 'NA');
  assert.equal(f.os_family, 'Alpine');
  assert.equal(f.service_mgr, 'openrc'); // /proc/1/comm is "init": not trusted, /sbin/openrc decides
  assert.equal(f.pkg_mgr, 'apk');
  assert.equal(f.fqdn, 'alpine1'); // hostname -f printed nothing
  assert.equal(f.memtotal_mb, 488);
  assert.equal(f.date_time.iso8601_micro, '2024-01-26T12:00:00.000000Z');
  assert.equal(f.user_shell, '/bin/ash');
  assert.deepEqual(f.dns, { nameservers: ['192.0.2.53', '192.0.2.54'], domain: 'lan' });
  assert.equal(factVars(f).ansible_tsplay_warnings, f.tsplay_warnings);
});
