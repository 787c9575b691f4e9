/**
 * Rules of the code base that the type system alone does not hold, checked on the sources:
 * shell text is written with sh`` only (quote() is called by sh.ts and nowhere else), and a
 * module's argument type comes from its schema, never from a hand-written copy that could miss
 * a key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

function sources(...dirs: string[]): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...dirs.map((d) => `${d}/*.ts`)], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '');
}

/** Lines of the sources matching a pattern, as `file:line: text`, comments left out. */
function grep(files: string[], pattern: RegExp): string[] {
  const hits: string[] = [];
  for (const f of files) {
    readFileSync(root + f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, '');
        if (pattern.test(code)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

test('the quoting helper is used only by the sh`` tag: every script is built with it', () => {
  const files = sources('src', 'modules').filter((f) => f !== 'src/core/quote.ts' && f !== 'src/core/sh.ts');
  assert.deepEqual(grep(files, /from '[./]*(src\/)?core\/quote\.js'/), [], 'build shell text with sh`` from src/core/sh.ts: only it imports the quoting helper');
});

test('raw() marks fixed text only: a value interpolated into it would skip the quoting', () => {
  const files = sources('src', 'modules').filter((f) => f !== 'src/core/sh.ts');
  assert.deepEqual(grep(files, /\braw\(\s*`[^`]*\$\{/), [], 'interpolate values with sh`...${value}`, not raw(`...${value}`)');
  assert.deepEqual(grep(files, /\bnew Shell\(/), [], 'make Shell text with sh``, lines() or raw()');
});

test('no module writes its argument type by hand: it is Static<typeof schema>', () => {
  const files = sources('modules');
  assert.deepEqual(grep(files, /\btype\s+\w*Args\s*=\s*\{|\binterface\s+\w*Args\b/), [], 'derive the type: type Args = Static<typeof schema>');
});
