/**
 * Bad input is refused before anything is deployed: exit 5 with the file and line, in seconds,
 * for hostile YAML (billion laughs, deep nesting, undefined aliases), invalid UTF-8, vaulted
 * content and empty playbooks. Every case runs the real CLI with a local-connection host whose
 * one task would write a marker file: the marker must never appear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsplay } from '../helpers/cli.js';

const LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
const DEEP = `${'{k: '.repeat(2000)}1${'}'.repeat(2000)}`;
const VAULT = '$ANSIBLE_VAULT;1.1;AES256\n6162636465666768\n';

interface Case {
  name: string;
  files: Record<string, string | Buffer>;
  /** Where the error must point: file (relative) and line. */
  at: RegExp;
  says: RegExp;
  /** More command-line arguments. */
  args?: string[];
}

/** A project: hosts.ini (one local host), site.yml writing the marker unless the case replaces it. */
function project(files: Record<string, string | Buffer>): { dir: string; marker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-bad-'));
  const marker = join(dir, 'deployed');
  const all: Record<string, string | Buffer> = {
    'hosts.ini': 'node1 ansible_connection=local\n',
    'site.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {dest: "${marker}", content: "{{ x | default('x') }}"}\n`,
    ...files,
  };
  for (const [name, body] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof body === 'string' ? body.replaceAll('MARKER', marker) : body);
  }
  return { dir, marker };
}

const play = (vars: string, task = 'copy: {dest: "MARKER", content: "x"}') => `- hosts: all\n  gather_facts: false\n  vars:\n${vars.split('\n').map((l) => `    ${l}`).join('\n')}\n  tasks:\n    - ${task}\n`;

