import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSteps, withEnvironment } from '../../src/core/script.js';
import { type Shell, sh } from '../../src/core/sh.js';

const run = (script: Shell) => spawnSync('/bin/sh', ['-c', script.text], { encoding: 'utf8' });

test('put writes content atomically with the mode asked, leaving no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-script-'));
  const dest = join(dir, "we'ird name.conf");
  const content = 'line 1\n$(echo no)\nTSPLAY_EOF\n\u00e9\n';
  const r = run(compileSteps([{ kind: 'put', path: dest, content, mode: '0640' }]));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(dest, 'utf8'), content);
  assert.equal(statSync(dest).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(dir), ["we'ird name.conf"]);
});

test('put keeps the mode of an existing file and makes a backup when asked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-script-'));
  const dest = join(dir, 'f');
  writeFileSync(dest, 'old\n', { mode: 0o600 });
  const r = run(compileSteps([{ kind: 'put', path: dest, content: 'new\n', backup: true }]));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(dest, 'utf8'), 'new\n');
  assert.equal(statSync(dest).mode & 0o777, 0o600);
  const backups = readdirSync(dir).filter((f) => f.endsWith('~'));
  assert.equal(backups.length, 1);
  assert.equal(readFileSync(join(dir, backups[0]!), 'utf8'), 'old\n');
});

test('exec steps run in order, stop at the first failure and honour okCodes, cwd and stdin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-script-'));
  const ok = run(compileSteps([
    { kind: 'exec', argv: ['sh', '-c', 'exit 1'], okCodes: [0, 1] },
    { kind: 'exec', argv: ['sh', '-c', 'pwd > out; cat >> out'], cwd: dir, stdin: 'from stdin' },
  ]));
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(readFileSync(join(dir, 'out'), 'utf8'), `${dir}\nfrom stdin`);
  const bad = run(compileSteps([
    { kind: 'exec', argv: ['sh', '-c', 'exit 3'] },
    { kind: 'exec', argv: ['touch', join(dir, 'never')] },
  ]));
  assert.equal(bad.status, 3);
  assert.ok(!readdirSync(dir).includes('never'));
});

test('environment values are exported literally', () => {
  const out = execFileSync('/bin/sh', ['-c', withEnvironment(sh`printf %s "$A"`, { A: "x'$HOME" }).text], { encoding: 'utf8' });
  assert.equal(out, "x'$HOME");
  assert.throws(() => withEnvironment(sh`true`, { 'A B': '1' }), /invalid environment variable name/);
});
