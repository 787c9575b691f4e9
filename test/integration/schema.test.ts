/**
 * `tsplay schema`, the JSON Schema for editors, checked with ajv (a draft-07 validator, as
 * yaml-language-server is) on every playbook, task file, handler file and role meta/main.yml of
 * this repository, read with tsplay's own YAML loader: each must be valid, as tsplay takes them
 * all. The files that are wrong on purpose must be refused, and so must the mistakes an editor
 * is for: a misspelt option, an unknown keyword, two modules in a task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { ROOT, tsplay } from '../helpers/cli.js';
import { loadYamlFile } from '../../src/playbook/yaml.js';

type Kind = 'playbook' | 'tasks' | 'handlers' | 'meta';

const PLAYBOOK_DIRS = ['playbooks', 'bench/playbook', 'test/fixtures/lang', 'test/fixtures/lang/list', 'test/fixtures/local', 'test/fixtures/playbooks', 'test/fixtures/config/run', 'test/vm/playbooks'];
const ROLE_DIRS = ['roles', 'test/fixtures/lang/roles', 'test/fixtures/local/roles'];
const TASK_DIRS = ['test/fixtures/lang/tasks'];
/** Wrong on purpose, for the tests of tsplay's errors: refused here too (see the last tests). */
const BROKEN: Record<string, string> = {
  'test/fixtures/playbooks/bad-yaml.yml': 'is not YAML',
  'test/fixtures/playbooks/unknown-module.yml': "names a module that does not exist ('cpy')",
};

