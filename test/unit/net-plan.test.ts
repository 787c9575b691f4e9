/**
 * The network modules converge: for every module, backend and scenario (create, modify in
 * place, replace, remove), the state a plan leaves (its files written, the kernel as the plan
 * predicts it) plans to nothing, so a second run is changed=0. And a check of what the plans
 * may never do: touch an interface the task does not name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findModule } from '../../modules/index.js';
import type { NetArgs } from '../../src/net/args.js';
import type { NetState } from '../../src/net/module.js';
import { validateArgs } from '../modules/harness.js';
import { applied, BACKENDS, baseState, SCENARIOS } from '../modules/net-scenarios.js';

type Kind = keyof typeof SCENARIOS;

function plan(kind: Kind, args: Record<string, unknown>, st: NetState) {
  const m = findModule(kind)!;
  const a = structuredClone(args);
  assert.deepEqual(validateArgs(m, a), [], 'valid args');
  const p = m.plan!(a, st, {});
  assert.equal(p.failed, undefined, `plan failed: ${p.failed}`);
  return { a: a as NetArgs, p };
}

/** Plans, applies (simulated), and checks that the result plans to nothing. */
function converge(kind: Kind, backend: (typeof BACKENDS)[number], args: Record<string, unknown>, st: NetState): NetState {
  const { a, p } = plan(kind, { ...args, backend }, st);
  assert.ok(p.steps.length > 0, 'the scenario changes something');
  const after = applied(kind, backend, a, st, p);
  const again = plan(kind, { ...args, backend }, after).p;
  assert.deepEqual(again.steps, [], `second plan is empty, got: ${again.reason}\n${JSON.stringify(again.diff, null, 1)}`);
  return after;
}

for (const kind of Object.keys(SCENARIOS) as Kind[]) {
  const sc = SCENARIOS[kind];
  describe(`${kind} converges`, () => {
    for (const backend of BACKENDS) {
      test(`${backend}: create, modify, replace, remove, each then nothing to do`, () => {
        let st = converge(kind, backend, sc.create, baseState(backend));
        st = converge(kind, backend, sc.modify, st);
        st = converge(kind, backend, sc.replace, st);
        st = converge(kind, backend, { ...sc.replace, state: 'absent' }, st);
        // Removed: the interface is gone, and so is every file tsplay wrote for it.
        const name = String(sc.create.name);
        assert.ok(!st.links.some((l) => l.name === name), `${name} is gone`);
        const left = Object.entries(st.files).filter(([, f]) => f.text.includes(`Managed by tsplay (${kind} ${name})`));
        assert.deepEqual(left.map(([p]) => p), [], 'no file of the interface is left');
        // eth0, the management NIC, was never touched; files that were there are as they were
        // (ifupdown's keeps the source line it gained).
        const base = baseState(backend);
        assert.deepEqual(st.links.find((l) => l.name === 'eth0'), base.links.find((l) => l.name === 'eth0'));
        for (const [path, f] of Object.entries(base.files)) {
          const want = path === '/etc/network/interfaces' ? `${f.text}source /etc/network/interfaces.d/*\n` : f.text;
          assert.equal(st.files[path]?.text, want, path);
        }
      });
    }
  });
}

describe('the bond recipe converges and comes undone', () => {
  for (const backend of BACKENDS) {
    test(`${backend}: eth0's address moves onto bond0, then back to eth0 when the bond goes`, () => {
      const recipe = { name: 'bond0', slaves: ['eth0', 'eth1'], mode: 'active-backup', inherit_address_from: 'eth0', routes: [{ to: '203.0.113.0/24', via: '192.0.2.254' }] };
      const base = baseState(backend);
      let st = converge('bond', backend, recipe, base);
      const bond = st.links.find((l) => l.name === 'bond0')!;
      assert.deepEqual(bond.addresses, ['192.0.2.10/24']);
      assert.deepEqual(st.routes.filter((r) => r.dev === 'bond0').map((r) => `${r.to} via ${r.via}`).sort(), ['203.0.113.0/24 via 192.0.2.254', 'default via 192.0.2.1']);
      assert.deepEqual(st.links.find((l) => l.name === 'eth0')!.addresses, []);
      st = converge('bond', backend, { ...recipe, state: 'absent' }, st);
      const eth0 = st.links.find((l) => l.name === 'eth0')!;
      assert.deepEqual([eth0.up, eth0.master, eth0.addresses], [true, undefined, ['192.0.2.10/24']], 'eth0 is up with its address');
      assert.ok(st.routes.some((r) => r.to === 'default' && r.dev === 'eth0' && r.via === '192.0.2.1'), 'the default route is back on eth0');
      for (const [path, f] of Object.entries(base.files)) {
        const want = path === '/etc/network/interfaces' ? `${f.text}source /etc/network/interfaces.d/*\n` : f.text;
        assert.equal(st.files[path]?.text, want, `${path} is as it was`);
      }
    });
  }
});
