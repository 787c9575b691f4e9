/**
 * ansible-playbook's options on `tsplay run`: --list-tasks, --list-hosts, --list-tags,
 * --syntax-check and --start-at-task against what ansible-playbook printed for the same
 * arguments (test/fixtures/lang/list, captured by its capture.ts; oracle.test.ts captures again
 * live): the same text and exit code. --step refuses to run without a terminal, and asks on one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tsplay } from '../helpers/cli.js';
import { LANG } from '../helpers/lang.js';
import { answering } from '../helpers/terminal.js';
import { CASES, HERE, normalise, STEP } from '../fixtures/lang/list/capture.js';

for (const c of CASES) {
  test(`tsplay run ${c.args.join(' ')} prints what ansible-playbook printed`, async () => {
    const r = await tsplay(['run', ...c.args], { cwd: LANG });
    assert.equal(normalise(r.stdout), readFileSync(join(HERE, `${c.name}.txt`), 'utf8'), r.stderr);
    assert.equal(r.code, c.code ?? 0, r.stderr);
  });
}

test('a listing judges no template: a variable given only at run time is no error for it', async () => {
  const local = join(LANG, '../local');
  const r = await tsplay(['run', '-i', 'hosts.ini', 'recap.yml', '--list-tasks'], { cwd: local });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {6}copy\tTAGS: \[\]$/m);
  const run = await tsplay(['run', '-i', 'hosts.ini', 'recap.yml', '--syntax-check'], { cwd: local });
  assert.equal(run.code, 5, 'a syntax check judges templates as a run would');
  assert.match(run.stderr, /workdir/);
});

test('--syntax-check reports a broken playbook as validation does: exit 5 with file:line', async () => {
  const r = await tsplay(['run', '-i', 'hosts.ini', '../playbooks/unknown-module.yml', '--syntax-check'], { cwd: LANG });
  assert.equal(r.code, 5);
  assert.match(r.stderr, /unknown-module\.yml:\d+:\d+: unknown module/);
  assert.equal(r.stdout, '');
});

test('--step asks on the terminal as ansible-playbook does: y runs, anything else skips, c runs the rest', async () => {
  const r = await answering([process.execPath, join(ROOT, 'bin/tsplay.js'), 'run', ...STEP.args], STEP.question, STEP.answers, { cwd: LANG });
  assert.equal(r.screen, readFileSync(join(HERE, 'step.txt'), 'utf8'));
  assert.equal(r.code, 0, r.screen);
});

test('--step without a terminal to ask on refuses to run (exit 5) rather than hang', async () => {
  const r = await tsplay(['run', ...STEP.args], { cwd: LANG });
  assert.equal(r.code, 5);
  assert.match(r.stderr, /--step asks before each task on the terminal, and stdin is not a terminal/);
  assert.equal(r.stdout, '', 'nothing ran');
});
