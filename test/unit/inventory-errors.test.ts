/**
 * Inventories Ansible would half-load (it warns, then carries on with a partial or empty
 * inventory) must stop tsplay with a UserError that names the file and line to fix. Also the
 * source-detection rules: folders, host lists and extensionless YAML.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { Inventory, findVarsFiles, loadVarsFor } from '../../src/inventory/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsplay-inv-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `files` (path → content) under a fresh folder and returns the folder. */
async function layout(name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

async function loadError(sources: string[]): Promise<UserError> {
  try {
    await Inventory.load(sources);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e;
  }
  assert.fail('the inventory loaded without error');
}

describe('errors name the file and line', () => {
  const cases: [string, string, string, number, RegExp][] = [
    ['bad-section.ini', '[web]\nw1\n[web servers]\nw2\n', 'hosts', 3, /Invalid section entry: '\[web servers\]'/],
    ['unknown-type.ini', '[web]\nw1\n\n[web:child]\nx\n', 'hosts', 4, /Section \[web:child\] has unknown type: child/],
    ['bad-range.ini', '# ranges\n[web]\nweb[01:2]\n', 'hosts', 3, /equal-length begin and end/],
    ['alpha-range.ini', '[web]\nweb[a:3]\n', 'hosts', 2, /invalid literal for int/],
    ['empty-range.ini', '[db]\ndb[5:1]\n', 'hosts', 2, /expands to no hosts/],
    ['undefined-child.ini', '[prod:children]\nweb\ndb\n[web]\nw1\n', 'hosts', 3, /Section \[prod:children\] includes undefined group: db/],
    ['vars-only.ini', '[web:vars]\nx=1\n', 'hosts', 1, /Section \[web:vars\] not valid for undefined group: web/],
    ['cycle.ini', '[a:children]\nb\n[b:children]\na\n', 'hosts', 4, /creates a recursive dependency loop/],
    ['self-child.ini', '[a]\n[a:children]\na\n', 'hosts', 3, /cannot be a child of itself/],
    ['vars-no-eq.ini', '[web]\nw1\n[web:vars]\nport=1\njustaname\n', 'hosts', 5, /Expected key=value, got: justaname/],
    ['host-no-eq.ini', 'w1 port=1 oops\n', 'hosts', 1, /Expected key=value host variable assignment, got: oops/],
    ['quote.ini', '\n\nw1 x="unclosed\n', 'hosts', 3, /No closing quotation/],
    ['yaml-in-ini.ini', 'all:\n  hosts:\n', 'hosts', 1, /ending in ':' is not allowed/],
    ['unhashable.ini', 'w1 x="{[1]: 2}"\n', 'hosts', 1, /unhashable type: 'list'/],
    ['bad-child-name.ini', '[a:children]\nb c\n', 'hosts', 2, /Expected group name, got: b c/],
    ['indent.yml', 'all:\n  hosts:\n    h1:\n   bad: 1\n', 'hosts', 4, /./],
    ['dup.yml', 'all:\n  hosts:\n    h1:\n    h1:\n', 'hosts', 4, /Map keys must be unique/],
    ['hosts-list.yml', 'all:\n  children:\n    web:\n      hosts:\n        - w1\n', 'hosts', 5, /Invalid "hosts" entry for "web" group, requires a dictionary, found "list"/],
    ['typo.yml', 'all:\n  children:\n    web:\n      host:\n        w1:\n', 'hosts', 4, /unexpected key \(host\) in group \(web\)/],
    ['plain-list.yml', 'h1\nh2\n', 'hosts', 1, /should be a dictionary, got: str/],
    ['root-list.yml', '# comment\n- a\n- b\n', 'hosts', 2, /should be a dictionary, got: list/],
    ['int-host.yml', 'all:\n  hosts:\n    12:\n', 'hosts', 3, /Host pattern 12 must be a string/],
    ['bad-group.yml', 'web: [a, b]\n', 'hosts', 1, /'web' is not a valid group definition/],
    ['host-vars-str.yml', 'all:\n  hosts:\n    h1: text\n', 'hosts', 3, /expected a dictionary of variables/],
    ['two-docs.yml', 'all:\n  hosts:\n---\nall: {}\n', 'hosts', 3, /single document/],
    ['plugin.yml', 'plugin: aws_ec2\nregions: [x]\n', 'hosts', 1, /inventory plugin configuration files are not supported/],
    ['vault.yml', '$ANSIBLE_VAULT;1.1;AES256\n3031\n', 'hosts', 1, /vault\.yml is vaulted \(vault id default\) and no vault password was given/],
    ['script', '#!/bin/sh\necho {}\n', 'hosts', 1, /dynamic inventory scripts/],
    ['broken-yaml-noext', 'all:\n  hosts:\n    h1: {a: 1\n', 'hosts', 4, /./],
  ];
  for (const [file, content, , line, message] of cases) {
    it(`${file}: line ${line}`, async () => {
      const root = await layout(file.replace(/\W/g, '_'), { [file]: content });
      const err = await loadError([join(root, file)]);
      assert.match(err.message, message);
      assert.equal(err.pos?.file, join(root, file));
      assert.equal(err.pos?.line, line);
      assert.ok(err.toString().startsWith(`${join(root, file)}:${line}`), err.toString());
    });
  }

  it('reports a broken group_vars file at its own line', async () => {
    const root = await layout('gv-broken', { hosts: '[web]\nw1\n', 'group_vars/web.yml': 'a: 1\nb: [1, 2\n' });
    const err = await loadError([join(root, 'hosts')]);
    assert.equal(err.pos?.file, join(root, 'group_vars', 'web.yml'));
    assert.equal(err.pos?.line, 3);
  });

  it('refuses a vars file that is not a mapping', async () => {
    const root = await layout('gv-list', { hosts: 'w1\n', 'host_vars/w1.yml': '- a\n- b\n' });
    const err = await loadError([join(root, 'hosts')]);
    assert.equal(err.pos?.file, join(root, 'host_vars', 'w1.yml'));
    assert.match(err.message, /must hold a mapping/);
  });

  it('refuses a missing source instead of continuing with an empty inventory', async () => {
    const err = await loadError([join(dir, 'no-such-inventory')]);
    assert.match(err.message, /inventory source not found/);
  });
});

describe('source detection', () => {
  it('reads an extensionless YAML file as YAML and an extensionless INI file as INI', async () => {
    const root = await layout('detect', { yamlish: 'web:\n  hosts:\n    w1:\n      x: yes\n', inish: '[db]\nd1 x=yes\n' });
    const inv = await Inventory.load([join(root, 'yamlish'), join(root, 'inish')]);
    assert.equal(inv.hostVars('w1').x, true);
    assert.equal(inv.hostVars('d1').x, 'yes');
  });

  it('treats an empty file as an empty inventory', async () => {
    const root = await layout('empty', { 'hosts.yml': '# nothing yet\n', hosts: '' });
    const inv = await Inventory.load([join(root, 'hosts.yml'), join(root, 'hosts')]);
    assert.deepEqual([...inv.hosts.keys()], []);
  });

  it('reads a comma-separated host list with ports', async () => {
    const inv = await Inventory.load(['a, b:2222,', '']);
    assert.deepEqual(inv.select('all'), ['a', 'b']);
    assert.equal(inv.hostVars('b').ansible_port, 2222);
    assert.equal(inv.hostVars('a').inventory_file, 'a, b:2222,');
    assert.equal(inv.hostVars('a').inventory_dir, null);
    assert.deepEqual(inv.groupNames('a'), ['ungrouped']);
  });

  it('keeps IP addresses whole in inventory_hostname_short', async () => {
    const inv = await Inventory.load(['10.0.0.1,web.example.com,']);
    assert.equal(inv.hostVars('10.0.0.1').inventory_hostname_short, '10.0.0.1');
    assert.equal(inv.hostVars('web.example.com').inventory_hostname_short, 'web');
  });

  it('resolves relative sources against the given cwd', async () => {
    const root = await layout('rel', { 'inv/hosts': 'r1\n' });
    const inv = await Inventory.load(['inv/hosts'], { cwd: root });
    assert.deepEqual(inv.select('all'), ['r1']);
  });

  it('keeps the port of the first mention and warns about a host named like a group', async () => {
    const root = await layout('port', { hosts: '[a]\nh1:22\n[b]\nh1:33\n[web]\nweb\n' });
    const inv = await Inventory.load([join(root, 'hosts')]);
    assert.equal(inv.hostVars('h1').ansible_port, 22);
    assert.deepEqual(inv.warnings, ['Found both group and host with same name: web']);
    assert.deepEqual(inv.hosts.get('h1')!.groups, ['a', 'b']);
    assert.deepEqual(inv.groups.get('web')!.hosts, ['web']);
  });
});

describe('vars folders', () => {
  it('takes the first of NAME, NAME.yml, NAME.yaml, NAME.json and reads folders recursively in order', async () => {
    const root = await layout('varsfiles', {
      'gv/a.yaml': 'v: a.yaml\n',
      'gv/a.json': '{"v": "a.json"}',
      'gv/b.yml': 'v: b.yml\n',
      'gv/b.yaml': 'v: b.yaml\n',
      'gv/c/2.yml': 'v: c2\nlast: 2\n',
      'gv/c/1.json': '{"v": "c1", "first": 1}',
      'gv/c/sub/3': 'v: c3\n',
      'gv/c/sub.d/4.yml': 'v: skipped-folder-with-extension\n',
      'gv/c/notes.txt': 'v: skipped-extension\n',
      'gv/c.yml': 'v: shadowed-by-the-folder\n',
    });
    const gv = join(root, 'gv');
    assert.deepEqual(await findVarsFiles(gv, 'a'), [join(gv, 'a.yaml')]);
    assert.deepEqual(await findVarsFiles(gv, 'b'), [join(gv, 'b.yml')]);
    assert.deepEqual(await findVarsFiles(gv, 'c'), [join(gv, 'c', '1.json'), join(gv, 'c', '2.yml'), join(gv, 'c', 'sub', '3')]);
    assert.deepEqual(await loadVarsFor(gv, 'c'), { v: 'c3', first: 1, last: 2 });
    assert.deepEqual(await loadVarsFor(gv, 'missing'), {});
  });

  it('applies group_vars/ungrouped and host_vars/localhost to the implicit localhost', async () => {
    const root = await layout('implicit', { hosts: 'u1\n', 'group_vars/ungrouped.yml': 'g: 1\n', 'host_vars/localhost.yml': 'lh: 2\n' });
    const inv = await Inventory.load([join(root, 'hosts')]);
    assert.equal(inv.hostVars('u1').g, 1);
    assert.equal(inv.hostVars('localhost').lh, 2);
    assert.equal(inv.hostVars('localhost').g, undefined);
  });
});
