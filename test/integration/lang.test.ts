/**
 * The playbook language against ansible-playbook, whole outputs: every playbook in
 * test/fixtures/lang runs through tsplay as capture.sh runs it through ansible-playbook (one
 * fork, from that folder) and must print the same bytes (the folder's path written <lang>) and
 * exit with the same code. The expectations were captured from ansible-core 2.14.18;
 * oracle.test.ts checks them live, lang-lab.test.ts runs them again over SSH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, tsplay } from '../helpers/cli.js';
import { LANG, langBooks } from '../helpers/lang.js';

for (const [name, code] of langBooks()) {
  test(`test/fixtures/lang/${name}.yml prints what ansible-playbook printed, and exits ${code}`, async () => {
    const r = await tsplay(['run', '-f', '1', '-i', 'hosts.ini', `${name}.yml`], { cwd: LANG });
    assert.equal(r.stdout.replaceAll(LANG, '<lang>'), readFileSync(join(LANG, `${name}.expected.txt`), 'utf8'), r.stderr);
    assert.equal(r.code, code, r.stderr);
  });
}

test('an include that includes itself without end fails the host at the 64th level, with the file named, instead of running forever', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-lang-'));
  writeFileSync(join(dir, 'self.yml'), '- include_tasks: self.yml\n');
  writeFileSync(join(dir, 'site.yml'), '- hosts: node1\n  gather_facts: false\n  tasks:\n    - include_tasks: self.yml\n');
  const r = await tsplay(['run', '-i', join(LANG, 'hosts.ini'), join(dir, 'site.yml')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /includes nested more than 64 deep at \S+self\.yml:1:3: does '\S+self\.yml' include itself without end\?/);
  // The top include and 64 nested ones are announced; reading the 65th level fails.
  assert.equal(r.stdout.match(/^included: /gm)?.length, 65);
});

test('the tasks an include brings in batch their probes: a converged included file costs one round trip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-lang-rt-'));
  writeFileSync(join(dir, 'inc.yml'), ['a', 'b', 'c'].map((d) => `- file: { path: ${join(dir, d)}, state: directory }\n`).join(''));
  writeFileSync(join(dir, 'site.yml'), '- hosts: node1\n  gather_facts: false\n  tasks:\n    - include_tasks: inc.yml\n');
  const args = ['run', '-i', join(LANG, 'hosts.ini'), join(dir, 'site.yml'), '--json'];
  assert.equal((await tsplay(args)).code, 0);
  const again = await tsplay(args);
  const recap = events(again.stdout).find((e) => e.kind === 'recap');
  assert.equal(recap.stats.node1.changed, 0);
  assert.equal(recap.roundTrips.node1, 1, 'three probes in one round trip');
});

test("max_fail_total (tsplay's own): failures add up across batches, and once spent no further batch starts; the output and the events say which hosts were done, failed where, and never started", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-budget-'));
  const book = join(dir, 'site.yml');
  writeFileSync(book, [
    '- name: rollout',
    '  hosts: fleet',
    '  gather_facts: false',
    '  serial: [1, 2]',
    '  max_fail_percentage: 50',
    '  max_fail_total: 2',
    '  tasks:',
    `    - copy: { content: "{{ inventory_hostname }}", dest: "${dir}/{{ inventory_hostname }}" }`,
    '    - name: health',
    '      fail: { msg: unhealthy }',
    "      when: inventory_hostname in ['f2', 'f5']",
    '',
  ].join('\n'));
  const r = await tsplay(['run', '-f', '1', '-i', join(LANG, 'hosts.ini'), book, '--retry-file', join(dir, 'retry')]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(readFileSync(join(dir, 'retry'), 'utf8'), 'f2\nf5\nf6\n', 'the failed hosts and the one never started');
  // Batches f1 | f2 f3 | f4 f5: each under max_fail_percentage alone, two failures in all.
  assert.match(r.stdout, /ROLLOUT STOPPED \[rollout\] \*+\nmax_fail_total 2 reached: 2 of the play's 6 hosts failed; no further batch starts\ndone \(3\): f1, f3, f4\nfailed \(2\): f2 \(at "health"\), f5 \(at "health"\)\nnot started \(1\): f6\n5 hosts changed, 2 failed, 1 never touched\n/);
  assert.equal(existsSync(join(dir, 'f6')), false, 'the host of the next batch was never touched');
  assert.equal(readFileSync(join(dir, 'f4'), 'utf8'), 'f4');
  const ev = events((await tsplay(['run', '-f', '1', '-i', join(LANG, 'hosts.ini'), book, '--json'])).stdout);
  assert.deepEqual(ev.filter((e) => e.kind === 'batch_end').map((e) => [e.batch, e.failed, e.budgetLeft]), [[1, [], 2], [2, ['f2'], 1], [3, ['f5'], 0]]);
  assert.deepEqual(ev.find((e) => e.kind === 'rollout_stop').notStarted, ['f6']);
});

test('the retry file lists the hosts ansible-playbook lists for serial.yml, and --limit @FILE runs exactly them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-retry-'));
  const file = join(dir, 'serial.retry');
  const r = await tsplay(['run', '-f', '1', '-i', 'hosts.ini', 'serial.yml', '--retry-file', file], { cwd: LANG });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(readFileSync(file, 'utf8'), readFileSync(join(LANG, 'serial.retry.expected'), 'utf8'));
  assert.match(r.stdout, new RegExp(`\\n\\tto retry, use: --limit @${file}\\n\\nPLAY RECAP`));
  const again = await tsplay(['run', '-f', '1', '-i', 'hosts.ini', 'other-play.yml', '--limit', `@${file}`], { cwd: LANG });
  assert.match(again.stderr + again.stdout, /no hosts matched/, 'other-play.yml targets node1, not in the retry file');
  const list = await tsplay(['run', '-i', 'hosts.ini', 'serial.yml', '--limit', `@${file}`, '--list-hosts'], { cwd: LANG });
  assert.match(list.stdout, /hosts \(3\):\n\s+f2\n\s+f5\n\s+f6\n/);
});

test("batch_check (tsplay's own) gates each batch after its handlers: a host failing it counts against the budget; batch_pause waits between batches", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-gate-'));
  const book = join(dir, 'site.yml');
  writeFileSync(book, [
    '- name: gated',
    '  hosts: f1,f2,f3,f4',
    '  gather_facts: false',
    '  serial: 1',
    '  max_fail_total: 1',
    '  batch_pause: 1',
    '  tasks:',
    `    - copy: { content: "v2", dest: "${dir}/{{ inventory_hostname }}" }`,
    '      notify: restart',
    '  handlers:',
    '    - name: restart',
    `      copy: { content: "restarted", dest: "${dir}/{{ inventory_hostname }}.restarted" }`,
    '  batch_check:',
    '    - name: healthy after the restart',
    `      command: cat ${dir}/{{ inventory_hostname }}.restarted`,
    '      changed_when: false',
    "      failed_when: inventory_hostname == 'f2'",
    '',
  ].join('\n'));
  const r = await tsplay(['run', '-f', '1', '-i', join(LANG, 'hosts.ini'), book, '--json']);
  assert.equal(r.code, 2, r.stderr);
  const ev = events(r.stdout);
  const gate = ev.filter((e) => e.kind === 'host_result' && e.task === 'healthy after the restart').map((e) => [e.host, e.status]);
  assert.deepEqual(gate, [['f1', 'ok'], ['f2', 'failed']], 'the gate ran after the handler, on each batch, and stopped after f2');
  assert.deepEqual(ev.find((e) => e.kind === 'rollout_stop').notStarted, ['f3', 'f4']);
  assert.equal(existsSync(join(dir, 'f3')), false);
  const ends = ev.filter((e) => e.kind === 'batch_end').map((e) => Date.parse(e.time));
  const starts = ev.filter((e) => e.kind === 'batch_start').map((e) => Date.parse(e.time));
  assert.ok(starts[1]! - ends[0]! >= 950, `batch 2 started ${starts[1]! - ends[0]!} ms after batch 1 ended`);
});

test('throttle: at most that many hosts run the task at once, from a task or its block', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-throttle-'));
  const log = join(dir, 'log');
  const book = join(dir, 'site.yml');
  const step = `shell: echo start >> ${log}; sleep 0.3; echo end >> ${log}`;
  writeFileSync(book, `- hosts: fleet\n  gather_facts: false\n  tasks:\n    - ${step}\n      throttle: 2\n    - block:\n        - ${step}\n      throttle: 1\n`);
  const r = await tsplay(['run', '-i', join(LANG, 'hosts.ini'), book]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // Hosts running at once, after each line: never more than the throttle.
  const peaks = (part: string[]) => part.reduce((acc, l) => ({ now: acc.now + (l === 'start' ? 1 : -1), max: Math.max(acc.max, acc.now + (l === 'start' ? 1 : -1)) }), { now: 0, max: 0 }).max;
  assert.equal(lines.length, 24);
  assert.equal(peaks(lines.slice(0, 12)), 2, lines.slice(0, 12).join(' '));
  assert.equal(peaks(lines.slice(12)), 1, lines.slice(12).join(' '));
});

test('strategy free: a fast host finishes every task before a slow one finishes its first; each result follows its own task banner', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-free-'));
  const book = join(dir, 'site.yml');
  writeFileSync(book, [
    '- name: free', '  hosts: f1,f2,f3', '  gather_facts: false', '  strategy: free', '  tasks:',
    '    - name: slow on f1', `      command: "sleep {{ 1.5 if inventory_hostname == 'f1' else 0 }}"`, '      changed_when: false',
    '    - name: second', '      debug: { msg: "{{ inventory_hostname }}" }',
    '    - name: third', '      debug: { msg: third }', '',
  ].join('\n'));
  const json = await tsplay(['run', '-i', join(LANG, 'hosts.ini'), book, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const at = (host: string, task: string) => Date.parse(events(json.stdout).find((e) => e.kind === 'host_result' && e.host === host && e.task === task).time);
  assert.ok(at('f2', 'third') < at('f1', 'slow on f1'), 'f2 was done before f1 finished its first task');
  assert.ok(at('f3', 'third') < at('f1', 'slow on f1'));
  const recapEvent = events(json.stdout).find((e) => e.kind === 'recap');
  for (const h of ['f1', 'f2', 'f3']) assert.equal(recapEvent.stats[h].ok, 3);
  const plain = await tsplay(['run', '-i', join(LANG, 'hosts.ini'), book]);
  // The slow host's results come last, each after its task's banner again.
  assert.match(plain.stdout, /TASK \[slow on f1\] \*+\nok: \[f1\]\n\nTASK \[second\] \*+\nok: \[f1\] => \{\n {4}"msg": "f1"\n\}\n\nTASK \[third\] \*+\nok: \[f1\] => \{\n {4}"msg": "third"\n\}\n\nPLAY RECAP/);
});

test('strategy free keeps probe look-ahead: each host batches the probes of its converged tasks in one round trip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-free-rt-'));
  const book = join(dir, 'site.yml');
  const tasks = ['a', 'b', 'c'].map((d) => `    - file: { path: "${dir}/{{ inventory_hostname }}-${d}", state: directory }\n`).join('');
  writeFileSync(book, `- hosts: f1,f2\n  gather_facts: false\n  strategy: free\n  tasks:\n${tasks}`);
  const args = ['run', '-i', join(LANG, 'hosts.ini'), book, '--json'];
  assert.equal((await tsplay(args)).code, 0);
  const recap = events((await tsplay(args)).stdout).find((e) => e.kind === 'recap');
  assert.deepEqual(recap.roundTrips, { f1: 1, f2: 1 });
  assert.equal(recap.stats.f1.changed + recap.stats.f2.changed, 0);
});
