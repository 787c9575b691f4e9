/**
 * `tsplay vault` through the real CLI, checked live against ansible-vault (ansible-core comes
 * with .ci/setup): what tsplay encrypts ansible-vault decrypts and the reverse, for 1.1 and 1.2
 * with vault ids, whole files and encrypt_string values, empty and binary plaintexts; edit,
 * create and rekey; a wrong or missing password is exit 5 naming the file and the vault id;
 * nothing decrypted is left on disk by edit, even when the editor fails.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tsplay } from '../helpers/cli.js';
import { answering } from '../helpers/terminal.js';
import { quoteArgv } from '../../src/core/quote.js';

const ansible = spawnSync('ansible-vault', ['--version']).status === 0;
const skip = ansible ? false : 'ansible-vault is not installed (bash .ci/setup installs ansible-core)';
if (skip) console.log(`# vault interop tests skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-'));
// edit's private folders go here, so the test can see that none stays.
const editTmp = join(dir, 'tmp');
const env = { TMPDIR: editTmp };
const p = (f: string) => join(dir, f);
const vault = (...args: string[]) => tsplay(['vault', ...args], { cwd: dir, env });

function ansibleVault(...args: string[]): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync('ansible-vault', args, { cwd: dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

before(() => {
  mkdirSync(editTmp);
  writeFileSync(p('pw'), 'open sesame\n');
  writeFileSync(p('pw-crlf'), 'open sesame\r\n');
  writeFileSync(p('prod-pw'), 'prod-only\n');
  writeFileSync(p('pw.sh'), '#!/bin/sh\necho "open sesame"\n');
  chmodSync(p('pw.sh'), 0o755);
});

const PLAIN = 'db_password: "s3cr3t with spaces & $igns"\nusers: [alice, bob]\n';

test('tsplay encrypts, ansible-vault decrypts: 1.1, 1.2 with vault ids, an empty and a binary plaintext', { skip }, async () => {
  const cases: [string, Buffer, string[], string[]][] = [
    ['plain.yml', Buffer.from(PLAIN), ['--vault-password-file', 'pw'], ['--vault-password-file', 'pw']],
    ['prod.yml', Buffer.from(PLAIN), ['--vault-id', 'prod@prod-pw'], ['--vault-id', 'prod@prod-pw']],
    ['empty.txt', Buffer.alloc(0), ['--vault-password-file', 'pw-crlf'], ['--vault-password-file', 'pw']],
    ['binary.bin', Buffer.from([...Array(256).keys()].reverse()), ['--vault-password-file', 'pw.sh'], ['--vault-password-file', 'pw']],
  ];
  for (const [file, data, ours, theirs] of cases) {
    writeFileSync(p(file), data);
    const r = await vault('encrypt', file, ...ours);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Encryption successful/);
    assert.equal((statSync(p(file)).mode & 0o777).toString(8), '600');
    const header = readFileSync(p(file), 'utf8').split('\n')[0];
    assert.equal(header, file === 'prod.yml' ? '$ANSIBLE_VAULT;1.2;AES256;prod' : '$ANSIBLE_VAULT;1.1;AES256');
    const back = ansibleVault('decrypt', file, '--output', '-', ...theirs);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual([...back.stdout], [...data], `${file}: ansible-vault reads what tsplay wrote`);
  }
});

test('ansible-vault encrypts, tsplay decrypts and views; a wrong or missing password is exit 5 naming the file and the vault id', { skip }, async () => {
  writeFileSync(p('theirs.yml'), PLAIN);
  assert.equal(ansibleVault('encrypt', 'theirs.yml', '--vault-id', 'prod@prod-pw').code, 0);
  const view = await vault('view', 'theirs.yml', '--vault-id', 'dev@pw', '--vault-id', 'prod@prod-pw');
  assert.equal(view.code, 0, view.stderr);
  assert.equal(view.stdout, PLAIN);
  const wrong = await vault('view', 'theirs.yml', '--vault-password-file', 'pw');
  assert.equal(wrong.code, 5);
  assert.match(wrong.stderr, /theirs\.yml: no vault password opens it \(vault id prod; tried default \(\/.*\/pw\)\)/);
  const none = await vault('view', 'theirs.yml');
  assert.equal(none.code, 5);
  assert.match(none.stderr, /theirs\.yml is vaulted \(vault id prod\) and no vault password was given/);
  const out = await vault('decrypt', 'theirs.yml', '--output', 'theirs.plain', '--vault-id', 'prod@prod-pw');
  assert.equal(out.code, 0, out.stderr);
  assert.equal(readFileSync(p('theirs.plain'), 'utf8'), PLAIN);
  assert.match(readFileSync(p('theirs.yml'), 'utf8'), /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/, '--output leaves the vault as it was');
});

test('encrypt_string makes !vault values Ansible reads as variables', { skip }, async () => {
  const r = await vault('encrypt_string', '--vault-id', 'dev@pw', 'p@ss: "w0rd"', '--name', 'db_password');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^db_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;dev\n( {10}[0-9a-f]{1,80}\n)+$/);
  writeFileSync(p('inline.yml'), `plain: visible\n${r.stdout}`);
  const a = spawnSync('ansible', ['localhost', '-i', 'localhost,', '-c', 'local', '-m', 'debug', '-a', 'var=db_password', '-e', '@inline.yml', '--vault-id', 'dev@pw'], { cwd: dir, encoding: 'utf8' });
  assert.equal(a.status, 0, a.stdout + a.stderr);
  assert.match(a.stdout, /"db_password": "p@ss: \\"w0rd\\""/);
});

test('edit re-encrypts what the editor wrote, with the file\'s vault id; a failing editor changes nothing; no plaintext stays on disk', { skip }, async () => {
  writeFileSync(p('edit.yml'), PLAIN);
  assert.equal((await vault('encrypt', 'edit.yml', '--vault-id', 'prod@prod-pw')).code, 0);
  const before = readFileSync(p('edit.yml'), 'utf8');
  const failed = await tsplay(['vault', 'edit', 'edit.yml', '--vault-id', 'prod@prod-pw'], { cwd: dir, env: { ...env, EDITOR: `sh -c 'echo leaked >> "$0"; exit 3'` } });
  assert.equal(failed.code, 5, failed.stderr);
  assert.match(failed.stderr, /exited with 3: edit\.yml is left as it was/);
  assert.equal(readFileSync(p('edit.yml'), 'utf8'), before);
  const edited = await tsplay(['vault', 'edit', 'edit.yml', '--vault-id', 'prod@prod-pw'], { cwd: dir, env: { ...env, EDITOR: 'sed -i s/alice/carol/' } });
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(readFileSync(p('edit.yml'), 'utf8'), /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
  assert.equal(ansibleVault('view', 'edit.yml', '--vault-id', 'prod@prod-pw').stdout.toString(), PLAIN.replace('alice', 'carol'));
  assert.deepEqual(readdirSync(editTmp), [], 'the private folders are gone');

  const created = await tsplay(['vault', 'create', 'new.yml', '--vault-password-file', 'pw'], { cwd: dir, env: { ...env, EDITOR: `sh -c 'printf "token: t0k\\n" > "$0"'` } });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(ansibleVault('view', 'new.yml', '--vault-password-file', 'pw').stdout.toString(), 'token: t0k\n');
  assert.deepEqual(readdirSync(editTmp), []);
});

test('rekey moves files to a new password and vault id; --ask-vault-pass reads the password at the terminal', { skip }, async () => {
  writeFileSync(p('rekey.yml'), PLAIN);
  assert.equal(ansibleVault('encrypt', 'rekey.yml', '--vault-password-file', 'pw').code, 0);
  const r = await vault('rekey', 'rekey.yml', '--vault-password-file', 'pw', '--new-vault-id', 'prod@prod-pw');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Rekey successful/);
  assert.equal(ansibleVault('view', 'rekey.yml', '--vault-id', 'prod@prod-pw').stdout.toString(), PLAIN);
  const screen = await answering([process.execPath, join(ROOT, 'bin/tsplay.js'), 'vault', 'view', 'rekey.yml', '--ask-vault-pass'], 'Vault password: ', ['prod-only'], { cwd: dir });
  assert.equal(screen.code, 0, screen.screen);
  assert.match(screen.screen, /users: \[alice, bob\]/);
  assert.doesNotMatch(screen.screen, /prod-only/, 'the password is not echoed');
});

test('a playbook reads what ansible-vault wrote: an encrypt_string value in vars and a whole vaulted -e @file, with two vault ids', { skip }, async () => {
  const inline = ansibleVault('encrypt_string', '--vault-id', 'dev@pw', 'from-ansible-inline', '--name', 'inline_secret');
  assert.equal(inline.code, 0, inline.stderr);
  writeFileSync(p('play-vars.yml'), inline.stdout);
  writeFileSync(p('extra.yml'), 'extra_secret: from-ansible-file\n');
  assert.equal(ansibleVault('encrypt', 'extra.yml', '--vault-id', 'prod@prod-pw').code, 0);
  writeFileSync(p('hosts.ini'), 'local1 ansible_connection=local\n');
  writeFileSync(
    p('read.yml'),
    `- hosts: all
  gather_facts: false
  vars_files: [play-vars.yml]
  tasks:
    - assert:
        that: [inline_secret == 'from-ansible-inline', extra_secret == 'from-ansible-file']
    - copy: { content: "{{ inline_secret }} {{ extra_secret }}\\n", dest: "${p('written.txt')}" }
`,
  );
  const r = await tsplay(['run', 'read.yml', '-i', 'hosts.ini', '-e', '@extra.yml', '--vault-id', 'dev@pw', '--vault-id', 'prod@prod-pw', '--diff'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(p('written.txt'), 'utf8'), 'from-ansible-inline from-ansible-file\n');
  assert.ok(!r.stdout.includes('from-ansible'), r.stdout);
  assert.match(r.stdout, /\+\*{8} \*{8}/);
});

test('the live renderer on a terminal masks them too', { skip }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  const argv = [process.execPath, join(ROOT, 'bin/tsplay.js'), 'run', 'read.yml', '-i', 'hosts.ini', '-e', '@extra.yml', '--vault-id', 'dev@pw', '--vault-id', 'prod@prod-pw', '--diff'];
  const r = spawnSync('script', ['-qec', `stty cols 120 rows 40; exec ${quoteArgv(argv)}`, '/dev/null'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /✔/, 'the live renderer drew the run');
  assert.ok(!r.stdout.includes('from-ansible'), r.stdout);
  assert.match(r.stdout, /\*{8}/);
});

test('ansible.cfg gives the passwords: vault_identity_list and vault_password_file, as ANSIBLE_VAULT_PASSWORD_FILE does', { skip }, async () => {
  const cfgDir = join(dir, 'with-cfg');
  mkdirSync(cfgDir);
  writeFileSync(join(cfgDir, 'ansible.cfg'), `[defaults]\nvault_identity_list = dev@${p('pw')}\nvault_password_file = ${p('prod-pw')}\n`);
  const r = await tsplay(['run', p('read.yml'), '-i', p('hosts.ini'), '-e', `@${p('extra.yml')}`], { cwd: cfgDir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const viaEnv = await tsplay(['vault', 'view', p('extra.yml')], { cwd: dir, env: { ...env, ANSIBLE_VAULT_PASSWORD_FILE: p('prod-pw') } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(viaEnv.stdout, 'extra_secret: from-ansible-file\n');
});
