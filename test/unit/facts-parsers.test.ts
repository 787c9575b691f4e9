/** The pieces of fact parsing, one at a time, and the script under other POSIX shells. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factsScript, factVars, parseFacts } from '../../src/facts/index.js';
import { distributionFacts, parseOsRelease } from '../../src/facts/distribution.js';
import { cpuFacts, memoryFacts, mountFacts, parseBindMounts, parseStatFs, unescapeMountField } from '../../src/facts/hardware.js';
import { interfaceFactKey, netmaskOf, networkFacts, networkOf } from '../../src/facts/network.js';
import { SECTION_MARK } from '../../src/facts/script.js';
import { splitSections } from '../../src/facts/sections.js';
import { cmdlineFacts, dnsFacts, parseExportP, parseId, pkgMgr, serviceMgr, type ProbeInfo } from '../../src/facts/system.js';

const section = (name: string, body: string): string => `\n${SECTION_MARK} ${name}\n${body}`;
const minimal = (extra = ''): string => section('version', '1\n') + extra + section('end', '');

test('sections: noise before the first mark, CRLF, data without a final newline', () => {
  const out = 'Welcome to host!\n' + section('a', 'one\ntwo') + section('b', 'x\ny\n') + section('end', '');
  const s = splitSections(out.replace(/\n/g, '\r\n'));
  assert.equal(s.get('a'), 'one\ntwo');
  assert.equal(s.get('b'), 'x\ny\n');
  assert.equal(s.get('end'), '');
  assert.deepEqual([...s.keys()], ['a', 'b', 'end']);
});

test('parseFacts refuses output that is not complete', () => {
  assert.throws(() => parseFacts(''), /nothing recognizable/);
  assert.throws(() => parseFacts('sh: 1: syntax error'), /nothing recognizable/);
  assert.throws(() => parseFacts(section('version', '1\n') + section('env', "export A='b'\n")), /incomplete/);
  assert.throws(() => parseFacts(section('version', '99\n') + section('end', '')), /version 99/);
  // A complete but empty output gives defaults, not an exception.
  const f = parseFacts(minimal());
  assert.equal(f.distribution, 'OtherLinux');
  assert.equal(f.service_mgr, 'service');
  assert.equal(f.pkg_mgr, 'unknown');
  assert.deepEqual(f.interfaces, []);
  assert.deepEqual(f.mounts, []);
});

test('parseFacts: unparsable ip JSON leaves network facts empty with a warning', () => {
  const f = parseFacts(minimal(section('ip_addr', '[{"ifname": "eth0", oops\n')));
  assert.deepEqual(f.interfaces, []);
  assert.deepEqual(f.default_ipv4, {});
  assert.match(f.tsplay_warnings[0], /cannot parse the output of ip -j/);
});

test('export -p as printed by dash/ash and by bash --posix', () => {
  assert.deepEqual(parseExportP(`export A='x y'\nexport B='it'"'"'s'\nexport C='multi\nline'\nexport PATH='/usr/bin:/bin'\n`), {
    A: 'x y',
    B: "it's",
    C: 'multi\nline',
    PATH: '/usr/bin:/bin',
  });
  const bash = [
    'export A="x y"',
    `export B="it's"`,
    `export C=$'multi\\nline\\ttab\\x41\\101\\''`,
    'export D="a\\"b\\$c\\\\d\\`e"',
    'export OLDPWD',
    'declare -x E="e"',
    'export PWD="/tmp"',
  ].join('\n');
  assert.deepEqual(parseExportP(bash), { A: 'x y', B: "it's", C: "multi\nline\ttabAA'", D: 'a"b$c\\d`e', E: 'e', PWD: '/tmp' });
  // The real thing, under both shells.
  const env = { PATH: '/usr/bin:/bin', A: 'x y', B: "it's", C: 'multi\nline', D: 'a"b$c\\d`e', E: 'ünï\tcode' };
  for (const shell of ['/bin/sh', '/bin/bash']) {
    if (!existsSync(shell)) continue;
    // argv0 "sh": bash in POSIX mode, as /bin/sh is on Red Hat systems.
    const out = spawnSync(shell, ['-c', 'export -p'], { env, encoding: 'utf8', argv0: 'sh' }).stdout;
    const parsed = parseExportP(out);
    for (const [k, v] of Object.entries(env)) assert.equal(parsed[k], v, `${shell} ${k}`);
  }
});

test('id output', () => {
  assert.deepEqual(parseId('uid=1000(bob) gid=1000(bob) groups=1000(bob),27(sudo)'), { uid: 1000, gid: 1000, name: 'bob' });
  assert.deepEqual(parseId('uid=1000(bob) gid=100(users) euid=0(root) egid=0(root) groups=100(users)'), {
    uid: 1000,
    gid: 100,
    euid: 0,
    egid: 0,
    name: 'bob',
  });
  assert.deepEqual(parseId('uid=4242 gid=4242 groups=4242'), { uid: 4242, gid: 4242 });
});

const osRelease = (s: string): string[] => s.trim().split('\n');

test('distribution names, versions and families as Ansible reports them', () => {
  const cases: [string, Parameters<typeof distributionFacts>[0], Record<string, string>][] = [
    ['RHEL 9', { osRelease: osRelease('ID="rhel"\nVERSION_ID="9.3"\nVERSION="9.3 (Plow)"\nID_LIKE="fedora"') },
      { distribution: 'RedHat', distribution_version: '9.3', distribution_major_version: '9', distribution_release: 'Plow', os_family: 'RedHat' }],
    ['Rocky 9', { osRelease: osRelease('ID="rocky"\nVERSION_ID="9.2"\nVERSION="9.2 (Blue Onyx)"') },
      { distribution: 'Rocky', distribution_version: '9.2', distribution_release: 'Blue Onyx', os_family: 'RedHat' }],
    ['AlmaLinux 8', { osRelease: osRelease('ID="almalinux"\nVERSION_ID="8.9"\nVERSION="8.9 (Midnight Oncilla)"') },
      { distribution: 'AlmaLinux', distribution_major_version: '8', os_family: 'RedHat' }],
    ['CentOS 7', { osRelease: osRelease('ID="centos"\nVERSION_ID="7"\nVERSION="7 (Core)"'), centosRelease: ['CentOS Linux release 7.9.2009 (Core)'] },
      { distribution: 'CentOS', distribution_version: '7.9', distribution_major_version: '7', distribution_release: 'Core', os_family: 'RedHat' }],
    ['Fedora 39', { osRelease: osRelease('ID=fedora\nVERSION_ID=39\nVERSION="39 (Container Image)"\nVERSION_CODENAME=""') },
      { distribution: 'Fedora', distribution_version: '39', distribution_release: '', os_family: 'RedHat' }],
    ['Amazon 2023', { osRelease: osRelease('ID="amzn"\nVERSION_ID="2023"\nID_LIKE="fedora"') },
      { distribution: 'Amazon', distribution_version: '2023', os_family: 'RedHat' }],
    ['Oracle 8', { osRelease: osRelease('ID="ol"\nVERSION_ID="8.9"') }, { distribution: 'OracleLinux', os_family: 'RedHat' }],
    ['Debian 11', { osRelease: osRelease('ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye'), debianVersion: ['11.9'] },
      { distribution: 'Debian', distribution_version: '11.9', distribution_major_version: '11', distribution_minor_version: '9', distribution_release: 'bullseye', os_family: 'Debian' }],
    ['Raspbian', { osRelease: osRelease('ID=raspbian\nID_LIKE=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye'), debianVersion: ['11.7'] },
      { distribution: 'Debian', distribution_version: '11.7', os_family: 'Debian' }],
    ['Ubuntu 24.04', { osRelease: osRelease('ID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble'), debianVersion: ['trixie/sid'] },
      { distribution: 'Ubuntu', distribution_version: '24.04', distribution_major_version: '24', distribution_release: 'noble', os_family: 'Debian' }],
    ['Mint', { osRelease: osRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\nVERSION_CODENAME=virginia') },
      { distribution: 'Linux Mint', os_family: 'Debian' }],
    ['Pop', { osRelease: osRelease('ID=pop\nID_LIKE="ubuntu debian"\nVERSION_ID="22.04"') }, { distribution: 'Pop!_OS', os_family: 'Debian' }],
    ['openSUSE Leap', { osRelease: osRelease('ID="opensuse-leap"\nVERSION_ID="15.5"\nID_LIKE="suse opensuse"') },
      { distribution: 'openSUSE Leap', distribution_version: '15.5', os_family: 'Suse' }],
    ['SLES', { osRelease: osRelease('ID="sles"\nVERSION_ID="15.5"\nVERSION="15-SP5"') }, { distribution: 'SLES', os_family: 'Suse' }],
    ['Arch', { osRelease: osRelease('ID=arch\nBUILD_ID=rolling') },
      { distribution: 'Archlinux', distribution_version: 'NA', distribution_major_version: 'NA', distribution_release: 'NA', os_family: 'Archlinux' }],
    ['Alpine', { osRelease: osRelease('ID=alpine\nVERSION_ID=3.19.1'), alpineRelease: ['3.19.1'] },
      { distribution: 'Alpine', distribution_version: '3.19.1', os_family: 'Alpine' }],
    ['Gentoo', { osRelease: osRelease('ID=gentoo\nVERSION_ID=2.14') }, { distribution: 'Gentoo', os_family: 'Gentoo' }],
    // Unknown distributions: capitalized ID; the family follows ID_LIKE, else is the distribution.
    ['unknown, like ubuntu', { osRelease: osRelease('ID=rhino\nID_LIKE="ubuntu debian"\nVERSION_ID=2024') }, { distribution: 'Rhino', os_family: 'Debian' }],
    ['unknown, like rhel', { osRelease: osRelease('ID=acme\nID_LIKE="rhel centos fedora"\nVERSION_ID=9') }, { distribution: 'Acme', os_family: 'RedHat' }],
    ['unknown', { osRelease: osRelease('ID=nixos\nVERSION_ID="23.11"') }, { distribution: 'NixOS', os_family: 'NixOS' }],
    ['no os-release, RHEL 6', { redhatRelease: ['Red Hat Enterprise Linux Server release 6.10 (Santiago)'] },
      { distribution: 'RedHat', distribution_version: '6.10', distribution_major_version: '6', distribution_release: 'Santiago', os_family: 'RedHat' }],
    ['nothing at all', {}, { distribution: 'OtherLinux', distribution_version: 'NA', os_family: 'OtherLinux' }],
  ];
  for (const [label, input, expected] of cases) {
    const got = distributionFacts(input);
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${label}: ${k}`);
  }
});

test('os-release values: quotes and escapes', () => {
  assert.deepEqual(parseOsRelease(['A="x \\"y\\" \\$z"', "B='single'", 'C=plain', '# comment', 'bad line', '  D="trimmed"  ']), {
    A: 'x "y" $z',
    B: 'single',
    C: 'plain',
    D: 'trimmed',
  });
});

const probes = (paths: string[], commands: string[] = [], initLink?: string): ProbeInfo => ({ exists: new Set(paths), commands: new Set(commands), initLink });

test('service_mgr as Ansible decides it', () => {
  assert.equal(serviceMgr('systemd', probes([])), 'systemd');
  assert.equal(serviceMgr('procd', probes([])), 'openwrt_init');
  assert.equal(serviceMgr('runit-init', probes([])), 'runit');
  assert.equal(serviceMgr('tini', probes(['/etc/init.d/'])), 'tini');
  // "init" and shells are not trusted: look at the system.
  assert.equal(serviceMgr('init', probes(['/run/systemd/system/', '/etc/init.d/'], ['systemctl'])), 'systemd');
  assert.equal(serviceMgr('init', probes(['/run/systemd/system/'])), 'service', 'systemd needs systemctl');
  assert.equal(serviceMgr('init', probes(['/etc/init/', '/etc/init.d/'], ['initctl'])), 'upstart');
  assert.equal(serviceMgr('init', probes(['/sbin/openrc', '/etc/init.d/'])), 'openrc');
  assert.equal(serviceMgr('bash', probes(['/etc/init.d/'], ['systemctl'], '/lib/systemd/systemd')), 'systemd');
  assert.equal(serviceMgr('sh', probes(['/etc/init.d/'])), 'sysvinit');
  assert.equal(serviceMgr(undefined, probes([], [], '/sbin/upstart')), 'upstart');
  assert.equal(serviceMgr('init', probes([])), 'service');
});

test('pkg_mgr as Ansible decides it', () => {
  const d = (distribution: string, os_family: string, distribution_major_version: string) => ({ distribution, os_family, distribution_major_version });
  assert.equal(pkgMgr(probes(['/usr/bin/yum']), d('CentOS', 'RedHat', '7')), 'yum');
  assert.equal(pkgMgr(probes(['/usr/bin/yum', '/usr/bin/dnf']), d('Rocky', 'RedHat', '9')), 'dnf');
  assert.equal(pkgMgr(probes(['/usr/bin/yum', '/usr/bin/dnf']), d('Fedora', 'RedHat', '39')), 'dnf');
  assert.equal(pkgMgr(probes(['/usr/bin/yum']), d('Amazon', 'RedHat', '2')), 'yum');
  assert.equal(pkgMgr(probes(['/usr/bin/dnf', '/usr/bin/yum']), d('Amazon', 'RedHat', '2023')), 'dnf');
  assert.equal(pkgMgr(probes(['/run/ostree-booted', '/usr/bin/rpm-ostree', '/usr/bin/dnf']), d('Fedora', 'RedHat', '39')), 'atomic_container');
  assert.equal(pkgMgr(probes(['/usr/bin/apt-get', '/usr/bin/yum']), d('Debian', 'Debian', '12')), 'apt');
  assert.equal(pkgMgr(probes(['/usr/bin/zypper']), d('openSUSE Leap', 'Suse', '15')), 'zypper');
  assert.equal(pkgMgr(probes(['/sbin/apk']), d('Alpine', 'Alpine', '3')), 'apk');
  assert.equal(pkgMgr(probes(['/usr/bin/pacman']), d('Archlinux', 'Archlinux', 'NA')), 'pacman');
  assert.equal(pkgMgr(probes([]), d('Acme', 'Acme', '1')), 'unknown');
});

test('cpu facts: x86 with hyperthreads, ARM', () => {
  const x86: string[] = [];
  for (let p = 0; p < 8; p++) {
    x86.push(`processor\t: ${p}`, 'vendor_id\t: GenuineIntel', 'model name\t: Xeon', 'physical id\t: 0', 'siblings\t: 8', `core id\t\t: ${p % 4}`, 'cpu cores\t: 4');
  }
  const f = cpuFacts(x86, 'x86_64', 8);
  assert.deepEqual([f.processor_count, f.processor_cores, f.processor_threads_per_core, f.processor_vcpus, f.processor_nproc], [1, 4, 2, 8, 8]);
  assert.equal(f.processor.length, 24);
  // aarch64 /proc/cpuinfo has no vendor_id, physical id or cpu cores.
  const arm = ['processor\t: 0', 'processor\t: 1', 'processor\t: 2', 'processor\t: 3'];
  const a = cpuFacts(arm, 'aarch64', 4);
  assert.deepEqual([a.processor_count, a.processor_cores, a.processor_threads_per_core, a.processor_vcpus, a.processor_nproc], [4, 1, 1, 4, 4]);
  assert.equal(cpuFacts(arm, 'aarch64', undefined).processor_nproc, 4);
});

test('memory facts', () => {
  const m = memoryFacts(['MemTotal:        2048000 kB', 'MemFree:          512000 kB', 'Buffers:           10240 kB', 'Cached:           102400 kB', 'SwapTotal:        1048576 kB', 'SwapFree:          524288 kB', 'SwapCached:          1024 kB', 'Active:   1 kB']);
  assert.deepEqual(m, {
    memtotal_mb: 2000,
    memfree_mb: 500,
    swaptotal_mb: 1024,
    swapfree_mb: 512,
    memory_mb: { real: { total: 2000, used: 1500, free: 500 }, nocache: { free: 610, used: 1390 }, swap: { total: 1024, free: 512, used: 512, cached: 1 } },
  });
  assert.deepEqual(memoryFacts([]), {});
});

test('mounts: Ansible filter, octal escapes, sizes, bind mounts', () => {
  assert.equal(unescapeMountField('/mnt/a\\040b\\011c\\134d'), '/mnt/a b\tc\\d');
  const procMounts = [
    '/dev/sda1 / ext4 rw 0 0',
    'tmpfs /run tmpfs rw 0 0',
    'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
    '//fileserver/share /mnt/smb cifs rw 0 0',
    'server:/export /mnt/nfs nfs rw 0 0',
    '/dev/sdb1 /mnt/with\\040space xfs rw 0 0',
    '/dev/sdc1 /mnt/none none rw 0 0',
    '/dev/sda1 /srv/bound ext4 rw 0 0',
  ];
  const statfs = parseStatFs(['4096 4096 100 40 50 10 /', '4096 4096 10 5 8 8 /mnt/with space', 'garbage']);
  const bind = parseBindMounts(['40 27 8:1 /srv/data /srv/bound rw - ext4 /dev/sda1 rw']);
  const { mounts } = mountFacts(procMounts, statfs, bind);
  assert.deepEqual(
    mounts.map((m: any) => `${m.mount} ${m.device} ${m.options}`),
    ['/ /dev/sda1 rw', '/mnt/smb //fileserver/share rw', '/mnt/nfs server:/export rw', '/mnt/with space /dev/sdb1 rw', '/srv/bound /dev/sda1 rw,bind'],
  );
  assert.deepEqual(mounts[0], {
    mount: '/',
    device: '/dev/sda1',
    fstype: 'ext4',
    options: 'rw',
    size_total: 409600,
    size_available: 163840,
    block_size: 4096,
    block_total: 100,
    block_available: 40,
    block_used: 60,
    inode_total: 50,
    inode_available: 10,
    inode_used: 40,
  });
  assert.equal(mounts[3].size_total, 40960);
  assert.equal(mounts[1].size_total, undefined, 'no statfs line, no sizes');
});

test('network helpers', () => {
  assert.equal(netmaskOf(0), '0.0.0.0');
  assert.equal(netmaskOf(8), '255.0.0.0');
  assert.equal(netmaskOf(23), '255.255.254.0');
  assert.equal(netmaskOf(32), '255.255.255.255');
  assert.equal(networkOf('10.1.2.3', 23), '10.1.2.0');
  assert.equal(networkOf('192.168.1.129', 25), '192.168.1.128');
  assert.equal(networkOf('10.1.2.3', 0), '0.0.0.0');
  assert.equal(interfaceFactKey('br-lan:0'), 'br_lan_0');
  assert.equal(interfaceFactKey('eth0.100'), 'eth0.100');
});

test('network facts from ip -j without -d details, and a default route with no matching address', () => {
  const addr = JSON.stringify([
    { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback', address: '00:00:00:00:00:00', addr_info: [] },
    {
      ifindex: 2,
      ifname: 'ens3',
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP', 'PROMISC'],
      mtu: 9000,
      operstate: 'UP',
      link_type: 'ether',
      address: 'aa:bb:cc:dd:ee:ff',
      addr_info: [
        { family: 'inet', local: '172.16.0.9', prefixlen: 20, broadcast: '172.16.15.255', scope: 'global', label: 'ens3' },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
        { family: 'inet6', local: '2001:db8::abcd', prefixlen: 64, scope: 'global', secondary: true },
      ],
    },
    { ifindex: 3, ifname: 'ib0', flags: ['UP'], mtu: 2044, operstate: 'UP', link_type: 'infiniband', address: '80:00:02:08', addr_info: [] },
    { ifindex: 4, ifname: 'gre1', flags: ['UP'], mtu: 1476, operstate: 'UNKNOWN', link_type: 'gre', addr_info: [] },
  ]);
  const f = networkFacts({ addrJson: addr, route4Json: '[{"dst":"8.8.8.8","dev":"ens3","prefsrc":"172.16.9.9","flags":[]}]', route6Json: '' });
  assert.deepEqual(f.interfaces, ['lo', 'ens3', 'ib0', 'gre1']);
  assert.deepEqual(f.ens3, {
    device: 'ens3',
    macaddress: 'aa:bb:cc:dd:ee:ff',
    mtu: 9000,
    active: true,
    type: 'ether',
    promisc: true,
    ipv4: { address: '172.16.0.9', broadcast: '172.16.15.255', netmask: '255.255.240.0', network: '172.16.0.0', prefix: '20' },
    // A "secondary" (temporary) IPv6 address comes after the others, as `ip addr show secondary` lists it after `primary`.
    ipv6: [
      { address: 'fe80::1', prefix: '64', scope: 'link' },
      { address: '2001:db8::abcd', prefix: '64', scope: 'global' },
    ],
  });
  assert.equal(f.ib0.type, 'infiniband');
  assert.equal(f.gre1.type, 'unknown');
  assert.equal(f.lo.macaddress, undefined);
  // On-link default route (no gateway), source not among the addresses: only what the route says.
  assert.deepEqual(f.default_ipv4, { interface: 'ens3', address: '172.16.9.9' });
  assert.deepEqual(f.default_ipv6, {});
});

test('dns and kernel command line', () => {
  assert.deepEqual(dnsFacts(['# generated', '; comment', 'nameserver 1.1.1.1', 'nameserver 9.9.9.9', 'search a.example b.example', 'domain a.example', 'options ndots:2 rotate timeout:', 'sortlist 10.0.0.0/8']).dns, {
    nameservers: ['1.1.1.1', '9.9.9.9'],
    search: ['a.example', 'b.example'],
    domain: 'a.example',
    options: { ndots: '2', rotate: true, timeout: true },
    sortlist: ['10.0.0.0/8'],
  });
  assert.deepEqual(cmdlineFacts('ro quiet console=tty0 console=ttyS0 root=/dev/sda1 opt=a=b'), {
    cmdline: { ro: true, quiet: true, console: 'ttyS0', root: '/dev/sda1', opt: 'a=b' },
    proc_cmdline: { ro: true, quiet: true, console: ['tty0', 'ttyS0'], root: '/dev/sda1', opt: 'a=b' },
  });
});

test('factVars', () => {
  const facts = { hostname: 'h', 'eth0.5': { device: 'eth0.5' }, default_ipv4: {} };
  assert.deepEqual(factVars(facts), { ansible_facts: facts, ansible_hostname: 'h', 'ansible_eth0.5': { device: 'eth0.5' }, ansible_default_ipv4: {} });
});

test('the script is the same constant every time and carries no controller value', () => {
  assert.equal(factsScript(), factsScript());
  assert.match(factsScript(), /^# tsplay facts v1\n/);
  assert.ok(!factsScript().includes('${'), 'no unexpanded template placeholder');
  const r = spawnSync('/bin/sh', ['-n', '-c', factsScript()], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

// The script under other POSIX shells: bash started as sh (/bin/sh on RHEL), and BusyBox ash
// with only BusyBox applets (Alpine), when they are installed.
const KEYS = ['hostname', 'kernel', 'distribution', 'distribution_version', 'os_family', 'memtotal_mb', 'processor_vcpus', 'user_uid', 'service_mgr', 'pkg_mgr'];

test('the script under bash as sh gives the same facts', { skip: existsSync('/bin/bash') ? false : 'no bash' }, () => {
  const run = (cmd: string) => parseFacts(spawnSync(cmd, ['-c', factsScript()], { encoding: 'utf8', maxBuffer: 64 << 20, argv0: 'sh' }).stdout);
  const dash = run('/bin/sh');
  const bash = run('/bin/bash');
  for (const k of KEYS) assert.deepEqual(bash[k], dash[k], k);
  assert.deepEqual(bash.lo, dash.lo);
  assert.deepEqual(bash.default_ipv4, dash.default_ipv4);
  assert.equal(bash.env.HOME, dash.env.HOME);
  assert.equal(bash.env.PATH, dash.env.PATH);
  assert.equal(bash.mounts.length, dash.mounts.length);
});

const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));

test('the script under BusyBox ash with BusyBox applets only', { skip: busybox ? false : 'busybox not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-bb-'));
  try {
    const applets = spawnSync(busybox!, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const a of applets) symlinkSync(busybox!, join(dir, a));
    const r = spawnSync(join(dir, 'ash'), ['-c', factsScript()], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { PATH: dir, HOME: process.env.HOME ?? '/', USER: process.env.USER ?? 'root', LOGNAME: process.env.LOGNAME ?? 'root' },
    });
    assert.equal(r.status, 0, r.stderr);
    const bb = parseFacts(r.stdout);
    const dash = parseFacts(spawnSync('/bin/sh', ['-c', factsScript()], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout);
    // The script appends the system directories to PATH, so `ip` may still be iproute2's; either
    // way the facts that do not depend on the tools' flavour agree.
    for (const k of KEYS) assert.deepEqual(bb[k], dash[k], k);
    assert.equal(bb.env.PATH, dir);
    assert.ok(bb.mounts.length === dash.mounts.length);
    assert.match(bb.date_time.iso8601_micro, /\.\d{6}Z$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
