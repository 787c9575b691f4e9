/**
 * Ansible as the oracle, live: the expectations that tsplay's tests compare with were captured
 * from ansible-core (test/fixtures/inventory/capture.sh, test/fixtures/template/capture.py and
 * capture-files.sh, test/fixtures/lang/list/capture.ts). Where ansible-core is installed, as in
 * CI, capture again into a temporary folder and require the same bytes, so a committed
 * expectation can never drift from what Ansible prints. Skipped where ansible-core is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { CASES, HERE as LIST } from '../fixtures/lang/list/capture.js';

const skip = spawnSync('ansible-inventory', ['--version']).status === 0 ? false : 'ansible-core not installed';
const INV = join(ROOT, 'test/fixtures/inventory');
const TPL = join(ROOT, 'test/fixtures/template');

function same(captured: string, committed: string, files: string[]): void {
  assert.ok(files.length > 0);
  for (const f of files) assert.equal(readFileSync(join(captured, f), 'utf8'), readFileSync(join(committed, f), 'utf8'), f);
}

test('ansible-inventory and ansible --list-hosts print what test/fixtures/inventory/expected holds', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'tsplay-oracle-inv-'));
  const r = spawnSync('sh', [join(INV, 'capture.sh'), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(join(INV, 'expected')).filter((f) => f !== 'ANSIBLE_VERSION');
  assert.ok(files.length >= 10, files.join(' '));
  same(out, join(INV, 'expected'), files);
});

test('ansible-playbook prints the recap line of test/fixtures/local/recap.expected.txt', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-oracle-recap-'));
  const local = join(ROOT, 'test/fixtures/local');
  const r = spawnSync('ansible-playbook', ['-i', join(local, 'hosts.ini'), join(local, 'recap.yml'), '-e', `workdir=${work}`], {
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const expected = readFileSync(join(local, 'recap.expected.txt'), 'utf8').replace(/\n$/, '');
  assert.ok(r.stdout.split('\n').includes(expected), r.stdout);
});

test('ansible-playbook prints no_log loop items as test/fixtures/local/nolog-loop.expected.txt holds', { skip }, () => {
  const local = join(ROOT, 'test/fixtures/local');
  const r = spawnSync('ansible-playbook', ['-i', join(local, 'hosts.ini'), join(local, 'nolog-loop.yml')], {
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(r.stdout.includes(readFileSync(join(local, 'nolog-loop.expected.txt'), 'utf8').trimEnd()), r.stdout);
});

test('ansible-playbook prints test/fixtures/local/loops.yml as loops.expected.txt holds', { skip }, () => {
  const local = join(ROOT, 'test/fixtures/local');
  const r = spawnSync('ansible-playbook', ['-i', join(local, 'hosts.ini'), join(local, 'loops.yml')], { encoding: 'utf8', cwd: local, env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, readFileSync(join(local, 'loops.expected.txt'), 'utf8'));
});

test('ansible-playbook prints test/fixtures/local/until.yml as until.expected.txt holds (but for its fatal line)', { skip }, () => {
  const local = join(ROOT, 'test/fixtures/local');
  const work = mkdtempSync(join(tmpdir(), 'tsplay-oracle-until-'));
  const r = spawnSync('ansible-playbook', ['-i', join(local, 'hosts.ini'), join(local, 'until.yml'), '-e', `workdir=${work}`], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => !l.startsWith('fatal: ')).join('\n'), readFileSync(join(local, 'until.expected.txt'), 'utf8'));
});

test('ansible-playbook prints test/fixtures/local/lookups.yml as lookups.expected.txt holds', { skip }, () => {
  const local = join(ROOT, 'test/fixtures/local');
  const work = mkdtempSync(join(tmpdir(), 'tsplay-oracle-lookups-'));
  const r = spawnSync('ansible-playbook', ['-i', 'hosts.ini', 'lookups.yml', '-e', `workdir=${work}`], { encoding: 'utf8', cwd: local, env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, readFileSync(join(local, 'lookups.expected.txt'), 'utf8'));
});

test('ansible-playbook prints what test/fixtures/lang holds for each of its playbooks, with the exit codes there', { skip }, () => {
  const lang = join(ROOT, 'test/fixtures/lang');
  const out = mkdtempSync(join(tmpdir(), 'tsplay-oracle-lang-'));
  const r = spawnSync('sh', [join(lang, 'capture.sh'), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const books = readdirSync(lang).filter((f) => f.endsWith('.yml')).map((f) => `${f.slice(0, -4)}.expected.txt`);
  same(out, lang, [...books, 'exit-codes.txt', 'serial.retry.expected']);
});

test('ansible-playbook --list-tasks/--list-hosts/--list-tags/--syntax-check/--start-at-task/--step print what test/fixtures/lang/list holds', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'tsplay-oracle-list-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(LIST, 'capture.ts'), out], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  same(out, LIST, [...CASES.map((c) => `${c.name}.txt`), 'step.txt']);
});

test("Ansible's Templar and template module render what test/fixtures/template holds", { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'tsplay-oracle-tpl-'));
  // capture.py imports ansible from the system Python, where Debian's ansible-core lives.
  const py = spawnSync('/usr/bin/python3', [join(TPL, 'capture.py'), out], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  same(out, TPL, ['cases.expected.json', 'dumps.expected.json']);
  const files = spawnSync('sh', [join(TPL, 'capture-files.sh'), out], { encoding: 'utf8' });
  assert.equal(files.status, 0, files.stdout + files.stderr);
  same(out, join(TPL, 'files'), readdirSync(join(TPL, 'files')).filter((f) => f.endsWith('.expected')));
});