const cases: Case[] = [
  { name: 'billion laughs in play vars', files: { 'site.yml': play(LAUGHS) }, at: /site\.yml:\d+/, says: /aliases expand to more than/ },
  { name: 'billion laughs in group_vars', files: { 'group_vars/all.yml': LAUGHS }, at: /group_vars\/all\.yml:\d+/, says: /aliases expand to more than/ },
  { name: 'billion laughs in a YAML inventory', files: { 'hosts.yml': `all:\n  hosts:\n    node1: {ansible_connection: local}\n  vars:\n${LAUGHS.split('\n').map((l) => `    ${l}`).join('\n')}\n` }, at: /hosts\.yml:\d+/, says: /aliases expand to more than/ },
  { name: 'a 2000-deep mapping in play vars', files: { 'site.yml': play(`x: ${DEEP}`) }, at: /site\.yml:\d+/, says: /nested deeper than 200 levels/ },
  { name: 'a 2000-deep mapping in group_vars', files: { 'group_vars/all.yml': `x: ${DEEP}\n` }, at: /group_vars\/all\.yml:1/, says: /nested deeper than 200 levels/ },
  { name: 'an undefined alias', files: { 'site.yml': play('app_port: *nope', 'copy: {dest: "MARKER", content: "APP_PORT={{ app_port }}"}') }, at: /site\.yml:4/, says: /undefined YAML alias \*nope/ },
  { name: 'an alias inside its own anchor', files: { 'group_vars/all.yml': 'x: &x [1, *x]\n' }, at: /group_vars\/all\.yml:1/, says: /inside its own anchor/ },
  { name: 'invalid UTF-8 in the playbook', files: { 'site.yml': Buffer.concat([Buffer.from('- hosts: all\n  gather_facts: false\n  vars: {x: "caf'), Buffer.from([0xe9]), Buffer.from('"}\n  tasks:\n    - copy: {dest: MARKER, content: "{{ x }}"}\n')]) }, at: /site\.yml:3/, says: /invalid UTF-8 at byte offset 51 \(byte 0xe9\)/ },
  { name: 'invalid UTF-8 in group_vars', files: { 'group_vars/all.yml': Buffer.from([0x78, 0x3a, 0x20, 0xff, 0x0a]) }, at: /group_vars\/all\.yml:1/, says: /invalid UTF-8 at byte offset 3/ },
  { name: 'invalid UTF-8 in a template', files: { 'templates/t.j2': Buffer.from([0x61, 0x0a, 0x62, 0xc3, 0x28, 0x0a]), 'site.yml': play('y: 1', 'template: {src: t.j2, dest: MARKER}') }, at: /templates\/t\.j2:2/, says: /invalid UTF-8 at byte offset 3/ },
  { name: 'a template syntax error names the template line', files: { 'templates/t.j2': 'a\nb\n{% if %}\n', 'site.yml': play('y: 1', 'template: {src: t.j2, dest: MARKER}') }, at: /templates\/t\.j2:3/, says: /template syntax error/ },
  { name: 'a vaulted template without a vault password', files: { 'templates/t.j2': VAULT, 'site.yml': play('y: 1', 'template: {src: t.j2, dest: MARKER}') }, at: /templates\/t\.j2:1/, says: /is vaulted \(vault id default\) and no vault password was given/ },
  { name: 'a vaulted copy src without a vault password', files: { 'files/secret.txt': VAULT, 'site.yml': play('y: 1', 'copy: {src: secret.txt, dest: MARKER}') }, at: /files\/secret\.txt:1/, says: /is vaulted \(vault id default\) and no vault password was given/ },
  { name: 'an empty playbook list', files: { 'site.yml': '[]\n' }, at: /site\.yml:1/, says: /A playbook must contain at least one play/ },
  { name: 'an owner that reads as an option (copy)', files: { 'site.yml': play('y: 1', 'copy: {dest: MARKER, content: x, owner: "--reference=/etc/shadow"}') }, at: /site\.yml:6/, says: /option 'owner' must be a user or group name/ },
  { name: 'a group that reads as an option (file)', files: { 'site.yml': play('y: 1', 'file: {path: MARKER, state: touch, group: "--reference=/etc/shadow"}') }, at: /site\.yml:6/, says: /option 'group' must be a user or group name/ },
  { name: 'a relative dest that reads as an option', files: { 'site.yml': play('y: 1', 'copy: {dest: "--help", content: x}') }, at: /site\.yml:6/, says: /option 'dest' must be an absolute path/ },
  { name: 'a lineinfile path that is relative', files: { 'site.yml': play('y: 1', 'lineinfile: {path: "etc/x", line: x}') }, at: /site\.yml:6/, says: /option 'path' must be an absolute path/ },
  { name: 'a lineinfile destfile that is relative', files: { 'site.yml': play('y: 1', 'lineinfile: {destfile: "-x", line: x}') }, at: /site\.yml:6/, says: /option 'destfile' must be an absolute path/ },
  { name: '--timeout abc', files: {}, at: /--timeout/, says: /must be a number of seconds/, args: ['--timeout', 'abc'] },
  { name: 'ansible_port=abc in an INI inventory', files: { 'hosts.ini': 'node1 ansible_connection=local\nnode2 ansible_port=abc\n' }, at: /hosts\.ini:2/, says: /ansible_port must be a port number/ },
  { name: 'notify naming no handler and no listen topic', files: { 'site.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {dest: MARKER, content: x}\n      notify: restart app\n  handlers:\n    - debug: {msg: x}\n      listen: reload app\n' }, at: /site\.yml:5/, says: /The requested handler 'restart app' was not found in either the main handlers list nor in the listening handlers list/ },
  { name: 'a VLAN id out of 802.1Q range', files: { 'site.yml': play('y: 1', 'vlan: {link: eth0, id: 4095}') }, at: /site\.yml:6/, says: /option 'id' must be <= 4094/ },
  { name: 'a bridge listing itself as a port', files: { 'site.yml': play('y: 1', 'bridge: {name: br0, ports: [eth1, br0]}') }, at: /site\.yml:6/, says: /option 'ports' lists br0 itself/ },
  { name: 'a bond address that is not an address', files: { 'site.yml': play('y: 1', 'bond: {name: bond0, slaves: [eth1], address: 10.0.0.256/24}') }, at: /site\.yml:6/, says: /option 'address' '10\.0\.0\.256\/24' is not an address/ },
  { name: 'a bond without slaves', files: { 'site.yml': play('y: 1', 'bond: {name: bond0, slaves: []}') }, at: /site\.yml:6/, says: /option 'slaves' must NOT have fewer than 1 items/ },
  { name: 'a task with two loops', files: { 'site.yml': play('y: 1', 'debug: {msg: x}\n      loop: [1]\n      with_items: [2]') }, at: /site\.yml:8/, says: /a task loops once: it has loop and with_items/ },
  { name: 'an empty playbook file', files: { 'site.yml': '# nothing here\n' }, at: /site\.yml:1/, says: /Empty playbook, nothing to do/ },
];

for (const c of cases) {
  test(`refused before any host is touched: ${c.name}`, async () => {
    const { dir, marker } = project(c.files);
    const inv = existsSync(join(dir, 'hosts.yml')) ? 'hosts.yml' : 'hosts.ini';
    const started = Date.now();
    const r = await tsplay(['run', join(dir, 'site.yml'), '-i', join(dir, inv), ...(c.args ?? [])]);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, c.at);
    assert.match(r.stderr, c.says);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace');
    assert.equal(existsSync(marker), false, 'the task ran');
  });
}

