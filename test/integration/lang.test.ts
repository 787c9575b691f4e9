/**
 * The playbook language against ansible-playbook, whole outputs: every playbook in
 * test/fixtures/lang runs through tsplay as capture.sh runs it through ansible-playbook (one
 * fork, from that folder) and must print the same bytes (the folder's path written <lang>) and
 * exit with the same code. The
 * expectations were captured from ansible-core 2.14.18; oracle.test.ts checks them live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tsplay } from '../helpers/cli.js';

export const LANG = join(ROOT, 'test/fixtures/lang');

/** The playbooks and the exit codes ansible-playbook gave them. */
export function langBooks(dir = LANG): [string, number][] {
  return readFileSync(join(dir, 'exit-codes.txt'), 'utf8').trim().split('\n').map((l) => {
    const [name, code] = l.split(' ');
    return [name!, Number(code)];
  });
}

for (const [name, code] of langBooks()) {
  test(`test/fixtures/lang/${name}.yml prints what ansible-playbook printed, and exits ${code}`, async () => {
    const r = await tsplay(['run', '-f', '1', '-i', 'hosts.ini', `${name}.yml`], { cwd: LANG });
    assert.equal(r.stdout.replaceAll(LANG, '<lang>'), readFileSync(join(LANG, `${name}.expected.txt`), 'utf8'), r.stderr);
    assert.equal(r.code, code, r.stderr);
  });
}
