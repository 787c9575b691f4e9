/** src/core/fnmatch.ts against Python's fnmatch.fnmatchcase on generated patterns and names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnmatch } from '../../src/core/fnmatch.js';
import { python, rng } from './oracle.js';

test('fnmatch agrees with Python fnmatch.fnmatchcase on 20,000 generated cases', () => {
  const r = rng(7);
  const patternChars = ['a', 'b', '.', '*', '?', '[', ']', '!', '^', '-', '\\', '/', ' '];
  const nameChars = ['a', 'b', '.', '[', ']', '!', '^', '-', '\\', '/', ' ', '*'];
  const cases: [string, string][] = [];
  for (let i = 0; i < 20000; i++) cases.push([r.str(patternChars, 7), r.str(nameChars, 6)]);
  // Hand-picked corners: a ] first in a set, an unclosed [, a complemented set, a caret.
  cases.push(['[]a]', ']'], ['[!]a]', 'b'], ['a[', 'a['], ['[^a]', '^'], ['[a-c]x', 'bx'], ['*.yml', 'site.yml'], ['ro?e : *', 'role : task']);
  const want = python<boolean[]>('import sys, json, fnmatch\nprint(json.dumps([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)]))', cases);
  const wrong = cases.filter(([p, n], i) => fnmatch(p, n) !== want[i]);
  assert.deepEqual(wrong.slice(0, 10), []);
  assert.ok(want.filter(Boolean).length > 100, 'enough matches among the cases');
});
