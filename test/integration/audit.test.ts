/**
 * tsplay audit on the local connection (two controller hosts and one that is not there): what
 * each status means in drift.json, the report valid against the published schema, the exit
 * codes and --fail-on, --since, the JUnit file as a JUnit reader reads it, and a page that
 * holds a hostile file as data. audit-lab.test.ts does the same over SSH on a lab fleet, with a
 * browser.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseJunit } from 'junit2json';
import { pageData } from '../../src/audit/html.js';
import { driftJsonSchema } from '../../src/audit/schema.js';
import { ROOT, tsplay } from '../helpers/cli.js';

let dir: string;
let root: string;

const HOSTILE = '</script><script>window.__pwned = 1</script><!--';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-audit-'));
  root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(dir, 'hosts.ini'), ['[ctl]', 'a ansible_connection=local', 'b ansible_connection=local', '[gone]', 'down ansible_host=127.0.0.1 ansible_port=9', ''].join('\n'));
  writeFileSync(
    join(dir, 'site.yml'),
    [
      '- hosts: all',
      '  gather_facts: true',
      '  tasks:',
      '    - name: app config',
      `      copy: { content: "port = 80\\n", dest: "${root}/{{ inventory_hostname }}.conf", mode: "0644" }`,
      '    - name: secret',
      `      copy: { content: "pw\\n", dest: "${root}/{{ inventory_hostname }}.secret", mode: "0600" }`,
      '      no_log: true',
      '    - name: a command',
      '      command: echo hi',
      '    - name: forced for real',
      `      command: touch ${root}/{{ inventory_hostname }}.touched`,
      '      check_mode: false',
      '    - name: per item',
      `      copy: { content: "{{ item }}\\n", dest: "${root}/{{ inventory_hostname }}.{{ item }}" }`,
      '      loop: [x, y]',
      '    - name: left out',
      '      debug: msg=never',
      '      when: false',
      '    - name: would fail',
      '      file: { path: /nonexistent/tsplay/x, state: file }',
      "      when: inventory_hostname == 'a'",
      '',
    ].join('\n'),
  );
});

/** Every file under the managed folder, with its mode and content hash. */
function snapshot(): string {
  return readdirSync(root)
    .sort()
    .map((f) => `${f} ${(statSync(join(root, f)).mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(join(root, f))).digest('hex')}`)
    .join('\n');
}

const audit = (args: string[]) => tsplay(['audit', 'site.yml', '-i', 'hosts.ini', '--connect-timeout', '3', ...args], { cwd: dir });
const report = (out: string) => JSON.parse(readFileSync(join(dir, out, 'drift.json'), 'utf8'));
const statuses = (r: any, host: string) => Object.fromEntries(r.hosts[host].tasks.map((t: any) => [t.name, t.status]));

