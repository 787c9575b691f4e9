/**
 * Vaulted secrets on real hosts: group_vars holding a whole vaulted file (the database password)
 * and `!vault` values (an API token, a multi-line key), templated into a config file on two lab
 * hosts. The hosts get the clear values; nothing tsplay prints (plain at -vvv with --diff,
 * --json, a forced failure) or writes under the project folder (drift reports, the retry file)
 * holds any of them; the command line of a shell task that uses one, read from /proc on the host
 * while it runs, does not either. A wrong password stops the run before any host is contacted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { encrypt } from '../../src/vault/format.js';
import { events, recap, tsplay } from '../helpers/cli.js';

const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# vault lab tests skipped: ${skip}`);

const PASSWORD = 'lab vault pw';
// Regex metacharacters, quotes and a dollar sign: masking must take them literally.
const DB_PASSWORD = 'Pa$$w0rd.*+?(x)[y]{z}|^\\"\'';
const API_TOKEN = 'tok-5f3a9c0e71b2';
const TLS_KEY = '-----BEGIN KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQEFAASC\nAT8wggE7AgEAAkEAzCwO1tH1jz9kQb2Z\n-----END KEY-----';
const SECRETS = [DB_PASSWORD, API_TOKEN, ...TLS_KEY.split('\n').slice(1, -1)];

let lab: Lab;
const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-lab-'));
const p = (...parts: string[]) => join(dir, ...parts);

/** A vault value as a YAML block, indented for a mapping value. */
const inline = (value: string) => `!vault |\n${encrypt(value, PASSWORD).trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}`;

before(async () => {
  if (skip) return;
  lab = await labUp(2, { dir: p('.lab') });
  mkdirSync(p('group_vars/lab'), { recursive: true });
  mkdirSync(p('templates'));
  writeFileSync(p('vault-pass'), `${PASSWORD}\n`);
  writeFileSync(p('group_vars/lab/vault.yml'), encrypt(`db_password: ${JSON.stringify(DB_PASSWORD)}\n`, PASSWORD));
  writeFileSync(p('group_vars/lab/vars.yml'), `db_user: app\napi_token: ${inline(API_TOKEN)}\ntls_key: ${inline(TLS_KEY)}\n`);
  writeFileSync(p('templates/db.conf.j2'), 'user={{ db_user }}\npassword={{ db_password }}\ntoken={{ api_token }}\n{{ tls_key }}\n');
  writeFileSync(
    p('site.yml'),
    `- hosts: lab
  gather_facts: false
  tasks:
    - name: its folder
      file: { path: /etc/app, state: directory, mode: "0700" }
    - name: the config file
      template: { src: db.conf.j2, dest: /etc/app/db.conf, mode: "0600" }
    - name: a shell line that uses the password
      shell: sleep {{ pause | default(0) }}; test -n {{ db_password | quote }} && echo {{ api_token | quote }}
      register: token
    - name: a program that takes it as an argument
      command: test -n {{ db_password | quote }}
    - name: the registered output
      debug: var=token.stdout
    - name: the variable itself
      debug: var=db_password
    - name: a string built from it
      set_fact: { dsn: "postgres://app:{{ db_password }}@db/app" }
    - name: the built string
      debug: msg="{{ dsn }}"
    - name: a loop item
      debug: msg="{{ item }}"
      loop: ["{{ api_token }}", "plain"]
    - name: a failure that names it
      fail: msg="cannot log in as app with {{ db_password }}"
      when: fail_now | default(false) | bool
`,
  );
});

