import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lines, raw, Shell, sh } from '../../src/core/sh.js';

/** The words sh received: each printed NUL-terminated by printf. */
function words(script: Shell): string[] {
  const parts = execFileSync('/bin/sh', ['-c', script.text]).toString('utf8').split('\0');
  parts.pop();
  return parts;
}

const noNul = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\0'));

test('every interpolated value reaches sh as one literal word, byte for byte', () => {
  fc.assert(
    fc.property(noNul, noNul, (a, b) => {
      assert.deepEqual(words(sh`printf '%s\\0' ${a} ${b}`), [a, b]);
    }),
    { numRuns: 300 },
  );
});

test('a list becomes several words, a number one word, a Shell goes in as it is', () => {
  fc.assert(
    fc.property(fc.array(noNul, { minLength: 1, maxLength: 6 }), (list) => {
      assert.deepEqual(words(sh`printf '%s\\0' ${list}`), list);
    }),
    { numRuns: 200 },
  );
  assert.deepEqual(words(sh`printf '%s\\0' ${42} ${sh`"$(echo ${'a b'})"`}`), ['42', 'a b']);
  assert.equal(sh`echo ${raw('$HOME')}`.text, 'echo $HOME');
});

test('a value inside quotes written in the literal text is refused at the call site', () => {
  assert.throws(() => sh`echo "${'x'}"`, /inside quotes/);
  assert.throws(() => sh`echo 'a ${'x'}'`, /inside quotes/);
  assert.throws(() => sh`echo "$HOME/${'x'}"`, /inside quotes/);
  // $( ... ) inside double quotes is a new context, as in the shell; so are quotes closed before the hole.
  assert.doesNotThrow(() => sh`echo "$(cat -- ${'x'})" 'done' ${'y'}`);
  assert.doesNotThrow(() => sh`echo "a\\"b" ${'y'}`);
  // An apostrophe in a comment opens nothing.
  assert.deepEqual(words(sh`# it's fine\nprintf '%s\\0' ${"it's"}`), ["it's"]);
});

test('values that are neither words nor Shell are refused', () => {
  assert.throws(() => sh`echo ${undefined as unknown as string}`, /cannot interpolate/);
  assert.throws(() => sh`echo ${{} as unknown as string}`, /cannot interpolate/);
  assert.throws(() => sh`echo ${'a\0b'}`, /NUL/);
});

test('lines() joins pieces with newlines and leaves out false and undefined', () => {
  assert.equal(lines(sh`a`, false, undefined, sh`b ${'c d'}`).text, "a\nb 'c d'");
  assert.equal(lines().text, '');
});
