/** The CLI's commands that need no host: inventory, validate, modules, bad options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tsplay } from '../helpers/cli.js';

const INV = join(ROOT, 'test/fixtures/inventory');

test('inventory --list prints the JSON ansible-inventory --list prints', async () => {
  for (const name of ['typing.ini', 'ranges.ini', 'inventory.yml']) {
    const r = await tsplay(['inventory', '-i', join(INV, name), '--list']);
    assert.equal(r.code, 0, r.stderr);
    const expected = JSON.parse(readFileSync(join(INV, 'expected', `${name}.list.json`), 'utf8'));
    assert.deepEqual(JSON.parse(r.stdout), expected, name);
  }
});

test('inventory --graph prints the tree ansible-inventory --graph prints', async () => {
  const r = await tsplay(['inventory', '-i', join(INV, 'ranges.ini'), '--graph']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd(), readFileSync(join(INV, 'expected', 'ranges.ini.graph.txt'), 'utf8').trimEnd());
});

test('validate checks playbooks without connecting; errors exit 5 with file:line', async () => {
  const ok = await tsplay(['validate', join(ROOT, 'playbooks/site.yml'), '-i', join(ROOT, 'inventory/hosts.ini')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /valid/);
  const bad = await tsplay(['validate', join(ROOT, 'test/fixtures/playbooks/unknown-module.yml'), '-i', join(ROOT, 'inventory/hosts.ini')]);
  assert.equal(bad.code, 5);
  assert.match(bad.stderr, /unknown-module\.yml:8:7: unknown module 'cpy'/);
});

test('modules lists every module and documents one from its schema', async () => {
  const list = await tsplay(['modules']);
  assert.equal(list.code, 0);
  for (const m of ['sysctl', 'copy', 'template', 'lineinfile', 'service', 'package', 'user', 'wait_for']) assert.match(list.stdout, new RegExp(`^${m} `, 'm'));
  const one = await tsplay(['modules', 'ansible.posix.sysctl']);
  assert.equal(one.code, 0);
  assert.match(one.stdout, /^sysctl: /);
  assert.match(one.stdout, /  sysctl_file  \(string, default "\/etc\/sysctl.d\/99-tsplay.conf"\)/);
  assert.match(one.stdout, /Examples:/);
});

test('bad options and missing files exit 5', async () => {
  assert.equal((await tsplay(['run', join(ROOT, 'playbooks/site.yml')])).code, 5);
  assert.equal((await tsplay(['run', join(ROOT, 'playbooks/site.yml'), '-i', '/nonexistent/inv'])).code, 5);
  assert.equal((await tsplay(['run', join(ROOT, 'playbooks/site.yml'), '-i', join(ROOT, 'inventory/hosts.ini'), '--forks', 'x'])).code, 5);
  assert.equal((await tsplay(['run', '--no-such-flag'])).code, 5);
  // ansible-playbook refuses a --limit that leaves no host ("leaves us with no hosts to target").
  const nohost = await tsplay(['run', join(ROOT, 'playbooks/site.yml'), '-i', join(ROOT, 'inventory/hosts.ini'), '-l', 'no-such-host']);
  assert.equal(nohost.code, 5);
  assert.match(nohost.stderr, /--limit 'no-such-host' matches no host in the inventory/);
  const missing = await tsplay(['run', '/nonexistent.yml', '-i', join(ROOT, 'inventory/hosts.ini')]);
  assert.equal(missing.code, 5);
  assert.match(missing.stderr, /nonexistent\.yml/);
});

test('the README lists every module with the options its schema has', async () => {
  const md = await tsplay(['modules', '--markdown']);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('<!-- modules:begin -->\n') + 23, readme.indexOf('<!-- modules:end -->'));
  assert.equal(section, md.stdout, 'README is stale: paste `tsplay modules --markdown` between the markers');
});
