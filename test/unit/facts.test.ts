/**
 * The fact script run for real on this machine with /bin/sh, its cost, and a comparison with
 * Ansible's own setup module when ansible-core is installed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { factsScript, factVars, parseFacts } from '../../src/facts/index.js';
import { lvmFacts } from '../../src/facts/hardware.js';

function runScript(extra = ''): { stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync('/bin/sh', ['-c', factsScript() + extra], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30_000 });
  const ms = performance.now() - t0;
  assert.equal(r.status, 0, `the fact script failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, ms };
}

const live = parseFacts(runScript().stdout);

test('live: platform facts match this machine', () => {
  const hostname = execFileSync('hostname', { encoding: 'utf8' }).trim();
  assert.equal(live.hostname, hostname.split('.')[0]);
  assert.equal(live.nodename, os.hostname());
  assert.equal(live.system, 'Linux');
  assert.equal(live.kernel, os.release());
  assert.equal(live.architecture, execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
  assert.equal(live.kernel_version, execFileSync('uname', ['-v'], { encoding: 'utf8' }).trim());
  assert.ok(typeof live.fqdn === 'string' && live.fqdn.length > 0);
  assert.equal(live.tsplay_warnings, undefined, `unexpected warnings: ${live.tsplay_warnings}`);
});

test('live: distribution facts match /etc/os-release', () => {
  const osr = readFileSync('/etc/os-release', 'utf8');
  const id = /^ID="?([^"\n]+)"?$/m.exec(osr)?.[1];
  if (id === 'debian' || id === 'ubuntu' || existsSync('/etc/debian_version')) {
    assert.equal(live.os_family, 'Debian');
    assert.equal(live.pkg_mgr, 'apt');
  }
  if (id === 'debian') {
    assert.equal(live.distribution, 'Debian');
    assert.equal(live.distribution_version, readFileSync('/etc/debian_version', 'utf8').trim());
    assert.equal(live.distribution_major_version, live.distribution_version.split('.')[0]);
  }
  const codename = /^VERSION_CODENAME="?([^"\n]*)"?$/m.exec(osr)?.[1];
  if (codename) assert.equal(live.distribution_release, codename);
});

test('live: memory, cpu and user facts match what Node sees', () => {
  const memTotalKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
  assert.ok(live.memtotal_mb > 0);
  assert.equal(live.memtotal_mb, Math.floor(memTotalKb / 1024));
  assert.ok(live.memfree_mb > 0 && live.memfree_mb <= live.memtotal_mb);
  assert.ok(live.swaptotal_mb >= live.swapfree_mb && live.swapfree_mb >= 0);
  assert.equal(live.processor_nproc, os.availableParallelism());
  assert.ok(live.processor_vcpus >= 1 && live.processor_count >= 1 && live.processor_cores >= 1);
  assert.equal(live.user_uid, process.getuid!());
  assert.equal(live.real_user_id, process.getuid!());
  assert.equal(live.user_dir, os.userInfo().homedir);
  assert.equal(live.user_id, process.env.LOGNAME || process.env.USER || os.userInfo().username);
  assert.equal(live.env.PATH, process.env.PATH);
  assert.equal(live.env.HOME, process.env.HOME);
  assert.equal(live.env.LC_ALL, process.env.LC_ALL, 'the script exports LC_ALL only after reading the environment');
});

test('live: date_time is now', () => {
  const now = Date.now() / 1000;
  assert.ok(Math.abs(Number(live.date_time.epoch) - now) < 120, `epoch ${live.date_time.epoch} vs ${now}`);
  assert.match(live.date_time.iso8601, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(new Date(live.date_time.iso8601).getTime() / 1000, Number(live.date_time.epoch));
});

test('live: network facts include lo with 127.0.0.1 and a consistent default route', () => {
  assert.ok(live.interfaces.includes('lo'));
  assert.equal(live.lo.device, 'lo');
  assert.equal(live.lo.type, 'loopback');
  assert.equal(live.lo.ipv4.address, '127.0.0.1');
  assert.equal(live.lo.ipv4.netmask, '255.0.0.0');
  assert.ok(!live.all_ipv4_addresses.includes('127.0.0.1'));
  for (const name of live.interfaces as string[]) assert.ok(live[name.replace(/[:-]/g, '_')], `no entry for ${name}`);
  const route = execFileSync('ip', ['-j', '-4', 'route', 'get', '8.8.8.8'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  if (route) {
    const r = JSON.parse(route)[0];
    assert.equal(live.default_ipv4.interface, r.dev);
    assert.equal(live.default_ipv4.address, r.prefsrc);
    assert.ok(live.all_ipv4_addresses.includes(r.prefsrc));
    assert.match(live.default_ipv4.netmask, /^\d+\.\d+\.\d+\.\d+$/);
  } else {
    assert.deepEqual(live.default_ipv4, {});
  }
});

test('live: mounts follow /proc/mounts', () => {
  const root = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[1] === '/');
  assert.ok(root, '/ is mounted');
  const rootMount = (live.mounts as any[]).find((m) => m.mount === '/');
  if (root[0]!.startsWith('/')) {
    // A block device: Ansible lists it, with its sizes.
    assert.ok(rootMount, 'mounts include /');
    assert.equal(rootMount.device, root[0]);
    assert.equal(rootMount.fstype, root[2]);
    assert.ok(rootMount.size_total > 0 && rootMount.size_available <= rootMount.size_total);
  } else {
    // overlay, tmpfs...: Ansible leaves such mounts out.
    assert.equal(rootMount, undefined);
  }
});

test('live: factVars exposes every fact as ansible_<name>', () => {
  const vars = factVars(live);
  assert.equal(vars.ansible_facts, live);
  assert.equal(vars.ansible_hostname, live.hostname);
  assert.equal(vars.ansible_os_family, live.os_family);
  assert.equal(vars.ansible_lo, live.lo);
  assert.equal(Object.keys(vars).length, Object.keys(live).length + 1);
});

test('the fact script is cheap: it costs no more than a few dozen process starts', (t) => {
  // A ratio, not a timed test: the script is timed against a reference of 20 process starts
  // (`cat` in a shell loop), runs interleaved, so machine speed and load cancel out.
  const reference = 'i=0; while [ $i -lt 20 ]; do cat /proc/self/stat >/dev/null; i=$((i+1)); done';
  const time = (script: string): number => {
    const t0 = performance.now();
    assert.equal(spawnSync('/bin/sh', ['-c', script]).status, 0);
    return performance.now() - t0;
  };
  const facts: number[] = [];
  const refs: number[] = [];
  for (let i = 0; i < 7; i++) {
    facts.push(runScript().ms);
    refs.push(time(reference));
  }
  const ratio = Math.min(...facts) / Math.min(...refs);
  t.diagnostic(
    `fact script: wall best ${Math.min(...facts).toFixed(1)} ms; 20 process starts: best ` +
      `${Math.min(...refs).toFixed(1)} ms; ratio ${ratio.toFixed(2)} (limit 3, i.e. about 60 process starts)`,
  );
  assert.ok(ratio < 3, `the fact script costs ${ratio.toFixed(2)}x 20 process starts`);
});

// Ansible's own facts for this machine, when ansible-core is installed here.
const ansible = spawnSync('ansible', ['--version'], { encoding: 'utf8' }).status === 0;

test('live: facts agree with ansible -m setup', { skip: ansible ? false : 'ansible not installed' }, () => {
  const r = spawnSync('ansible', ['localhost', '-c', 'local', '-m', 'setup'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 120_000,
    env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  const theirs = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).ansible_facts as Record<string, any>;
  const ours = parseFacts(runScript().stdout);
  const stable = [
    'hostname', 'nodename', 'domain', 'system', 'kernel', 'kernel_version', 'machine', 'architecture',
    'distribution', 'distribution_version', 'distribution_major_version', 'distribution_minor_version', 'distribution_release', 'os_family',
    'processor', 'processor_count', 'processor_cores', 'processor_threads_per_core', 'processor_vcpus', 'processor_nproc',
    'memtotal_mb', 'swaptotal_mb', 'service_mgr', 'pkg_mgr', 'user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell',
    'real_user_id', 'effective_user_id', 'real_group_id', 'dns', 'cmdline', 'proc_cmdline', 'fips', 'selinux', 'apparmor', 'machine_id',
    'default_ipv4', 'default_ipv6', 'lo',
  ];
  for (const k of stable) {
    if (!(`ansible_${k}` in theirs)) continue;
    assert.deepEqual(ours[k], theirs[`ansible_${k}`], k);
  }
  // The default interface, with tsplay's extra keys left out.
  const dev = theirs.ansible_default_ipv4?.interface;
  if (dev) {
    const key = dev.replace(/[:-]/g, '_');
    const mine = { ...ours[key] };
    for (const extra of ['kind', 'master', 'parent', 'vlan_id']) delete mine[extra];
    const their = { ...theirs[`ansible_${key}`] };
    for (const ansibleOnly of ['features', 'timestamping', 'hw_timestamp_filters', 'phc_index', 'module']) delete their[ansibleOnly];
    assert.deepEqual(mine, their, dev);
  }
  const strip = (m: any) => ({ mount: m.mount, device: m.device, fstype: m.fstype, options: m.options, size_total: m.size_total, block_size: m.block_size });
  assert.deepEqual((ours.mounts as any[]).map(strip), (theirs.ansible_mounts as any[]).map(strip));
});

test('lvm, as Ansible setup gives it (vgs, lvs, pvs by name, GiB strings), with each LV\'s data_percent', () => {
  const lvm = lvmFacts(
    ['  vg0,1,3,1,wz--n-,19.00,2.50'],
    ['  data,vg0,10.00,', '  data-backup,vg0,2.00,12.50'],
    ['  /dev/vdb,vg0,lvm2,a--,19.00,2.50'],
  );
  assert.deepEqual(lvm, {
    vgs: { vg0: { size_g: '19.00', free_g: '2.50', num_lvs: '3', num_pvs: '1' } },
    lvs: { data: { size_g: '10.00', vg: 'vg0', data_percent: '' }, 'data-backup': { size_g: '2.00', vg: 'vg0', data_percent: '12.50' } },
    pvs: { '/dev/vdb': { size_g: '19.00', free_g: '2.50', vg: 'vg0' } },
  });
});
