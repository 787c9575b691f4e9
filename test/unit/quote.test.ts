import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { quote, quoteArgv } from '../../src/core/quote.js';

/** What `sh -c` prints for `printf %s QUOTED`: the byte-exact value it received. */
function throughShell(words: string[]): string[] {
  const script = words.map((w) => `printf '%s\\0' ${quote(w)}`).join('; ');
  const out = execFileSync('/bin/sh', ['-c', script]);
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

test('any string without NUL survives a round trip through sh -c byte for byte', () => {
  const noNul = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
  fc.assert(
    fc.property(fc.array(noNul, { minLength: 1, maxLength: 8 }), (words) => {
      assert.deepEqual(throughShell(words), words);
    }),
    { numRuns: 300 },
  );
});

test('shell metacharacters, quotes, newlines and unicode are literal', () => {
  const nasty = ["it's", '$(rm -rf /)', '`id`', 'a"b', '\\', '\n\t', '*', '~', '-n', '', ' ', 'é漢🙂', "''", '$HOME', '!', '#x'];
  assert.deepEqual(throughShell(nasty), nasty);
});

test('plain words stay readable, the rest is single-quoted', () => {
  assert.equal(quote('/etc/sysctl.d/99-tsplay.conf'), '/etc/sysctl.d/99-tsplay.conf');
  assert.equal(quote('a b'), "'a b'");
  assert.equal(quote("it's"), "'it'\\''s'");
  assert.equal(quote(''), "''");
  assert.equal(quoteArgv(['sysctl', '-w', 'net.ipv4.ip_local_port_range=10000 65000']), "sysctl -w 'net.ipv4.ip_local_port_range=10000 65000'");
});

test('a NUL byte is refused rather than silently truncated', () => {
  assert.throws(() => quote('a\0b'), /NUL/);
});
