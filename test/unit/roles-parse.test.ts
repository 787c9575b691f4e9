/**
 * Reading roles and imports before the run: what is wrong is reported with its file:line and
 * what to do, never a hang or a silent skip (cycles, missing roles and files, bad meta keys,
 * collection roles, imports that cannot be static), and what is right lands where Ansible puts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserErrors } from '../../src/core/errors.js';
import { loadPlaybook } from '../../src/playbook/parse.js';
import { type Block, displayName, tasksOf } from '../../src/playbook/types.js';

/** A folder holding `files` (path -> text), and its site.yml. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-roles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return join(dir, 'site.yml');
}

function errorsOf(book: string, opts = {}): string {
  try {
    loadPlaybook(book, opts);
  } catch (e) {
    assert.ok(e instanceof UserErrors, String(e));
    return e.errors.map((x) => x.toString()).join('\n');
  }
  return assert.fail('expected errors');
}

const play = (body: string) => `- hosts: all\n  gather_facts: false\n${body}`;

test('a missing role names every folder searched, roles_path included', () => {
  const book = tree({ 'site.yml': play('  roles:\n    - nowhere\n') });
  const text = errorsOf(book, { rolesPath: ['/opt/roles'] });
  assert.match(text, /site\.yml:4:7: the role 'nowhere' was not found/);
  assert.match(text, /searched: \S+\/roles\/nowhere, \/opt\/roles\/nowhere, \S+\/nowhere/);
});

test('a collection role is refused with what to do instead', () => {
  const text = errorsOf(tree({ 'site.yml': play('  roles:\n    - community.general.thing\n') }));
  assert.match(text, /collection roles are not supported: put the role in roles\/ and name it by its short name/);
});

test('a role dependency cycle is an error naming the chain, not a hang', () => {
  const book = tree({
    'site.yml': play('  roles: [a]\n'),
    'roles/a/meta/main.yml': 'dependencies: [b]\n',
    'roles/b/meta/main.yml': 'dependencies:\n  - role: a\n',
    'roles/a/tasks/main.yml': '- debug: { msg: a }\n',
  });
  assert.match(errorsOf(book), /role dependency cycle: a -> b -> a/);
});

test("an unknown key in a role's meta is an error at its line; galaxy_info is allowed", () => {
  const book = tree({
    'site.yml': play('  roles: [a]\n'),
    'roles/a/meta/main.yml': 'galaxy_info: { author: me }\ndependancies: []\n',
  });
  assert.match(errorsOf(book), /roles\/a\/meta\/main\.yml:2:1: unknown key 'dependancies' in the meta\/main\.yml of role 'a'/);
});

test('an import cycle is an error; a templated import name or a looped import says to use include_tasks', () => {
  const book = tree({
    'site.yml': play('  tasks:\n    - import_tasks: one.yml\n    - import_tasks: "{{ x }}.yml"\n    - import_tasks: one.yml\n      loop: [1]\n'),
    'one.yml': '- import_tasks: two.yml\n',
    'two.yml': '- import_tasks: one.yml\n',
  });
  const text = errorsOf(book);
  assert.match(text, /import cycle: \S+one\.yml -> \S+two\.yml -> \S+one\.yml/);
  assert.match(text, /import_tasks needs a file name known before the play runs, not '\{\{ x \}\}\.yml'\n {2}hint: use include_tasks/);
  assert.match(text, /import_tasks cannot loop/);
});

test('errors inside an imported file or a role name that file and line', () => {
  const book = tree({
    'site.yml': play('  roles: [a]\n  tasks:\n    - import_tasks: more.yml\n'),
    'roles/a/tasks/main.yml': '- name: typo\n  cpy: { dest: /x }\n',
    'more.yml': '- block:\n    - debug: {}\n  rescu: []\n',
  });
  const text = errorsOf(book);
  assert.match(text, /roles\/a\/tasks\/main\.yml:2:3: unknown module 'cpy'/);
  assert.match(text, /more\.yml:3:3: unknown block keyword 'rescu'/);
});

test('roles run in the tasks section before the tasks, dependencies first, a role read twice keyed to run once; role handlers before the play\'s', () => {
  const book = tree({
    'site.yml': play('  roles:\n    - web\n    - common\n  tasks:\n    - debug: { msg: mine }\n  handlers:\n    - name: play handler\n      debug: {}\n'),
    'roles/web/meta/main.yml': 'dependencies: [common]\n',
    'roles/web/tasks/main.yml': '- name: web task\n  debug: {}\n',
    'roles/web/handlers/main.yml': '- name: web handler\n  debug: {}\n',
    'roles/common/tasks/main.yml': '- name: common task\n  debug: {}\n',
    'roles/common/defaults/main.yml': 'x: 1\n',
  });
  const [p] = loadPlaybook(book).plays;
  // common is read twice (web's dependency, then listed), as Ansible lists it; both blocks carry
  // the same key, by which the strategy runs it once per host.
  assert.deepEqual(tasksOf(p!.tasks).map(displayName), ['common : common task', 'web : web task', 'common : common task', 'debug']);
  const [web, common] = p!.tasks as Block[];
  const dep = web!.block[0] as Block;
  assert.ok(common!.once && dep.once === common!.once && web!.once !== common!.once);
  assert.deepEqual(p!.handlers.map(displayName), ['web : web handler', 'play handler']);
  assert.deepEqual(p!.roleDefaults, { x: 1 });
});

test("ansible.cfg's become and become_user are the defaults of plays that do not set them", () => {
  const book = tree({ 'site.yml': `${play('  tasks: []\n')}- hosts: all\n  become: false\n  tasks: []\n` });
  const [a, b] = loadPlaybook(book, { become: true, becomeUser: 'ops' }).plays;
  assert.equal(a!.become, true);
  assert.equal(a!.becomeUser, 'ops');
  assert.equal(b!.become, false);
});
