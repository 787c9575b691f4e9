import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserErrors } from '../../src/core/errors.js';
import { loadPlaybook } from '../../src/playbook/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-pb-'));

function load(text: string) {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  return { file, run: () => loadPlaybook(file) };
}

function errorsOf(text: string): string[] {
  const { run } = load(text);
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof UserErrors, String(e));
    return e.errors.map((x) => x.toString());
  }
  assert.fail('expected errors');
}

test('a valid playbook parses into plays and tasks with positions', () => {
  const { run, file } = load(`- name: web
  hosts: web:&prod
  become: yes
  tasks:
    - name: conf
      ansible.builtin.copy: { content: "x", dest: /etc/x, mode: "0644" }
      notify: restart
    - command: echo hi chdir=/tmp
      when: ansible_os_family == 'Debian'
      tags: [a, b]
    - sysctl: name=vm.swappiness value=10
      with_items: [[1, 2], 3]
  handlers:
    - name: restart
      listen: restart all
      service: { name: x, state: restarted }
`);
  const pb = run();
  const play = pb.plays[0]!;
  assert.equal(play.hosts, 'web:&prod');
  assert.equal(play.become, true);
  assert.equal(play.tasks.length, 3);
  const [copy, cmd, sysctl] = play.tasks;
  assert.equal(copy!.module.name, 'copy');
  assert.deepEqual(copy!.pos, { file, line: 5, col: 7 });
  assert.deepEqual(copy!.notify, ['restart']);
  assert.equal(cmd!.args.cmd, 'echo hi');
  assert.equal(cmd!.args.chdir, '/tmp');
  assert.deepEqual(cmd!.when, ["ansible_os_family == 'Debian'"]);
  assert.deepEqual(cmd!.tags, ['a', 'b']);
  assert.deepEqual(sysctl!.args, { name: 'vm.swappiness', value: '10' });
  // with_items flattens when the loop runs (src/playbook/loops.ts), so a templated value flattens too.
  assert.deepEqual([sysctl!.loop, sysctl!.loopWith], [[[1, 2], 3], 'items']);
  assert.deepEqual(play.handlers[0]!.listen, ['restart all']);
});

test('every problem is reported at once, each with file:line:col and a hint', () => {
  const errs = errorsOf(`- hosts: all
  taks: []
  tasks:
    - name: typo in module
      cpy: { dest: /x }
    - name: unknown option
      copy: { dest: /x, contnet: y }
    - name: wrong type
      file: { path: /x, state: sideways }
    - name: two modules
      copy: { dest: /x, content: y }
      file: { path: /x }
    - name: not yet
      debug: {}
      module_defaults: {}
    - name: block
      block: []
      rescu: []
`);
  const text = errs.join('\n');
  assert.match(text, /:2:3: unknown play keyword 'taks'\n  hint: did you mean 'tasks'\?/);
  assert.match(text, /:5:7: unknown module 'cpy'\n  hint: did you mean 'copy'\?/);
  assert.match(text, /:7:25: unknown option 'contnet' for module 'copy'\n  hint: did you mean 'content'\?/);
  assert.match(text, /:9:25: option 'state' must be one of: .*directory/);
  assert.match(text, /task has more than one module: copy, file/);
  assert.match(text, /:15:7: 'module_defaults' is not supported by tsplay yet \(module_defaults\)/);
  assert.match(text, /:18:7: unknown block keyword 'rescu'\n  hint: did you mean 'rescue'\?/);
});

test('play and task keywords are checked against their schemas, each at its line', () => {
  const errs = errorsOf(`- hosts: all
  gather_facts: maybe
  become_method: su
  vars: [a, b]
  handlers: { name: x }
  tasks:
    - name: bad keywords
      command: echo hi
      register: 1result
      ignore_errors: sometimes
      timeout: soon
      loop: [a, b]
      loop_control: { index_vr: i }
    - command: echo ok
      when: { a: 1 }
      notify: [1, 2]
- hosts:
  tasks: []
`);
  const text = errs.join('\n');
  assert.match(text, /:2:3: 'gather_facts' must be a boolean \(true\/false, yes\/no, or a template\)/);
  assert.match(text, /:3:3: 'become_method' must be 'sudo'/);
  assert.match(text, /:4:3: 'vars' must be a mapping/);
  assert.match(text, /:5:3: 'handlers' must be a list of tasks/);
  assert.match(text, /:9:7: 'register' must be a variable name/);
  assert.match(text, /:10:7: 'ignore_errors' must be a boolean/);
  assert.match(text, /:11:7: 'timeout' must be a whole number of seconds/);
  assert.match(text, /:13:23: unknown key 'index_vr' in 'loop_control'/);
  assert.match(text, /:15:7: 'when' must be a condition or a list of conditions/);
  assert.doesNotMatch(text, /notify/, 'numbers are names too');
  assert.match(text, /:17:3: play has no 'hosts:'/);
  assert.equal(errs.length, 10, text);
});

test('boolean keywords take Ansible spellings and templates', () => {
  const pb = load(`- hosts: all
  gather_facts: "{{ want_facts }}"
  become: yes
  tasks:
    - command: echo
      ignore_errors: "True"
      no_log: off
      loop: [1]
      loop_control: { loop_var: n, index_var: i }
`).run();
  assert.equal(pb.plays[0]!.become, true);
  assert.equal(pb.plays[0]!.tasks[0]!.ignoreErrors, true);
  assert.equal(pb.plays[0]!.tasks[0]!.noLog, false);
  assert.deepEqual(pb.plays[0]!.tasks[0]!.kind === 'task' && pb.plays[0]!.tasks[0]!.loopControl, { loop_var: 'n', index_var: 'i', label: undefined, pause: undefined, extended: undefined, allItems: undefined });
});

test('templated values are not type-checked before the run, missing required options are', () => {
  assert.doesNotThrow(() => load(`- hosts: all\n  tasks:\n    - file: { path: /x, state: "{{ s }}" }\n`).run());
  const errs = errorsOf(`- hosts: all\n  tasks:\n    - copy: { content: x }\n`);
  assert.match(errs.join('\n'), /:3:7: module 'copy' needs option 'dest'/);
});

test('malformed YAML names the line', () => {
  const { run, file } = load('- hosts: all\n  tasks:\n    - command: echo\n     when: x\n');
  assert.throws(run, (e: Error) => e.toString().startsWith(`${file}:4:`) && /malformed YAML/.test(e.toString()));
});

test('YAML 1.1 as Ansible reads it: yes is true, 0644 is octal', () => {
  const pb = load('- hosts: all\n  gather_facts: no\n  tasks:\n    - file: { path: /x, mode: 0644 }\n').run();
  assert.equal(pb.plays[0]!.gatherFacts, false);
  assert.equal(pb.plays[0]!.tasks[0]!.args.mode, 0o644);
});
