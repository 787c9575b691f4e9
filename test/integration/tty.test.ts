/**
 * The renderers on a real pseudo-terminal (util-linux `script`): listr2's live progress when the
 * terminal has a size, the plain line format when it reports none (it would wrap every
 * character), and the PLAY RECAP either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { quoteArgv } from '../../src/core/quote.js';

const DIR = join(ROOT, 'test/fixtures/local');

/** Runs tsplay on a pseudo-terminal of the given width; returns what the terminal showed, escapes removed. */
function onTerminal(cols: number, args: string[]): { code: number; screen: string } {
  const env = { ...process.env };
  delete env.CI;
  const inner = `stty cols ${cols} rows 40; exec ${quoteArgv([process.execPath, join(ROOT, 'bin/tsplay.js'), ...args])}`;
  const r = spawnSync('script', ['-qec', inner, '/dev/null'], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, screen: r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '') };
}

const run = (cols: number) => {
  const work = mkdtempSync(join(tmpdir(), 'tsplay-tty-'));
  return onTerminal(cols, ['run', join(DIR, 'tty.yml'), '-i', join(DIR, 'hosts.ini'), '-e', `workdir=${work}`, '--diff']);
};

test('a sized terminal gets live progress per task and host, diffs and the recap', () => {
  const { code, screen } = run(120);
  assert.equal(code, 0, screen);
  assert.match(screen, /✔ TASK \[write the greeting\]/);
  assert.match(screen, /✔ changed: node1/);
  assert.match(screen, /✔ RUNNING HANDLER \[say done\]/);
  assert.match(screen, /^\+hello$/m);
  assert.match(screen, /^node1 +: ok=2 +changed=1 +unreachable=0 +failed=0/m);
});

test('a terminal without a width gets the plain line format', () => {
  const { code, screen } = run(0);
  assert.equal(code, 0, screen);
  assert.match(screen, /^TASK \[write the greeting\] \*+$/m);
  assert.match(screen, /^changed: \[node1\]$/m);
  assert.doesNotMatch(screen, /✔/);
  assert.match(screen, /^node1 +: ok=2 +changed=1 +unreachable=0 +failed=0/m);
});