after(async () => {
  if (lab) await labDown(lab.dir);
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => tsplay(['run', 'site.yml', '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--vault-password-file', 'vault-pass', ...args], { cwd: dir });

function assertNoSecret(text: string, what: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${what} holds the secret ${JSON.stringify(s)}`);
}

/** Every file under the project folder but the lab's own and the vault password file. */
function projectFiles(root = dir): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    if (name === '.lab' || name === 'vault-pass') return [];
    return statSync(path).isDirectory() ? projectFiles(path) : [path];
  });
}

test('the hosts get the clear values; plain output at -vvv with --diff, --json and a forced failure show ******** instead', { skip, timeout: 300_000 }, async () => {
  const first = await run('-vvv', '--diff');
  assert.equal(first.code, 0, first.stdout + first.stderr);
  for (const h of ['h1', 'h2']) {
    const conf = await runOn(lab, h, ['cat', '/etc/app/db.conf']);
    assert.equal(conf.stdout, `user=app\npassword=${DB_PASSWORD}\ntoken=${API_TOKEN}\n${TLS_KEY}\n`, `${h} has the clear values`);
  }
  assertNoSecret(first.stdout + first.stderr, 'the -vvv --diff output');
  assert.match(first.stdout, /\+password=\*{8}\n\+token=\*{8}\n(\+\*{8}\n){4}/, 'the diff shows the masked lines, a multi-line secret line by line');
  assert.match(first.stdout, /"db_password": "\*{8}"/);
  assert.match(first.stdout, /"msg": "postgres:\/\/app:\*{8}@db\/app"/);
  assert.match(first.stdout, /\(item=\*{8}\)/);
  assert.match(first.stderr, /a program that takes it as an argument on h1: a program's arguments hold a vaulted value, which any user of the host can read while it runs/);

  const failed = await run('--json', '-e', 'fail_now=true');
  assert.equal(failed.code, 2, failed.stderr);
  assertNoSecret(failed.stdout + failed.stderr, 'the --json output of a failing run');
  const fatal = events(failed.stdout).find((e) => e.kind === 'host_result' && e.task === 'a failure that names it');
  assert.equal(fatal.result.msg, 'cannot log in as app with ********');
  assert.deepEqual(recap(first.stdout).h1, { ok: 9, changed: 4, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 0 });
});

test('drift reports and the retry file hold no secret; the shell task\'s command line on the host does not either', { skip, timeout: 300_000 }, async () => {
  await runOn(lab, 'h2', ['sh', '-c', 'echo "# edited by hand" >> /etc/app/db.conf']);
  const audit = await tsplay(['audit', 'site.yml', '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--vault-password-file', 'vault-pass', '-o', 'drift'], { cwd: dir });
  assert.equal(audit.code, 2, audit.stdout + audit.stderr);
  assertNoSecret(audit.stdout + audit.stderr, 'the audit output');
  assert.match(readFileSync(p('drift/drift.json'), 'utf8'), /password=\*{8}/);

  // A failing run with a retry file, its shell task slowed down so /proc can be read meanwhile.
  const running = run('-e', 'fail_now=true', '-e', 'pause=3', '--retry-file', 'site.retry');
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const ps = await runOn(lab, 'h1', ['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done 2>/dev/null']);
    seen.push(ps.stdout);
  }
  const r = await running;
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.ok(seen.some((s) => s.includes('sleep 3')), 'the shell task was seen running');
  assertNoSecret(seen.join('\n'), 'the host\'s process command lines');
  assert.equal(readFileSync(p('site.retry'), 'utf8'), 'h1\nh2\n');
  for (const f of projectFiles()) assertNoSecret(readFileSync(f, 'latin1'), f);
});

test('a wrong vault password stops the run with exit 5, naming the file and the vault id, before any host is contacted', { skip, timeout: 120_000 }, async () => {
  writeFileSync(p('wrong-pass'), 'not it\n');
  await runOn(lab, 'h1', ['rm', '-f', '/etc/app/db.conf']);
  const r = await tsplay(['run', 'site.yml', '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--vault-password-file', 'wrong-pass'], { cwd: dir });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.match(r.stderr, /group_vars\/lab\/vars\.yml:2:12: this !vault value: no vault password opens it \(vault id default; tried default \(.*wrong-pass\)\)/);
  assert.equal(r.stdout, '', 'no play started');
  assert.equal((await runOn(lab, 'h1', ['test', '-e', '/etc/app/db.conf'])).rc, 1, 'nothing was written');
});
