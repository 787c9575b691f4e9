import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { raw } from '../../src/core/sh.js';
import { batchScript, newNonce, ProbeCache, splitBatch } from '../../src/executor/probes.js';

test('a batch runs each probe in its own subshell and splits stdout, stderr and rc back exactly', () => {
  const probes = [
    "printf 'no newline'",
    "echo out; echo err >&2; exit 3",
    "printf 'a\\n\\n'; exit 0",
    "case x in x) echo case-ok;; esac; cd /; exit 7",
    'cat <<EOF\nheredoc $HOME\nEOF',
  ].map(raw);
  const nonce = newNonce();
  const r = spawnSync('/bin/sh', ['-c', batchScript(probes, nonce).text], { encoding: 'utf8', env: { HOME: '/h' } });
  assert.equal(r.status, 0, r.stderr);
  const out = splitBatch(r, nonce, probes.length);
  assert.deepEqual(out, [
    { stdout: 'no newline', rc: 0, stderr: '' },
    { stdout: 'out\n', rc: 3, stderr: 'err\n' },
    { stdout: 'a\n\n', rc: 0, stderr: '' },
    { stdout: 'case-ok\n', rc: 7, stderr: '' },
    { stdout: 'heredoc /h\n', rc: 0, stderr: '' },
  ]);
});

test('cut-short output is an error, not a silent empty state', () => {
  const nonce = newNonce();
  assert.throws(() => splitBatch({ stdout: `x\n${nonce}:rc=0\n`, stderr: `\n${nonce}:end\n` }, nonce, 2), /cut short/);
});

test('the cache is keyed by script and context and holds results until cleared', () => {
  const c = new ProbeCache();
  const res = { rc: 0, stdout: 'x', stderr: '' };
  c.put({ script: raw('s'), context: 'root' }, res);
  assert.equal(c.get({ script: raw('s'), context: 'other' }), undefined);
  assert.equal(c.get({ script: raw('s'), context: 'root' }), res);
  assert.equal(c.get({ script: raw('s'), context: 'root' }), res, 'two tasks reading the same state share the probe');
  c.clear();
  assert.equal(c.get({ script: raw('s'), context: 'root' }), undefined);
});
