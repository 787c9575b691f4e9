/**
 * The playbook-language fixtures again, over SSH: every playbook of test/fixtures/lang runs on
 * eight lab hosts named as the fixtures name them (serial batches included), and must print what ansible-playbook printed
 * on the local connection (a delegate's address read as its name) and exit the same way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp } from '../../src/lab/index.js';
import { tsplay } from '../helpers/cli.js';
import { LANG, langBooks } from '../helpers/lang.js';

const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
let lab: Lab;
let inventory: string;

before(async () => {
  if (skip) return;
  lab = await labUp(8, { dir: mkdtempSync(join(tmpdir(), 'tsplay-lang-lab-')) });
  // The fixtures' inventory, each host (node1, node2, f1..f6) reached over SSH on a lab host of its own.
  let next = 0;
  const hosts = readFileSync(join(LANG, 'hosts.ini'), 'utf8').replace(/^(\S+) ansible_connection=local$/gm, (_m, name: string) => {
    const h = lab.hosts[next++]!;
    return `${name} ansible_host=${h.ip} ansible_user=root ansible_ssh_private_key_file=${lab.key}`;
  });
  inventory = join(lab.dir, 'lang-hosts.ini');
  writeFileSync(inventory, hosts);
});

after(async () => {
  if (lab) await labDown(lab.dir);
});

for (const [name, code] of langBooks()) {
  test(`test/fixtures/lang/${name}.yml over SSH prints what ansible-playbook printed locally`, { skip }, async () => {
    const r = await tsplay(['run', '-f', '1', '-i', inventory, '--known-hosts', lab.knownHosts, `${name}.yml`], { cwd: LANG });
    let out = r.stdout.replaceAll(LANG, '<lang>');
    for (const [i, h] of lab.hosts.slice(0, 2).entries()) out = out.replaceAll(`-> ${h.ip}]`, `-> node${i + 1}]`);
    assert.equal(out, readFileSync(join(LANG, `${name}.expected.txt`), 'utf8'), r.stderr);
    assert.equal(r.code, code, r.stderr);
  });
}
