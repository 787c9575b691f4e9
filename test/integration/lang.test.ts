/**
 * The playbook language against ansible-playbook, whole outputs: every playbook in
 * test/fixtures/lang runs through tsplay as capture.sh runs it through ansible-playbook (one
 * fork, from that folder) and must print the same bytes (the folder's path written <lang>) and
 * exit with the same code. The expectations were captured from ansible-core 2.14.18;
 * oracle.test.ts checks them live, lang-lab.test.ts runs them again over SSH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, tsplay } from '../helpers/cli.js';
import { LANG, langBooks } from '../helpers/lang.js';

for (const [name, code] of langBooks()) {
  test(`test/fixtures/lang/${name}.yml prints what ansible-playbook printed, and exits ${code}`, async () => {
    const r = await tsplay(['run', '-f', '1', '-i', 'hosts.ini', `${name}.yml`], { cwd: LANG });
    assert.equal(r.stdout.replaceAll(LANG, '<lang>'), readFileSync(join(LANG, `${name}.expected.txt`), 'utf8'), r.stderr);
    assert.equal(r.code, code, r.stderr);
  });
}

test('an include that includes itself without end fails the host at the 64th level, with the file named, instead of running forever', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-lang-'));
  writeFileSync(join(dir, 'self.yml'), '- include_tasks: self.yml\n');
  writeFileSync(join(dir, 'site.yml'), '- hosts: node1\n  gather_facts: false\n  tasks:\n    - include_tasks: self.yml\n');
  const r = await tsplay(['run', '-i', join(LANG, 'hosts.ini'), join(dir, 'site.yml')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /includes nested more than 64 deep at \S+self\.yml:1:3: does '\S+self\.yml' include itself without end\?/);
  // The top include and 64 nested ones are announced; reading the 65th level fails.
  assert.equal(r.stdout.match(/^included: /gm)?.length, 65);
});

test('the tasks an include brings in batch their probes: a converged included file costs one round trip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-lang-rt-'));
  writeFileSync(join(dir, 'inc.yml'), ['a', 'b', 'c'].map((d) => `- file: { path: ${join(dir, d)}, state: directory }\n`).join(''));
  writeFileSync(join(dir, 'site.yml'), '- hosts: node1\n  gather_facts: false\n  tasks:\n    - include_tasks: inc.yml\n');
  const args = ['run', '-i', join(LANG, 'hosts.ini'), join(dir, 'site.yml'), '--json'];
  assert.equal((await tsplay(args)).code, 0);
  const again = await tsplay(args);
  const recap = events(again.stdout).find((e) => e.kind === 'recap');
  assert.equal(recap.stats.node1.changed, 0);
  assert.equal(recap.roundTrips.node1, 1, 'three probes in one round trip');
});
