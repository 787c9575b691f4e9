/**
 * Captures real probe output for the parser fixtures (test/modules/fixtures/<module>/probe-*.json).
 * Not a test: run it by hand after changing a probe, then review the diff of the fixtures.
 *
 *   node --import tsx test/modules/capture-probes.ts [MODULE...]   # all cases, or those modules'
 *
 * Scenarios live under /tmp/tsplay-fixture so that the paths in the fixtures stay stable.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModuleDef } from '../../src/core/module.js';
import { findModule } from '../../modules/index.js';
import { sh } from './harness.js';

const base = '/tmp/tsplay-fixture';
const out = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

rmSync(base, { recursive: true, force: true });
mkdirSync(join(base, 'dir/sub'), { recursive: true });
writeFileSync(join(base, 'motd'), 'Managed by tsplay\n');
chmodSync(join(base, 'motd'), 0o640);
writeFileSync(join(base, 'sshd_config'), 'Port 22\n#PasswordAuthentication yes\nPasswordAuthentication yes\n');
writeFileSync(join(base, 'sysctl.conf'), '# tuning\nvm.swappiness=60\nkernel.panic = 10\n');
writeFileSync(join(base, 'dir/sub/f'), 'x');
symlinkSync('motd', join(base, 'motd.link'));
writeFileSync(join(base, 'binary'), Buffer.from([0, 1, 2, 3]));

const DEBIAN = { os_family: 'Debian', pkg_mgr: 'apt', service_mgr: 'sysvinit' };

const cases: [string, string, Record<string, unknown>, Record<string, unknown>?][] = [
  ['copy', 'probe-existing', { dest: join(base, 'motd'), content: 'x' }],
  ['copy', 'probe-missing', { dest: join(base, 'new.conf'), content: 'x' }],
  ['copy', 'probe-into-dir', { dest: join(base, 'dir'), content: 'x', src: 'motd' }],
  ['copy', 'probe-no-parent', { dest: join(base, 'nodir/f'), content: 'x' }],
  ['template', 'probe-existing', { dest: join(base, 'motd'), src: 'motd.j2' }],
  ['file', 'probe-link', { path: join(base, 'motd.link'), state: 'link', src: 'motd' }],
  ['file', 'probe-recurse', { path: join(base, 'dir'), state: 'directory', recurse: true, mode: '0755' }],
  ['file', 'probe-missing', { path: join(base, 'missing'), state: 'directory' }],
  ['lineinfile', 'probe-existing', { path: join(base, 'sshd_config'), line: 'PasswordAuthentication no' }],
  ['lineinfile', 'probe-binary', { path: join(base, 'binary'), line: 'x' }],
  ['lineinfile', 'probe-missing', { path: join(base, 'nodir/new.conf'), line: 'x', create: true }],
  ['stat', 'probe-file', { path: join(base, 'motd') }],
  ['stat', 'probe-link', { path: join(base, 'motd.link') }],
  ['stat', 'probe-missing', { path: join(base, 'missing') }],
  ['sysctl', 'probe-swappiness', { name: 'vm.swappiness', value: 10, sysctl_file: join(base, 'sysctl.conf') }],
  ['sysctl', 'probe-tcp-rmem', { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456', sysctl_file: join(base, 'none.conf') }],
  ['sysctl', 'probe-unknown', { name: 'vm.no_such_key', value: 1, sysctl_file: join(base, 'sysctl.conf') }],
  ['sysctl', 'probe-write-only', { name: 'vm.drop_caches', value: 3, sysctl_file: join(base, 'sysctl.conf') }],
  ['swap', 'probe-missing', { path: join(base, 'swapfile'), size: '64M' }],
  ['swap', 'probe-not-swap', { path: join(base, 'motd'), size: '64M' }],
  ['swap', 'probe-directory', { path: join(base, 'dir'), size: '64M' }],
  // This machine has no LVM: the probe says so (the VM tier runs it on a real volume group).
  ['lvm_snapshot', 'probe-no-lvm', { vg: 'vg0', origin: 'data', name: 'data-backup', mount: join(base, 'snap'), archive: join(base, 'motd') }],
  // Nor vblade and aoetools: the probes say so (the VM tier runs them on real NICs).
  ['aoe', 'probe-target', { role: 'target', shelf: 1, slot: 0, interface: 'lo', device: join(base, 'motd') }],
  ['aoe', 'probe-initiator', { role: 'initiator', shelf: 1, slot: 0, fstype: 'ext4', mount: join(base, 'san') }],
  // Nor Clonezilla: the probe says so (the guest's real output is in the other clonezilla probe-*.json, see vm.test.ts).
  ['clonezilla', 'probe-no-ocs', { action: 'savedisk', image: 'img', devices: ['/dev/null'], repository: base }],
  ['command', 'probe-creates', { cmd: 'make install', chdir: base, creates: '*.conf', removes: 'missing' }],
  ['shell', 'probe-no-chdir', { cmd: 'true', chdir: join(base, 'missing'), creates: 'x' }],
  ['wait_for', 'probe-path', { path: join(base, 'motd'), timeout: 5 }],
  ['wait_for', 'probe-timeout', { path: join(base, 'missing'), timeout: 1, sleep: 0.5 }],
  // System state of this Debian machine (root): accounts, packages, an init script.
  ['user', 'probe-root', { name: 'root', groups: ['daemon', 'no-such-group'], home: '/root' }],
  ['user', 'probe-missing', { name: 'tsplay-no-such-user' }],
  ['group', 'probe-root', { name: 'root' }],
  ['group', 'probe-missing', { name: 'tsplay-no-such-group' }],
  ['package', 'probe-installed-and-missing', { name: ['coreutils', 'tsplay-no-such-package'] }, DEBIAN],
  ['service', 'probe-sysv-ssh', { name: 'ssh', state: 'started' }, DEBIAN],
];

const only = new Set(process.argv.slice(2));
for (const [name, label, args, facts = {}] of cases) {
  if (only.size && !only.has(name)) continue;
  const m: ModuleDef = findModule(name)!;
  const output = await sh(m.probe!(args, facts));
  const state = JSON.parse(JSON.stringify(m.parse!(output, args)));
  mkdirSync(join(out, name), { recursive: true });
  writeFileSync(join(out, name, `${label}.json`), JSON.stringify({ args, ...(Object.keys(facts).length ? { facts } : {}), output, state }, null, 2) + '\n');
  console.log(`${name}/${label}.json`);
}
rmSync(base, { recursive: true, force: true });
