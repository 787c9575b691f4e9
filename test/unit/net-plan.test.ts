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
        // eth0, the management NIC, was never touched.
        assert.deepEqual(st.links.find((l) => l.name === 'eth0'), baseState(backend).links.find((l) => l.name === 'eth0'));
      });
    }
  });
}
