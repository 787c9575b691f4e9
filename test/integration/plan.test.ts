/**
 * Saved plans on the local connection: `tsplay plan` changes nothing and saves what apply will
 * run; `tsplay apply` runs exactly that, refusing a host whose state changed since; a task that
 * reads what an earlier task only predicts in check mode is unplannable, said at plan time;
 * `tsplay show` prints the plan as --diff would, no_log values hidden. audit-lab.test.ts does
 * the same over SSH on a lab fleet.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsplay } from '../helpers/cli.js';

let dir: string;
let root: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-plan-'));
  root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(dir, 'hosts.ini'), '[ctl]\na ansible_connection=local\nb ansible_connection=local\n');
  writeFileSync(
    join(dir, 'site.yml'),
    [
      '- hosts: ctl',
      '  gather_facts: false',
      '  tasks:',
      '    - name: config',
      `      copy: { content: "port = 80\\n", dest: "${root}/{{ inventory_hostname }}.conf", mode: "0644" }`,
      '    - name: secret',
      `      copy: { content: "hunter2\\n", dest: "${root}/{{ inventory_hostname }}.secret", mode: "0600" }`,
      '      no_log: true',
      '    - name: per item',
      `      copy: { content: "{{ item }}\\n", dest: "${root}/{{ inventory_hostname }}.{{ item }}" }`,
      '      loop: [x, y]',
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'release.j2'), 'release {{ rel.stdout }}\n');
  writeFileSync(
    join(dir, 'dependent.yml'),
    [
      '- hosts: a',
      '  gather_facts: false',
      '  tasks:',
      '    - name: release',
      '      command: echo 7',
      '      register: rel',
      '    - name: release file',
      '      template: { src: release.j2, dest: ' + join(root, 'release') + ' }',
      '      ignore_errors: true',
      '    - name: unrelated',
      `      copy: { content: "u\\n", dest: ${join(root, 'unrelated')} }`,
      '',
    ].join('\n'),
  );
});

const cli = (args: string[]) => tsplay([...args], { cwd: dir });
const read = (f: string) => readFileSync(join(root, f), 'utf8');

test('plan changes nothing; apply runs the plan and converges; a second apply of the same plan is refused (the state changed since)', async () => {
  const p = await cli(['plan', 'site.yml', '-i', 'hosts.ini', '-o', 'p1.json']);
  assert.equal(p.code, 0, p.stdout + p.stderr);
  assert.deepEqual(readdir(), [], 'planning wrote nothing to the hosts');
  assert.equal(statSync(join(dir, 'p1.json')).mode & 0o777, 0o600, 'a plan holds secrets: 0600');
  assert.match(p.stdout, /PLAN: 2 hosts, 8 changes to apply; 0 unplannable tasks/);
  const a = await cli(['apply', 'p1.json']);
  assert.equal(a.code, 0, a.stdout + a.stderr);
  assert.match(a.stdout, /^a {26}: applied {5}changed=4 round_trips=5$/m, 'one round trip to re-probe, one per task');
  assert.equal(read('a.conf'), 'port = 80\n');
  assert.equal(read('b.secret'), 'hunter2\n');
  assert.equal(statSync(join(root, 'b.secret')).mode & 0o777, 0o600);
  assert.equal(read('b.y'), 'y\n');
  assert.equal((await cli(['run', 'site.yml', '-i', 'hosts.ini', '--check'])).stdout.match(/changed=0/g)?.length, 2, 'converged');
  const again = await cli(['apply', 'p1.json']);
  assert.equal(again.code, 2);
  assert.match(again.stdout, /^a .*refused .*state changed since the plan: config \(site\.yml:4\); nothing was applied to it$/m);
});

test('apply after a hand-made change on one host refuses that host, applies the others; a plan of a converged fleet changes nothing', async () => {
  writeFileSync(join(root, 'a.conf'), 'port = 1\n');
  writeFileSync(join(root, 'b.conf'), 'port = 2\n');
  assert.equal((await cli(['plan', 'site.yml', '-i', 'hosts.ini', '-o', 'p2.json'])).code, 0);
  writeFileSync(join(root, 'a.x'), 'by hand\n');
  const a = await cli(['apply', 'p2.json']);
  assert.equal(a.code, 2);
  assert.match(a.stdout, /^a .*refused .*state changed since the plan: per item \(site\.yml:9\)/m);
  assert.match(a.stdout, /^b .*applied .*changed=1/m);
  assert.deepEqual([read('a.conf'), read('a.x'), read('b.conf')], ['port = 1\n', 'by hand\n', 'port = 80\n'], 'nothing applied to the refused host');
  // Converged: a plan with nothing to do, applied, changes nothing.
  assert.equal((await cli(['run', 'site.yml', '-i', 'hosts.ini'])).code, 0);
  assert.equal((await cli(['plan', 'site.yml', '-i', 'hosts.ini', '-o', 'p3.json'])).code, 0);
  const before = readdir().map((f) => [f, statSync(join(root, f)).mtimeMs]);
  const c = await cli(['apply', 'p3.json']);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /^a .*applied .*changed=0 round_trips=1$/m);
  assert.deepEqual(readdir().map((f) => [f, statSync(join(root, f)).mtimeMs]), before);
});

test('show prints the plan as --diff would, without no_log values', async () => {
  rmSync(join(root, 'a.conf'));
  rmSync(join(root, 'a.secret'));
  assert.equal((await cli(['plan', 'site.yml', '-i', 'hosts.ini', '-o', 'p4.json'])).code, 0);
  const s = await cli(['show', 'p4.json']);
  assert.equal(s.code, 0);
  assert.match(s.stdout, /HOST \[a\] \*+\n--- before: \S+a\.conf\n\+\+\+ after: \S+a\.conf\n@@ -0,0 \+1 @@\n\+port = 80\nchanged: config \(site\.yml:4\)\nchanged: secret \(site\.yml:6\) \(no_log: what changes is hidden\)\n/);
  assert.match(s.stdout, /HOST \[b\] \*+\nno changes\n/);
  assert.doesNotMatch(s.stdout, /hunter2/);
  assert.match(s.stdout, /^a {26}: to change=2$/m);
});

test('a task that reads what an earlier one only predicts in check mode is unplannable, said at plan time; apply refuses that host', async () => {
  const p = await cli(['plan', 'dependent.yml', '-i', 'hosts.ini', '-o', 'p5.json']);
  assert.equal(p.code, 2, p.stdout + p.stderr);
  const plan = JSON.parse(readFileSync(join(dir, 'p5.json'), 'utf8'));
  const entries = plan.hosts.a.entries.map((e: any) => [e.task, e.unplannable]);
  assert.deepEqual(entries, [
    ['release', null],
    ['release file', 'reads rel, which release (dependent.yml:4) only predicts in check mode: plan again after applying that task'],
    ['unrelated', null],
  ]);
  const a = await cli(['apply', 'p5.json']);
  assert.equal(a.code, 2);
  assert.match(a.stdout, /refused .*release file \(dependent\.yml:7\) could not be planned: reads rel/);
  assert.ok(!existsSync(join(root, 'unrelated')), 'nothing applied');
});

test('bad input is exit 5: a file that is no plan', async () => {
  writeFileSync(join(dir, 'no-plan.json'), '{"plan_version": 9}');
  const r = await cli(['apply', 'no-plan.json']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /no-plan\.json is not a tsplay plan of version 1/);
});

function readdir(): string[] {
  return readdirSync(root).sort();
}
