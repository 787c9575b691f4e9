/**
 * The executor through the real CLI on the local transport (ansible_connection=local):
 * variable precedence (expected values taken from ansible-playbook 2.14 on the same files),
 * register, when, loops, changed_when/failed_when, handlers order, tags, no_log and -v.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, recap, ROOT, tsplay } from '../helpers/cli.js';

const DIR = join(ROOT, 'test/fixtures/local');
const INV = ['-i', join(DIR, 'hosts.ini')];

function debugMsgs(stdout: string): Record<string, string> {
  return Object.fromEntries(events(stdout).filter((e) => e.kind === 'host_result' && e.module === 'debug').map((e) => [e.task, e.result.msg]));
}

test('variable precedence matches ansible-playbook on the same inventory and playbook', async () => {
  const r = await tsplay(['run', join(DIR, 'precedence.yml'), ...INV, '-e', 'overridden_by_extra=extra', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const msgs = debugMsgs(r.stdout);
  // Captured from: ansible-playbook -i hosts.ini precedence.yml -e overridden_by_extra=extra (ansible-core 2.14.18)
  assert.equal(msgs['show precedence'], 'who=inventory-host level=host_vars group=yes gv=1 task=task extra=extra chained=play-host_vars');
  assert.equal(msgs['show set_fact'], "play_var=set_fact groups=['node1'] names=['ctl']");
});

test('extra vars win over set_fact', async () => {
  const r = await tsplay(['run', join(DIR, 'precedence.yml'), ...INV, '-e', '{"play_var": "extra"}', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(debugMsgs(r.stdout)['show set_fact']!, /^play_var=extra /);
});

test('register, when, loops, failed_when, ignore_errors, handlers in definition order, no_log', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-flow-'));
  const r = await tsplay(['run', join(DIR, 'flow.yml'), ...INV, '-e', `workdir=${work}`, '-v', '--diff']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const s = recap(r.stdout).node1!;
  assert.equal(s.failed, 0);
  assert.equal(s.ignored, 1);
  assert.equal(s.skipped, 1);
  assert.match(r.stdout, /ok: \[node1\] => \{\n    "msg": "read hello rc=0 lines=1"\n\}/);
  assert.match(r.stdout, /changed: \[node1\] => \(item=one\)/);
  assert.equal(readFileSync(join(work, 'two'), 'utf8'), '2\n');
  assert.equal(readFileSync(join(work, 'handlers'), 'utf8'), 'first\nsecond\n');
  assert.equal(readFileSync(join(work, 'secret'), 'utf8'), 's3cret-value\n');
  assert.doesNotMatch(r.stdout, /s3cret/, 'no_log leaked the secret');
  assert.match(r.stdout, /<node1> \$ /, '-v shows the commands run');
  assert.doesNotMatch(r.stdout, /never-tag/);

  const again = await tsplay(['run', join(DIR, 'flow.yml'), ...INV, '-e', `workdir=${work}`]);
  assert.equal(again.code, 0);
  // ansible-playbook 2.14 on the same files: ok=9 changed=2 (the shell task without changed_when,
  // and the ignored failure, which changed) skipped=1 ignored=1.
  assert.deepEqual(recap(again.stdout).node1, { ok: 9, changed: 2, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 1 }, again.stdout);
  assert.doesNotMatch(again.stdout, /RUNNING HANDLER/);
});

test('tags select tasks; never-tagged tasks run only when asked for', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-tags-'));
  const only = await tsplay(['run', join(DIR, 'flow.yml'), ...INV, '-e', `workdir=${work}`, '-t', 'extra', '--json']);
  assert.equal(only.code, 0, only.stderr);
  const ran = events(only.stdout).filter((e) => e.kind === 'task_start').map((e) => e.name);
  assert.deepEqual(ran, ['tagged task']);
  const special = await tsplay(['run', join(DIR, 'flow.yml'), ...INV, '-e', `workdir=${work}`, '--tags', 'special', '--json']);
  assert.deepEqual(events(special.stdout).filter((e) => e.kind === 'task_start').map((e) => e.name), ['never unless asked']);
  const skipped = await tsplay(['run', join(DIR, 'flow.yml'), ...INV, '-e', `workdir=${work}`, '--skip-tags', 'extra', '--json']);
  assert.ok(!events(skipped.stdout).some((e) => e.kind === 'task_start' && e.name === 'tagged task'));
});

test('check mode on the local transport changes nothing and skips commands', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-chk-'));
  const r = await tsplay(['run', join(DIR, 'flow.yml'), ...INV, '-e', `workdir=${work}`, '--check', '--json']);
  const evs = events(r.stdout);
  const write = evs.find((e) => e.kind === 'host_result' && e.task === 'write a file');
  assert.equal(write.status, 'changed');
  assert.equal(evs.find((e) => e.kind === 'host_result' && e.task === 'read it back').status, 'skipped');
  assert.throws(() => readFileSync(join(work, 'a.txt')), /ENOENT/);
});

test('vars_files, play and task environment, per-task diff, any_errors_fatal', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-misc-'));
  const r = await tsplay(['run', join(DIR, 'misc.yml'), ...INV, '-e', `workdir=${work}`, '--json']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const evs = events(r.stdout);
  const result = (task: string, host = 'node1') => evs.find((e) => e.kind === 'host_result' && e.task === task && e.host === host);
  assert.equal(result('assert').status, 'ok');
  assert.equal(result('diff on for this task only').diff[0].after, 'x\n');
  assert.equal(result('fails on node1 only').status, 'failed');
  assert.equal(result('fails on node1 only', 'node2').status, 'skipped');
  assert.ok(!evs.some((e) => e.kind === 'host_result' && e.task === 'never reached by anyone'), 'any_errors_fatal stopped every host');
});

test('a command past its --timeout fails the task on that host', async () => {
  const started = Date.now();
  const r = await tsplay(['run', join(DIR, 'timeout.yml'), ...INV, '--timeout', '1']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.ok(Date.now() - started < 15000, 'the timeout did not stop the command');
  assert.match(r.stdout, /fatal: \[node1\]: FAILED! => .*timed out after 1 s/);
  assert.equal(recap(r.stdout).node1!.failed, 1);
});

test('a reader slower than tsplay still gets every line, the recap included', async () => {
  // 200 local hosts x 10 debug tasks write ~2 MB of JSON events into a pipe that nobody reads
  // for the first second: output still queued at exit must not be dropped.
  const work = mkdtempSync(join(tmpdir(), 'tsplay-pipe-'));
  const hosts = Array.from({ length: 200 }, (_, i) => `l${i} ansible_connection=local`);
  writeFileSync(join(work, 'hosts.ini'), `[all]\n${hosts.join('\n')}\n`);
  const tasks = Array.from({ length: 10 }, (_, i) => `    - debug:\n        msg: "{{ inventory_hostname }} step ${i} ${'0'.repeat(200)}"\n`);
  writeFileSync(join(work, 'pb.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join('')}`);
  const out = join(work, 'out');
  const bin = join(ROOT, 'bin/tsplay.js');
  const script = `"$0" "$1" run "$2/pb.yml" -i "$2/hosts.ini" --json -f 200 </dev/null | { sleep 1; cat; } >"$3"`;
  const r = spawnSync('/bin/sh', ['-c', script, process.execPath, bin, work, out], { env: { ...process.env, CI: '1' } });
  assert.equal(r.status, 0, r.stderr.toString());
  const evs = events(readFileSync(out, 'utf8'));
  assert.equal(evs.filter((e) => e.kind === 'host_result').length, 200 * 10, 'events lost');
  assert.equal(evs.at(-1).kind, 'recap');
});

test('probes are batched while tasks are converged, and ride along with each apply', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-probes-'));
  const run = async () => {
    const r = await tsplay(['run', join(DIR, 'probes.yml'), ...INV, '-e', `workdir=${work}`, '--json', '-v']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const evs = events(r.stdout);
    // A batch frames each script with an end marker; a lone probe or apply has none. An apply
    // batch holds the apply script first, then the probes that rode along.
    const markers = (e: { script: string }) => (e.script.match(/:end\\n/g) ?? []).length;
    const commands = evs.filter((e) => e.kind === 'host_command');
    const scripts = commands.reduce((n, e) => n + (e.phase === 'probe' ? Math.max(1, markers(e)) : Math.max(0, markers(e) - 1)), 0);
    return { trips: evs.find((e) => e.kind === 'recap').roundTrips.node1, scripts, changed: evs.find((e) => e.kind === 'recap').stats.node1.changed };
  };
  // First run: the first probe looks ahead (7 distinct scripts: both lineinfile tasks read f6),
  // then each of the 6 applies carries the next task's probe, read after the change; the
  // lineinfile tasks find f6 as the last copy left it and share one probe.
  const first = await run();
  assert.deepEqual(first, { trips: 1 + 6, scripts: 7 + 6, changed: 6 });
  // Converged: one batch.
  assert.deepEqual(await run(), { trips: 1, scripts: 7, changed: 0 });
  // A drift among converged tasks: the repair carries the batch of the 4 distinct probes after it.
  writeFileSync(join(work, 'f3'), 'drift\n');
  assert.deepEqual(await run(), { trips: 2, scripts: 7 + 4, changed: 1 });
});

test('wait_for reads the host at its own time, never a cached probe', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-wait-'));
  const r = await tsplay(['run', join(DIR, 'wait-fresh.yml'), ...INV, '-e', `workdir=${work}`, '--json']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const waits = events(r.stdout).filter((e) => e.kind === 'host_result' && e.module === 'wait_for');
  const byHost = (host: string) => waits.filter((e) => e.host === host).map((e) => e.status);
  // node1 changed nothing itself, so only a fresh read sees node2's file.
  assert.deepEqual(byHost('node1'), ['ok', 'failed']);
  assert.deepEqual(byHost('node2'), ['ok', 'failed']);
});

test('PLAY RECAP counts as ansible-playbook counts: an ignored failure is ok and ignored, changed if it changed, and notifies nothing; empty or wholly skipped loops are skipped', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-recap-'));
  const r = await tsplay(['run', join(DIR, 'recap.yml'), ...INV, '-e', `workdir=${work}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The recap line ansible-playbook 2.14.18 printed for the same files (oracle.test.ts checks it live).
  const expected = readFileSync(join(DIR, 'recap.expected.txt'), 'utf8').replace(/\n$/, '');
  assert.ok(r.stdout.split('\n').includes(expected), r.stdout);
  assert.match(r.stdout, /RUNNING HANDLER \[after copy\]/);
  assert.doesNotMatch(r.stdout, /after ignored failure/);
  // A loop skipped whole ends with the task's own skipping line, as Ansible prints it.
  assert.match(r.stdout, /skipping: \[node1\] => \(item=2\) \nskipping: \[node1\]\n/);
});

test('with_dict, with_together, with_nested, with_sequence, with_subelements, with_items and with_fileglob give the items Ansible gives, printed as Ansible prints them', async () => {
  const r = await tsplay(['run', join(DIR, 'loops.yml'), ...INV]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The whole output of ansible-playbook 2.14.18 for the same file (oracle.test.ts checks it live).
  assert.equal(r.stdout, readFileSync(join(DIR, 'loops.expected.txt'), 'utf8'));
});

test('until, retries and delay run as ansible-core 2.14 runs them: the retries, the FAILED - RETRYING lines, attempts', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-until-'));
  const r = await tsplay(['run', join(DIR, 'until.yml'), ...INV, '-e', `workdir=${work}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // ansible-playbook 2.14.18's output for the same file, but for its fatal line (oracle.test.ts checks it live).
  assert.equal(r.stdout.split('\n').filter((l) => !l.startsWith('fatal: ')).join('\n'), readFileSync(join(DIR, 'until.expected.txt'), 'utf8'));
  assert.equal(readFileSync(join(work, 'n'), 'utf8'), '3\n', 'the counting task ran three times');
  writeFileSync(join(work, 'bad.yml'), '- hosts: node1\n  gather_facts: false\n  vars: { n: lots }\n  tasks:\n    - command: "true"\n      until: false\n      retries: "{{ n }}"\n');
  const bad = await tsplay(['run', join(work, 'bad.yml'), ...INV]);
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /retries must be a whole number, got lots in command \(\S+bad\.yml:5:7\)/);
});

test('lookup() and query() give what ansible-core 2.14 gives: file, template, pipe, lines, env, vars, first_found, fileglob, password and the list lookups', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-lookups-'));
  const r = await tsplay(['run', join(DIR, 'lookups.yml'), ...INV, '-e', `workdir=${work}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The whole output of ansible-playbook 2.14.18 for the same file (oracle.test.ts checks it live).
  assert.equal(r.stdout, readFileSync(join(DIR, 'lookups.expected.txt'), 'utf8'));
  assert.match(r.stderr, /\[WARNING\]: Lookup failed but the error is being ignored: could not locate file in lookup: missing\.txt/);
  // The password file is private, and a second run reads it back instead of making a new one.
  const saved = readFileSync(join(work, 'secrets/db'), 'utf8');
  assert.match(saved, /^[A-Za-z0-9.,:_-]{20}\n$/);
  assert.equal(statSync(join(work, 'secrets/db')).mode & 0o777, 0o600);
  assert.equal(statSync(join(work, 'secrets')).mode & 0o777, 0o700);
  const again = await tsplay(['run', join(DIR, 'lookups.yml'), ...INV, '-e', `workdir=${work}`]);
  assert.equal(again.stdout, r.stdout);
  assert.equal(readFileSync(join(work, 'secrets/db'), 'utf8'), saved);
});

test('a loop lookup given the wrong shape fails the task with the reason, as Ansible does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-loops-'));
  const book = join(dir, 'site.yml');
  writeFileSync(book, '- hosts: node1\n  gather_facts: false\n  tasks:\n    - debug: { msg: "{{ item }}" }\n      with_dict: [a, b]\n    - debug: { msg: "{{ item }}" }\n      with_sequence: start=5 end=1\n      ignore_errors: true\n');
  const r = await tsplay(['run', book, ...INV]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /with_dict expects a dict, got \['a', 'b'\] in debug \(\S+site\.yml:4:7\)/);
});

test('no_log hides loop items and labels in every output: (item=None) and the task line as Ansible prints them, no item in --json or -v', async () => {
  const plain = await tsplay(['run', join(DIR, 'nolog-loop.yml'), ...INV]);
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  // What ansible-playbook 2.14 printed for the same file (oracle.test.ts checks it live).
  const expected = readFileSync(join(DIR, 'nolog-loop.expected.txt'), 'utf8').trimEnd();
  assert.ok(plain.stdout.includes(expected), plain.stdout);
  for (const flags of [['--json'], ['-vvv'], ['--json', '-v'], ['--diff', '-v']]) {
    const r = await tsplay(['run', join(DIR, 'nolog-loop.yml'), ...INV, ...flags]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /SECRET/, flags.join(' '));
  }
});

test('a no_log task probes on its own: -v output of the task before it does not show its probe', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-nolog-'));
  for (const run of [1, 2]) {
    const r = await tsplay(['run', join(DIR, 'nolog-probe.yml'), ...INV, '-e', `workdir=${work}`, '-v']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<node1> \$ /, `run ${run}: -v shows commands`);
    assert.doesNotMatch(r.stdout, /s3cret-name/, `run ${run}: the no_log task's path leaked`);
  }
});

test('templated notify names are rendered per host; one naming no handler fails that task before it runs, as ansible-playbook refuses it', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-notify-'));
  const pb = join(work, 'notify.yml');
  writeFileSync(
    pb,
    `- hosts: node1
  gather_facts: false
  vars:
    svc: app
  tasks:
    - command: "true"
      notify: "restart {{ svc }}"
    - name: reload
      command: touch ${work}/reloaded
      notify: "reload {{ svc }}"
  handlers:
    - name: restart app
      command: touch ${work}/restarted
`,
  );
  const r = await tsplay(['run', pb, ...INV]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /fatal: \[node1\]: FAILED! .*The requested handler 'reload app' was not found in either the main handlers list nor in the listening handlers list \(notify of reload \(.*notify\.yml:8/);
  assert.equal(spawnSync('ls', [work]).stdout.toString(), 'notify.yml\n', 'the failing task ran, or a handler of a failed host did');
  // Without the bad task, the templated name reaches its handler.
  writeFileSync(pb, readFileSync(pb, 'utf8').replace(/    - name: reload\n.*\n.*\n/, ''));
  const ok = await tsplay(['run', pb, ...INV]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(spawnSync('ls', [work]).stdout.toString(), 'notify.yml\nrestarted\n');
});

test('ignore_errors, no_log and check_mode are templated per host, as Ansible templates them', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-flags-'));
  const pb = join(work, 'flags.yml');
  writeFileSync(
    pb,
    `- hosts: node1
  gather_facts: false
  vars: {ign: true, hide: "yes", dry: true, wet: false}
  tasks:
    - {name: ignored, command: "false", ignore_errors: "{{ ign }}"}
    - {name: hidden, debug: {msg: "s3cret-flag"}, no_log: "{{ hide }}"}
    - {name: dry, copy: {dest: "${work}/dry", content: x}, check_mode: "{{ dry }}"}
    - {name: wet, copy: {dest: "${work}/wet", content: x}, check_mode: "{{ wet }}"}
    - {name: not ignored, command: "false", ignore_errors: "{{ not ign }}"}
`,
  );
  const r = await tsplay(['run', pb, ...INV]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  // As ansible-playbook 2.14 -c local on the same file: ok=4 changed=3 failed=1 ignored=1, rc=2, only 'wet' written.
  assert.deepEqual(recap(r.stdout).node1, { ok: 4, changed: 3, unreachable: 0, failed: 1, skipped: 0, rescued: 0, ignored: 1 });
  assert.doesNotMatch(r.stdout, /s3cret-flag/);
  assert.equal(spawnSync('ls', [work]).stdout.toString(), 'flags.yml\nwet\n');
});
