/**
 * The network modules under tsplay render (ModuleDef.renders), beside the real comparison in
 * the VM tier (test/vm/vm.test.ts renders kvm-host-vlans.yml and finds the very files a run
 * left on the guest, for each backend): the interfaces earlier tasks made carry to later ones,
 * files edited by several tasks build on each other, and `backend: auto` is not renderable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findModule } from '../../modules/index.js';
import { NotRenderable, type RenderedFile } from '../../src/core/module.js';

/** Renders tasks in order on one host, as the render engine does: later files replace earlier ones. */
function renderAll(tasks: [string, Record<string, unknown>][]): Map<string, RenderedFile> {
  const files = new Map<string, RenderedFile>();
  const memo = new Map<string, unknown>();
  for (const [name, args] of tasks) for (const f of findModule(name)!.renders!(args, {}, (p) => files.get(p), memo)) files.set(f.path, f);
  return files;
}

test('ifcfg: a bridge over a VLAN made by an earlier task writes its port as that VLAN', () => {
  const files = renderAll([
    ['vlan', { link: 'eth1', id: 16, method: 'manual', backend: 'ifcfg' }],
    ['bridge', { name: 'br16', ports: ['eth1.16'], method: 'manual', backend: 'ifcfg' }],
  ]);
  const port = files.get('/etc/sysconfig/network-scripts/ifcfg-eth1.16')!;
  assert.match(String(port.content), /^VLAN=yes$/m);
  assert.match(String(port.content), /^PHYSDEV=eth1$/m);
  assert.match(String(port.content), /^BRIDGE=br16$/m);
});

test('networkd: each VLAN on a bond adds itself to the bond\'s own files, which the bond task wrote', () => {
  const files = renderAll([
    ['bond', { name: 'bond0', slaves: ['eth1', 'eth2'], mode: 'active-backup', method: 'manual', backend: 'networkd' }],
    ['vlan', { link: 'bond0', id: 16, method: 'manual', backend: 'networkd' }],
    ['vlan', { link: 'bond0', id: 32, method: 'manual', backend: 'networkd' }],
  ]);
  const paths = [...files.keys()].sort();
  assert.ok(paths.includes('/etc/systemd/network/20-tsplay-bond0.netdev'));
  assert.ok(paths.includes('/etc/systemd/network/20-tsplay-bond0.network.d/20-tsplay-vlan-bond0.16.conf'));
  assert.ok(paths.includes('/etc/systemd/network/20-tsplay-bond0.network.d/20-tsplay-vlan-bond0.32.conf'));
  assert.match(String(files.get('/etc/systemd/network/20-tsplay-bond0.16.netdev')!.content), /^Id=16$/m);
  // The parent's .network file stays the bond's own: the VLANs are drop-ins beside it, as networkd reads them.
  assert.match(String(files.get('/etc/systemd/network/20-tsplay-bond0.network')!.content), /^# Managed by tsplay \(bond bond0\)/);
});

test('backend auto is chosen on the host: not renderable, saying what to do', () => {
  assert.throws(() => renderAll([['vlan', { link: 'eth1', id: 16 }]]), (e: Error) => e instanceof NotRenderable && /name the backend/.test(e.message));
  assert.deepEqual([...renderAll([['vlan', { link: 'eth1', id: 16, persist: false }]]).keys()], []);
});