const yml = (dir: string) => (existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${dir}/${f}`) : []);

/** Every file of the repository tsplay reads as a playbook, a task or handler file or a role's meta, with its kind. */
function files(): [string, Kind][] {
  const roles = ROLE_DIRS.flatMap((d) => (existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)).map((r) => `${d}/${r}`) : []));
  return [
    ...PLAYBOOK_DIRS.flatMap(yml).filter((f) => !(f in BROKEN)).map((f): [string, Kind] => [f, 'playbook']),
    ...[...TASK_DIRS, ...roles.map((r) => `${r}/tasks`)].flatMap(yml).map((f): [string, Kind] => [f, 'tasks']),
    ...roles.map((r) => `${r}/handlers`).flatMap(yml).map((f): [string, Kind] => [f, 'handlers']),
    ...roles.map((r) => `${r}/meta`).flatMap(yml).map((f): [string, Kind] => [f, 'meta']),
  ];
}

/** The validator of `tsplay schema [--kind KIND]`, as the built CLI prints it. */
async function validator(kind?: Kind): Promise<ValidateFunction> {
  const r = await tsplay(['schema', ...(kind ? ['--kind', kind] : [])]);
  assert.equal(r.code, 0, r.stderr);
  return new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(r.stdout));
}

const validators = Promise.all([undefined, 'playbook', 'tasks', 'handlers', 'meta'].map((k) => validator(k as Kind | undefined))).then(([any, playbook, tasks, handlers, meta]) => ({ any: any!, playbook: playbook!, tasks: tasks!, handlers: handlers!, meta: meta! }));

const errors = (v: ValidateFunction) => JSON.stringify(v.errors?.slice(0, 5).map((e) => `${e.instancePath} ${e.message}`));

test('every playbook, task file, handler file and role meta of the repository is valid for its kind and for the whole schema', async () => {
  const v = await validators;
  const all = files();
  for (const kind of ['playbook', 'tasks', 'handlers', 'meta'] as const) assert.ok(all.some(([, k]) => k === kind), `no ${kind} file found`);
  for (const [file, kind] of all) {
    const data = loadYamlFile(join(ROOT, file));
    assert.ok(v[kind](data), `${file} (${kind}): ${errors(v[kind])}`);
    assert.ok(v.any(data), `${file} (any kind): ${errors(v.any)}`);
  }
});

/** A playbook of one play with these tasks. */
const play = (...tasks: unknown[]) => [{ hosts: 'all', tasks }];

test('a misspelt module option is refused, where tsplay refuses it', async () => {
  const v = await validators;
  assert.equal(v.playbook(play({ copy: { dest: '/x', contnet: 'y' } })), false);
  assert.ok(v.playbook(play({ copy: { dest: '/x', content: 'y' } })), errors(v.playbook));
  assert.equal(v.tasks([{ 'ansible.builtin.copy': { dest: '/x', contnet: 'y' } }]), false);
  assert.equal(v.tasks([{ copy: { content: 'y' } }]), false, 'dest is required');
  assert.equal(v.tasks([{ sysctl: null }]), false, 'name is required');
  assert.equal(v.tasks([{ copy: { dest: 'relative', content: 'y' } }]), false, 'dest must be absolute');
  assert.equal(v.tasks([{ meta: 'flush_handler' }]), false, 'not a meta action');
});

test('an unknown keyword is refused, in a task, a block, a play and a role meta', async () => {
  const v = await validators;
  assert.equal(v.tasks([{ debug: { msg: 'x' }, whenn: 'x' }]), false);
  assert.equal(v.tasks([{ block: [{ debug: {} }], rescu: [] }]), false);
  assert.equal(v.playbook([{ hosts: 'all', taks: [] }]), false);
  assert.equal(v.playbook([{ tasks: [] }]), false, 'a play needs hosts');
  assert.equal(v.meta({ dependencies: [], galaxy: {} }), false);
  assert.equal(v.tasks([{ debug: {}, listen: 'topic' }]), false, 'listen is for handlers');
  assert.ok(v.handlers([{ name: 'h', debug: {}, listen: 'topic' }]), errors(v.handlers));
});

test('a task has exactly one module, named in any form tsplay resolves', async () => {
  const v = await validators;
  assert.equal(v.tasks([{ name: 'no module' }]), false);
  assert.equal(v.tasks([{ debug: {}, command: 'true' }]), false);
  assert.equal(v.tasks([{ cpy: { dest: '/x' } }]), false);
  for (const name of ['sysctl', 'ansible.posix.sysctl', 'ansible.builtin.sysctl', 'ansible.legacy.sysctl']) {
    assert.ok(v.tasks([{ [name]: { name: 'vm.swappiness', value: 10 } }]), `${name}: ${errors(v.tasks)}`);
  }
  assert.ok(v.tasks([{ 'ansible.builtin.systemd': { name: 'ssh', state: 'restarted' } }]), errors(v.tasks));
  assert.ok(v.tasks([{ action: 'copy src=a dest=/b' }]), errors(v.tasks));
});

test('what tsplay takes before a run is valid: templates, k=v strings, free-form text, coercible spellings, empty keywords', async () => {
  const v = await validators;
  const ok = (tasks: unknown[]) => assert.ok(v.tasks(tasks), `${JSON.stringify(tasks)}: ${errors(v.tasks)}`);
  ok([{ copy: { dest: '{{ dir }}/x', content: 'y', mode: '{{ mode }}', backup: 'yes' } }]);
  ok([{ copy: 'src=a dest=/b' }, { command: 'echo hi chdir=/tmp' }, { meta: 'flush_handlers' }, { include_tasks: 'more.yml' }]);
  ok([{ sysctl: { name: 'vm.swappiness', value: 10, reload: 'no' } }, { wait_for: { port: '22' } }]);
  ok([{ name: 'x', debug: null, when: null, tags: null }]);
  assert.equal(v.tasks([{ copy: { dest: '/x', content: 'y', backup: 'perhaps' } }]), false, 'not a boolean');
  assert.equal(v.playbook([{ hosts: 'all', become: 'perhaps' }]), false, 'not a boolean');
});

test(`the files wrong on purpose are refused: ${Object.entries(BROKEN).map(([f, why]) => `${f} ${why}`).join('; ')}`, async () => {
  const v = await validators;
  assert.throws(() => loadYamlFile(join(ROOT, 'test/fixtures/playbooks/bad-yaml.yml')));
  assert.equal(v.playbook(loadYamlFile(join(ROOT, 'test/fixtures/playbooks/unknown-module.yml'))), false);
});
