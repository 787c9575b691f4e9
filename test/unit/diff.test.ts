/**
 * --diff output: hunk format as Python's difflib.unified_diff writes it (what Ansible prints
 * with) on edits both algorithms align alike, and on generated texts a diff that GNU patch
 * applies to the old text to give the new one byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { unifiedDiff } from '../../src/output/diff.js';

/** difflib's hunks (without the two file header lines) for each pair, from one python3 run. */
function difflib(pairs: [string, string][]): string[] {
  const script = `
import difflib, json, sys
out = []
for a, b in json.load(sys.stdin):
    lines = list(difflib.unified_diff(a.splitlines(True), b.splitlines(True), n=3))
    out.append(''.join(lines[2:]))
print(json.dumps(out))`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(pairs), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

const hunks = (before: string, after: string) => unifiedDiff({ path: 'f', before, after }).split('\n').slice(2).join('\n').replace(/\n*$/, '\n');

test('hunks are written as difflib writes them, one-line ranges without ",1"', () => {
  const pairs: [string, string][] = [
    ['a\n', 'b\n'],
    ['', 'hello\n'],
    ['gone\n', ''],
    ['1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n', '1\n2\n3\nfour\n5\n6\n7\n8\n9\nten\n'],
    ['a=1\nb=2\n', 'a=1\nb=3\n'],
    ['# tuning\nvm.swappiness = 60\n', '# tuning\nvm.swappiness = 10\nvm.overcommit_memory = 2\n'],
  ];
  const expected = difflib(pairs);
  pairs.forEach(([a, b], i) => assert.equal(hunks(a, b), expected[i], JSON.stringify([a, b])));
});

test('GNU patch turns the old text into the new one with the diff printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-diff-'));
  const text = fc
    .array(fc.constantFrom('a', 'b', 'c', 'x = 1', '', ' indented'), { maxLength: 14 })
    .chain((l) => fc.constantFrom(l.join('\n'), l.join('\n') + (l.length ? '\n' : '')));
  fc.assert(
    fc.property(text, text, (before, after) => {
      fc.pre(before !== after);
      const file = join(dir, 'f');
      writeFileSync(file, before);
      const diff = unifiedDiff({ path: 'f', before, after }).replace(/^--- before: f$/m, `--- ${file}`).replace(/^\+\+\+ after: f$/m, `+++ ${file}`);
      const r = spawnSync('patch', ['-s', '-f', file], { input: diff + '\n', encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${diff}`);
      assert.equal(readFileSync(file, 'utf8'), after);
    }),
    { numRuns: 150, seed: 7 },
  );
});
