/**
 * The registry (names, FQCNs, "did you mean") and the rules every module schema follows:
 * described options, no unknown options, examples that pass their own schema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { findModule, moduleNames, modules, suggestModule } from '../../modules/index.js';
import { moduleDoc } from '../../src/cli/modules-doc.js';
import { checkArgs } from '../../src/playbook/args.js';

test('short names and fully qualified names find the same module', () => {
  const copy = findModule('copy');
  assert.equal(copy?.name, 'copy');
  assert.equal(findModule('ansible.builtin.copy'), copy);
  assert.equal(findModule('ansible.legacy.copy'), copy);
  assert.equal(findModule('ansible.posix.sysctl')?.name, 'sysctl');
  assert.equal(findModule('ansible.builtin.wait_for')?.name, 'wait_for');
  assert.equal(findModule('ansible.builtin.cpy'), undefined);
  assert.equal(findModule('example.collection.copy'), undefined, 'an unknown collection is not guessed');
  assert.equal(findModule('Copy'), undefined, 'names are case-sensitive, as in Ansible');
});

test('suggestModule offers the closest name for a typo, nothing for nonsense', () => {
  assert.equal(suggestModule('cpy'), 'copy');
  assert.equal(suggestModule('lineinfle'), 'lineinfile');
  assert.equal(suggestModule('ansible.builtin.sysclt'), 'sysctl');
  assert.equal(suggestModule('waitfor'), 'wait_for');
  assert.equal(suggestModule('kubernetes'), undefined);
});

test('module names are unique and listed', () => {
  const names = moduleNames();
  assert.equal(new Set(names).size, names.length);
  for (const m of modules) assert.ok(names.includes(m.name));
});

for (const m of modules) {
  test(`${m.name}: schema rules and examples`, () => {
    const schema = m.schema as any;
    assert.equal(schema.type, 'object');
    // set_fact's options are the variables it sets: any name is allowed there.
    if (m.name !== 'set_fact') assert.equal(schema.additionalProperties, false, 'unknown options are rejected');
    assert.ok(m.description.length > 20);
    for (const [key, prop] of Object.entries<any>(schema.properties ?? {})) {
      assert.ok(typeof prop.description === 'string' && prop.description.length > 5, `${m.name}.${key} has a description`);
    }
    if (m.freeForm) assert.ok(m.freeForm in schema.properties, 'the free-form option exists');
    // The documented options (`tsplay modules NAME`, the README reference) are exactly the schema's.
    const documented = [...moduleDoc(m).matchAll(/^  (\w+)(?: \(free form\))?  \(/gm)].map((d) => d[1]);
    assert.deepEqual(documented, Object.keys(schema.properties ?? {}), 'every option documented once, and nothing else');
    assert.ok(m.examples, 'has examples');
    const tasks = parseYaml(m.examples!, { version: '1.1' }) as Record<string, unknown>[];
    for (const task of tasks) {
      const args = task[m.name];
      // k=v strings are parsed by the playbook loader; mapping examples are checked here, as the
      // loader checks them (a templated value waits for run time).
      if (args !== null && typeof args === 'object') assert.deepEqual(checkArgs(m, { ...(args as object) }, true), [], JSON.stringify(task));
    }
  });
}
