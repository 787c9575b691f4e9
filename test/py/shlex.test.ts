/**
 * src/py/shlex.ts against Python's shlex.split, with and without comments, on generated lines
 * of words, both quotes, backslashes, comment marks and every kind of whitespace (only four of
 * which separate words for shlex). Unclosed quotes and trailing backslashes must fail on both sides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShlexError, shlexSplit } from '../../src/py/shlex.js';
import { python, rng } from './oracle.js';

const r = rng(0x5a1e);
const ALPHABET = ['a', 'b', 'x=1', ' ', ' ', '\t', '\n', '\r', '\v', '\f', '\xa0', "'", '"', '\\', '#', '$', 'é', '😀', '*', ';', "'a b'", "''", '""', '"a\\"b"', '"\\$x\\\\"', "'\\n'", '"#"', '\\ ', '\\#', '\\\n'];

const SCRIPT = String.raw`
import json, shlex, sys
out = []
for line, comments in json.load(sys.stdin):
    try:
        out.append(shlex.split(line, comments=comments))
    except ValueError as e:
        out.append({'error': str(e)})
print(json.dumps(out))
`;

test('shlex: split matches Python shlex.split, comments or not', (t) => {
  const cases = Array.from({ length: 4000 }, (_, i) => [r.str(ALPHABET, 14), i % 2 === 1] as [string, boolean]);
  const expected = python<(string[] | { error: string })[]>(SCRIPT, cases);
  let errors = 0;
  cases.forEach(([line, comments], i) => {
    const want = expected[i]!;
    let got: string[] | { error: string };
    try {
      got = shlexSplit(line, comments);
    } catch (e) {
      if (!(e instanceof ShlexError)) throw e;
      got = { error: e.message };
      errors++;
    }
    assert.deepEqual(got, want, `shlex.split(${JSON.stringify(line)}, comments=${comments})`);
  });
  t.diagnostic(`${cases.length} lines, ${errors} of them errors on both sides`);
});
