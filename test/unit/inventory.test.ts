/**
 * The inventory layer against its oracle. Every expected/ file under test/fixtures/inventory
 * was captured once from ansible-core 2.14.18 by test/fixtures/inventory/capture.sh
 * (ansible-inventory --list/--graph, ansible --list-hosts, ansible -m debug), so these tests
 * check tsplay against what Ansible really does without needing Ansible at run time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Inventory } from '../../src/inventory/index.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'inventory');
const expected = (name: string) => readFileSync(join(FIX, 'expected', name), 'utf8');
const expectedJson = (name: string) => JSON.parse(expected(name));

describe('ansible-inventory --list and --graph', () => {
  for (const file of ['typing.ini', 'ranges.ini', 'structure.ini', 'inventory.yml']) {
    it(`matches ansible-inventory for ${file}`, async () => {
      const inv = await Inventory.load([join(FIX, file)]);
      assert.deepEqual(inv.toAnsibleList(), expectedJson(`${file}.list.json`));
      assert.equal(inv.graph(), expected(`${file}.graph.txt`).trimEnd());
    });
  }

  it('prints keys sorted like json.dumps(sort_keys=True)', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    const text = JSON.stringify(inv.toAnsibleList(), null, 4);
    assert.equal(text, expected('structure.ini.list.json').trimEnd());
  });

  it('graphs a sub-group and rejects an unknown one', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    assert.equal(inv.graph('prod'), ['@prod:', '  |--@web:', '  |  |--w1', '  |  |--w2', '  |  |--early', '  |--@db:', '  |  |--d1', '  |  |--w1'].join('\n'));
    assert.throws(() => inv.graph('nosuch'), /Pattern must be valid group name/);
  });
});

describe('variable precedence across sources and vars folders', () => {
  const L = join(FIX, 'layered');
  const sources = [join(L, 'inventory'), join(L, 'second', 'extra.ini')];

  it('merges a folder source, a second source and their group_vars/host_vars like Ansible', async () => {
    const inv = await Inventory.load(sources);
    assert.deepEqual(inv.toAnsibleList(), expectedJson('layered.list.json'));
  });

  it('ranks playbook-side group_vars/host_vars above inventory-side ones, level by level', async () => {
    const inv = await Inventory.load(sources);
    await inv.addVarsDirs(join(L, 'playbook'));
    assert.deepEqual(inv.toAnsibleList(), expectedJson('layered-playbook.list.json'));
    const w1 = inv.hostVars('w1');
    // group_vars/all (a file) beats [web:vars] in the INI file: Ansible's well-known gotcha.
    assert.equal(w1.a2, 'group_vars-all');
    assert.equal(w1.a8, 'play-host_vars');
    // Top-level keys are replaced, not deep-merged (hash_behaviour=replace).
    assert.deepEqual(w1.dictvar, { b: 3 });
  });

  it('skips .ini, .md and hidden files in a folder source, as Ansible does', async () => {
    const inv = await Inventory.load(sources);
    assert.equal(inv.hosts.has('should_not_appear'), false);
    assert.equal(inv.hosts.has('not_a_host'), false);
    assert.deepEqual(inv.groups.get('web')!.hosts, ['w1', 'w2', 'w3']);
  });

  it('records inventory_file and inventory_dir where a host first appears', async () => {
    const inv = await Inventory.load(sources);
    const w1 = inv.hostVars('w1');
    assert.equal(w1.inventory_file, join(L, 'inventory', '10-hosts'));
    assert.equal(w1.inventory_dir, join(L, 'inventory'));
    assert.equal(inv.hostVars('x1').inventory_file, join(L, 'second', 'extra.ini'));
    assert.equal(w1.inventory_hostname, 'w1');
    assert.deepEqual(w1.group_names, ['db', 'prod', 'web']);
  });

  it('returns a copy, so callers cannot change the inventory by mutating it', async () => {
    const inv = await Inventory.load(sources);
    (inv.hostVars('w1').dictvar as Record<string, number>).b = 99;
    assert.deepEqual(inv.hostVars('w1').dictvar, { b: 3 });
  });
});

describe('magic variables', () => {
  it('group_names matches ansible -m debug for every host (ungrouped kept, all dropped)', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    const want = expectedJson('structure.group_names.json') as Record<string, string[]>;
    for (const [host, names] of Object.entries(want)) assert.deepEqual(inv.groupNames(host), names, host);
  });

  it('groups matches ansible -m debug, with hosts in inventory order', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    assert.deepEqual(inv.groupsVar(), expectedJson('structure.groups.json'));
  });

  it('orders group vars by depth, then ansible_group_priority, then name', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    assert.equal(inv.hostVars('w2').level, 'web'); // web (depth 3) beats zzz (depth 1)
    assert.equal(inv.hostVars('w1').level, 'web'); // web and db at the same depth: name decides
    assert.equal(inv.hostVars('p1').level, 'alpha'); // priority 5 beats beta's default 1
    assert.equal(inv.hostVars('lonely').level, 'all');
    assert.equal('ansible_group_priority' in inv.hostVars('e1'), false);
  });
});

describe('host patterns', () => {
  const cases = expectedJson('structure.patterns.json') as Record<string, string[]>;
  for (const [pattern, hosts] of Object.entries(cases)) {
    it(`selects ${JSON.stringify(pattern)} like ansible --list-hosts`, async () => {
      const inv = await Inventory.load([join(FIX, 'structure.ini')]);
      const got = pattern.startsWith('all --limit ')
        ? (() => {
            const limit = new Set(inv.select(pattern.slice('all --limit '.length), FIX));
            return inv.select('all').filter((h) => limit.has(h));
          })()
        : inv.select(pattern);
      assert.deepEqual(got, hosts);
    });
  }

  it('reports patterns that match nothing through the warn callback', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    const warnings: string[] = [];
    assert.deepEqual(inv.select('nosuch:w1', undefined, (m) => warnings.push(m)), ['w1']);
    assert.deepEqual(warnings, ['Could not match supplied host pattern, ignoring: nosuch']);
  });

  it('rejects a subscript past the end and an invalid regex', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    assert.throws(() => inv.select('web[7]'), /No hosts matched the subscripted pattern 'web\[7\]'/);
    assert.throws(() => inv.select('~web('), /Invalid host list pattern: ~web\(/);
    assert.throws(() => inv.select('@does-not-exist.retry', FIX), /Unable to find limit file/);
  });

  it('resolves localhost to the implicit localhost, which no group contains', async () => {
    const inv = await Inventory.load([join(FIX, 'structure.ini')]);
    assert.deepEqual(inv.select('localhost'), ['localhost']);
    const vars = inv.hostVars('localhost');
    assert.equal(vars.ansible_connection, 'local');
    assert.equal(vars.level, 'all');
    assert.deepEqual(inv.groupNames('localhost'), []);
    assert.equal(inv.groupsVar().all!.includes('localhost'), false);
    assert.throws(() => inv.hostVars('nosuch'), /unknown host: nosuch/);
  });
});
