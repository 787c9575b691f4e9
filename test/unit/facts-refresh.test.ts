/** refreshFacts: which facts a refresh after a change replaces, keeps and drops. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refreshFacts } from '../../src/facts/subsets.js';

const before = {
  hostname: 'old',
  user_id: 'deploy',
  memtotal_mb: 1024,
  swaptotal_mb: 0,
  interfaces: ['lo', 'eth0', 'bond0'],
  eth0: { device: 'eth0' },
  bond0: { device: 'bond0' },
  all_ipv4_addresses: ['10.0.0.1'],
};
// Gathered as root after the change: user_id differs, bond0 is gone, br0 is new.
const fresh = {
  hostname: 'new',
  user_id: 'root',
  memtotal_mb: 1024,
  swaptotal_mb: 2048,
  interfaces: ['lo', 'eth0', 'br0'],
  eth0: { device: 'eth0', mtu: 9000 },
  br0: { device: 'br0' },
  all_ipv4_addresses: ['10.0.0.1', '10.0.1.1'],
};

test('a stale network subset takes every network fact from the fresh facts, drops removed interfaces', () => {
  const r = refreshFacts(before, fresh, ['network']);
  assert.deepEqual(r.interfaces, ['lo', 'eth0', 'br0']);
  assert.deepEqual(r.eth0, { device: 'eth0', mtu: 9000 });
  assert.deepEqual(r.br0, { device: 'br0' });
  assert.equal('bond0' in r, false);
  assert.deepEqual(r.all_ipv4_addresses, ['10.0.0.1', '10.0.1.1']);
  // Nothing outside the subset moves, not even a fact that depends on the remote user.
  assert.equal(r.hostname, 'old');
  assert.equal(r.user_id, 'deploy');
  assert.equal(r.swaptotal_mb, 0);
});

test('stale fact names replace only those facts', () => {
  const r = refreshFacts(before, fresh, ['hostname', 'swaptotal_mb']);
  assert.equal(r.hostname, 'new');
  assert.equal(r.swaptotal_mb, 2048);
  assert.deepEqual(r.interfaces, before.interfaces);
  assert.equal(r.user_id, 'deploy');
});

test('hardware takes the hardware facts only', () => {
  const r = refreshFacts(before, fresh, ['hardware']);
  assert.equal(r.swaptotal_mb, 2048);
  assert.equal(r.hostname, 'old');
  assert.deepEqual(r.bond0, { device: 'bond0' });
});