test('binary copy src stays byte-exact: only text files must be UTF-8', async () => {
  const bytes = Buffer.from([0xff, 0xfe, 0x00, 0xe9, 0xc3, 0x28, 0x0a]);
  const { dir, marker } = project({ 'files/blob.bin': bytes, 'site.yml': play('y: 1', 'copy: {src: blob.bin, dest: MARKER}') });
  const r = await tsplay(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { readFileSync } = await import('node:fs');
  assert.deepEqual(readFileSync(marker), bytes);
});

test("a template's undefined variable is reported at the template's line, not the playbook's", async () => {
  const { dir, marker } = project({ 'templates/t.j2': 'line one\n{{ nope }}\n', 'site.yml': play('y: 1', 'template: {src: t.j2, dest: MARKER}') });
  const r = await tsplay(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini')]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /templates\/t\.j2:2:\d+: 'nope' is undefined/);
  assert.equal(existsSync(marker), false);
});

test('chdir "-P" or "-" is a directory name, not an option of cd: the command does not run in the home directory', async () => {
  for (const chdir of ['-P', '-']) {
    const { dir, marker } = project({ 'site.yml': play('y: 1', `command: {cmd: "touch MARKER", chdir: "${chdir}"}`) });
    const r = await tsplay(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini')], { cwd: dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /can't cd|No such file|Unable to change directory/, r.stdout);
    assert.equal(existsSync(marker), false, `chdir ${chdir} ran the command elsewhere`);
  }
});

test('two nameless handlers listening on different topics are two handlers: each runs for its own topic', async () => {
  const { dir, marker } = project({
    'site.yml': `- hosts: all
  gather_facts: false
  tasks:
    - copy: {dest: MARKER, content: x}
      notify: [topic a, topic b]
  handlers:
    - copy: {dest: "MARKER.a", content: a}
      listen: topic a
    - copy: {dest: "MARKER.b", content: b}
      listen: topic b
`,
  });
  const r = await tsplay(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(existsSync(`${marker}.a`) && existsSync(`${marker}.b`), true, r.stdout);
  assert.equal(r.stdout.match(/RUNNING HANDLER/g)?.length, 2);
});

test('the storage modules\' invalid options are refused before the run, each with its task\'s file:line', async () => {
  const { dir, marker } = project({
    'storage.yml': [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      `    - copy: {dest: "MARKER", content: "x"}`,
      '    - swap: { path: /swapfile, size: 0 }',
      '    - lvm_snapshot: { vg: vg0, name: data-backup }',
      '    - aoe: { role: initiator, shelf: 1, slot: 256 }',
      '    - clonezilla: { action: savedisk, image: data, devices: [/dev/sdb], extra_args: [-or, /mnt] }',
      '    - clonezilla: { action: clone, image: data, devices: [/dev/sdb] }',
      '',
    ].join('\n'),
  });
  const r = await tsplay(['run', 'storage.yml', '-i', 'hosts.ini'], { cwd: dir });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.match(r.stderr, /storage\.yml:5\b.*size 0 bytes is below what mkswap takes/);
  assert.match(r.stderr, /storage\.yml:6\b.*origin is required with state: present/);
  assert.match(r.stderr, /storage\.yml:7\b.*slot/);
  assert.match(r.stderr, /storage\.yml:8\b.*-or is set by tsplay/);
  assert.match(r.stderr, /storage\.yml:9\b.*action/);
  assert.ok(!existsSync(marker), 'nothing ran');
});

test('libvirt_domain\'s invalid options are refused before the run, each with its task\'s file:line', async () => {
  const { dir, marker } = project({
    'kvm.yml': [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      `    - copy: {dest: "MARKER", content: "x"}`,
      '    - libvirt_domain: { name: web1, xml: "<domain><name>web1</name>", state: running }',
      '    - libvirt_domain: { name: web2, memory: 512, networks: [{ bridge: br0, network: default }] }',
      '    - libvirt_domain: { name: web3, state: started }',
      '    - libvirt_domain: { name: web4, xml: "<domain><name>web4</name></domain>", clone_from: base }',
      '',
    ].join('\n'),
  });
  const r = await tsplay(['run', 'kvm.yml', '-i', 'hosts.ini'], { cwd: dir });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.match(r.stderr, /kvm\.yml:5\b.*not well-formed XML/);
  assert.match(r.stderr, /kvm\.yml:6\b.*give either bridge or network/);
  assert.match(r.stderr, /kvm\.yml:7\b.*state/);
  assert.match(r.stderr, /kvm\.yml:8\b.*xml is the whole definition: give it without clone_from/);
  assert.ok(!existsSync(marker), 'nothing ran');
});