test('drift.json: each task judged, no_log hiding what drifted, the unreachable host with its reason, nothing changed', async () => {
  // b is converged by a real run but for one file edited by hand (to hostile text); a never ran.
  assert.equal((await tsplay(['run', 'site.yml', '-i', 'hosts.ini', '-l', 'b'], { cwd: dir })).code, 0);
  writeFileSync(join(root, 'b.conf'), `port = 81\n${HOSTILE}\n`);
  const before = snapshot();
  const r = await audit(['-o', 'out1']);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.equal(snapshot(), before, 'the audit changed nothing, check_mode: false tasks included');
  assert.ok(!existsSync(join(root, 'a.touched')));
  assert.match(r.stdout, /DRIFT: 3 hosts: 0 in sync, 2 drifted, 1 unreachable; 5 drifted results/);
  const rep = report('out1');
  assert.deepEqual(Object.keys(rep.hosts), ['a', 'b', 'down']);
  assert.deepEqual(statuses(rep, 'a'), {
    'app config': 'drifted', secret: 'drifted', 'a command': 'unpredictable', 'forced for real': 'unpredictable', 'per item': 'drifted', 'left out': 'skipped', 'would fail': 'would fail',
  });
  assert.deepEqual(statuses(rep, 'b'), {
    'app config': 'drifted', secret: 'in sync', 'a command': 'unpredictable', 'forced for real': 'unpredictable', 'per item': 'in sync', 'left out': 'skipped', 'would fail': 'skipped',
  });
  const task = (h: string, n: string) => rep.hosts[h].tasks.find((t: any) => t.name === n);
  assert.deepEqual(task('b', 'app config').diff.map((d: any) => [d.path, d.before, d.after]), [[join(root, 'b.conf'), `port = 81\n${HOSTILE}\n`, 'port = 80\n']]);
  assert.match(task('b', 'app config').diff[0].unified, /^-port = 81$/m);
  assert.equal(task('b', 'app config').file, 'site.yml');
  assert.equal(task('b', 'app config').line, 4);
  const secret = task('a', 'secret');
  assert.equal(secret.no_log, true);
  assert.deepEqual(secret.diff, []);
  assert.equal(secret.msg, null);
  assert.ok(!readFileSync(join(dir, 'out1', 'drift.json'), 'utf8').includes('pw\\n'), 'no_log content never reaches the report');
  assert.deepEqual(task('a', 'per item').items, ['x', 'y']);
  assert.deepEqual(task('a', 'per item').diff.map((d: any) => d.after), ['x\n', 'y\n']);
  assert.match(task('a', 'would fail').msg, /nonexistent/);
  assert.equal(rep.hosts.down.reachable, false);
  assert.equal(rep.hosts.down.status, 'unreachable');
  assert.match(rep.hosts.down.reason, /127\.0\.0\.1/);
  assert.deepEqual(rep.hosts.down.tasks, []);
  assert.ok(rep.hosts.a.facts.kernel, 'facts summary: the kernel');
  assert.deepEqual(rep.summary, { hosts: 3, in_sync: 0, drifted: 2, unreachable: 1, would_fail: 1, drifted_tasks: 5 });
  assert.deepEqual(rep.run.playbooks.map((p: any) => p.path), ['site.yml']);
  assert.equal(rep.run.tsplay_version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  assert.equal(rep.run.playbooks[0].sha256, createHash('sha256').update(readFileSync(join(dir, 'site.yml'))).digest('hex'));
});

test('drift.json validates against docs/drift.schema.json, which is the schema tsplay builds', () => {
  const published = JSON.parse(readFileSync(join(ROOT, 'docs/drift.schema.json'), 'utf8'));
  assert.deepEqual(published, driftJsonSchema(), 'docs/drift.schema.json is out of date: write it from src/audit/schema.ts');
  const validate = new Ajv({ strict: true, allErrors: true }).compile(published);
  assert.ok(validate(report('out1')), JSON.stringify(validate.errors));
  const broken = report('out1');
  broken.hosts.a.tasks[0].status = 'fine';
  assert.equal(validate(broken), false, 'the schema refuses a status it does not know');
});

test('drift.junit.xml, read by a JUnit reader: a testcase per host and task, drift as failures', async () => {
  const xml = readFileSync(join(dir, 'out1', 'drift.junit.xml'), 'utf8');
  const suites: any = await parseJunit(xml);
  const byHost = Object.fromEntries(suites.testsuite.map((s: any) => [s.name, s]));
  assert.deepEqual(Object.keys(byHost), ['a', 'b', 'down']);
  assert.equal(byHost.a.testcase.length, 7);
  assert.equal(byHost.a.failures, 3);
  assert.equal(byHost.a.errors, 1);
  assert.equal(byHost.b.failures, 1);
  const conf = byHost.b.testcase.find((c: any) => c.name === 'app config (site.yml:4)');
  assert.match(conf.failure[0].inner, /-port = 81/);
  assert.ok(conf.failure[0].inner.includes(HOSTILE), 'the hostile text is data in the XML');
  assert.equal(byHost.down.testcase[0].error[0].type, 'unreachable');
  assert.equal(suites.failures, 4);
});

test('drift.html: one file, the report inside as data that no value can break out of', () => {
  const html = readFileSync(join(dir, 'out1', 'drift.html'), 'utf8');
  assert.ok(!html.includes('window.__pwned'.replace('.', '\\u002e')) && !html.includes(HOSTILE), 'the hostile text is never in the page as markup');
  assert.equal(html.match(/<\/script>/g)!.length, 2, 'only the page\'s own two script elements end');
  assert.doesNotMatch(html, /<(link|img)\b|src=|href=/, 'no external assets');
  const data = /<script id="drift-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!;
  assert.deepEqual(JSON.parse(data), pageData(report('out1')));
  assert.ok(data.includes('\\u003c/script\\u003e\\u003cscript\\u003ewindow.__pwned'), 'the hostile text is in the data, escaped');
});

test('exit codes: 4 for an unreachable host (over drift), 2 for drift, 0 for none; --fail-on chooses', async () => {
  assert.equal((await audit(['-l', 'ctl', '-o', 'out2'])).code, 2);
  assert.equal((await audit(['-l', 'ctl', '-o', 'out2', '--fail-on', 'unreachable'])).code, 0);
  assert.equal((await audit(['-o', 'out2', '--fail-on', 'unreachable'])).code, 4);
  assert.equal((await audit(['-o', 'out2', '--fail-on', 'never'])).code, 0);
  // b converged again: no drift on it.
  assert.equal((await tsplay(['run', 'site.yml', '-i', 'hosts.ini', '-l', 'b'], { cwd: dir })).code, 0);
  const r = await audit(['-l', 'b', '-o', 'out3']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(report('out3').summary.in_sync, 1);
});

test('--since: what drifted since the previous audit is new, what is still there says so, what was put right is fixed', async () => {
  // Since out1: b's app config was fixed (by the run above); a new drift on b.
  writeFileSync(join(root, 'b.x'), 'changed\n');
  const r = await audit(['-o', 'out4', '--since', 'out1/drift.json']);
  assert.equal(r.code, 4);
  const rep = report('out4');
  const b = rep.hosts.b;
  assert.deepEqual(b.fixed, [{ name: 'app config', module: 'copy', file: 'site.yml', line: 4 }]);
  assert.deepEqual(b.tasks.filter((t: any) => t.since).map((t: any) => [t.name, t.since]), [['per item', 'new']]);
  assert.deepEqual(rep.hosts.a.tasks.filter((t: any) => t.since).map((t: any) => t.since), ['still', 'still', 'still', 'still']);
  assert.equal(rep.summary.new, 1);
  assert.equal(rep.summary.fixed, 1);
  assert.equal(rep.run.since, 'out1/drift.json');
  assert.match(r.stdout, /1 new and 1 fixed since out1\/drift\.json/);
});

test('bad input is exit 5 before any host is contacted: a --since that is no report, an unknown --fail-on', async () => {
  writeFileSync(join(dir, 'not-a-report.json'), '{"hosts": {}}');
  let r = await audit(['-o', 'out5', '--since', 'not-a-report.json']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /--since not-a-report\.json is not a drift report of schema version 1/);
  assert.ok(!existsSync(join(dir, 'out5')), 'nothing written');
  r = await audit(['--fail-on', 'sometimes']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /sometimes.*drift, unreachable, never|Allowed choices are drift, unreachable, never/);
});
