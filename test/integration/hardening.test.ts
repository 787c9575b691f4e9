/**
 * Hostile conditions on real lab hosts: a full /tmp and a full disk, a controller interrupted
 * mid-copy, another user watching the process list, sudo's own log. Each test reproduces a
 * finding that once made tsplay report a false success, leave temporary files behind or show a
 * secret, and checks on the host what really happened.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn, startHost, stopHost } from '../../src/lab/index.js';
import { events, recap, ROOT, tsplay } from '../helpers/cli.js';

let lab: Lab;
let work: string;
const base = () => ['-i', lab.inventory, '--known-hosts', lab.knownHosts];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'tsplay-hard-'));
  lab = await labUp(3, { dir: join(work, 'lab') });
});

after(async () => {
  if (lab) await labDown(lab.dir);
});

async function on(host: string, script: string): Promise<string> {
  const r = await runOn(lab, host, ['sh', '-c', script]);
  assert.equal(r.rc, 0, `${script}\n${r.stderr}`);
  return r.stdout;
}

function playbook(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

/** Every task result of a --json run, in order. */
function results(stdout: string): any[] {
  return events(stdout).filter((e) => e.kind === 'host_result');
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

test('a 150 KB copy with /tmp full: the new content arrives, nothing is staged in /tmp or left beside it', async () => {
  const dir = `/srv/${'d'.repeat(75)}`;
  await on('h1', `mkdir -p ${dir} && echo old > ${dir}/f && mount -o remount,size=120k /tmp && (dd if=/dev/zero of=/tmp/fill bs=4k 2>/dev/null || :) && df /tmp | tail -1`);
  try {
    const content = randomBytes(75_000).toString('hex'); // 150 KB of text
    const pb = playbook('big-copy.yml', `- hosts: h1\n  gather_facts: false\n  tasks:\n    - copy: {dest: "${dir}/f", content: "${content}"}\n`);
    const r = await tsplay(['run', pb, ...base()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(recap(r.stdout).h1!.changed, 1);
    assert.equal((await on('h1', `sha256sum < ${dir}/f`)).split(' ')[0], sha(content));
    assert.equal(await on('h1', `find ${dir} /tmp -name '.tsplay.*' -o -name 'tmp.*'`), '');
  } finally {
    await on('h1', 'rm -f /tmp/fill && mount -o remount,size=50% /tmp');
  }
});

test('a full disk fails copy, template, lineinfile, sysctl and copy with backup: failed, changed false, old content, no temporary file', async () => {
  await on('h2', 'mkdir -p /mnt/full && mount -t tmpfs -o size=64k tmpfs /mnt/full && for f in a b c d e; do echo old-$f > /mnt/full/$f; done && (dd if=/dev/zero of=/mnt/full/fill bs=4k 2>/dev/null || :)');
  const before = await on('h2', 'cd /mnt/full && sha256sum a b c d e');
  const tpl = join(work, 'big.j2');
  writeFileSync(tpl, `{{ 'y' * 40000 }}\n`);
  const big = 'z'.repeat(40_000);
  const pb = playbook(
    'full-disk.yml',
    `- hosts: h2
  gather_facts: false
  tasks:
    - {name: copy, copy: {dest: /mnt/full/a, content: "${big}"}, ignore_errors: true}
    - {name: template, template: {src: ${tpl}, dest: /mnt/full/b}, ignore_errors: true}
    - {name: lineinfile, lineinfile: {path: /mnt/full/c, line: "${big}"}, ignore_errors: true}
    - {name: sysctl, sysctl: {name: net.core.somaxconn, value: "1024", sysctl_file: /mnt/full/d, reload: false}, ignore_errors: true}
    - {name: backup, copy: {dest: /mnt/full/e, content: "${big}", backup: true}, ignore_errors: true}
    - {name: owner, copy: {dest: /srv/owned, content: "x", owner: no-such-user-here}, ignore_errors: true}
`,
  );
  const r = await tsplay(['run', pb, ...base(), '--json']);
  const res = results(r.stdout);
  assert.deepEqual(res.map((e) => e.task), ['copy', 'template', 'lineinfile', 'sysctl', 'backup', 'owner']);
  for (const e of res) {
    assert.equal(e.status, 'failed', `${e.task}: ${JSON.stringify(e)}`);
    assert.equal(e.result.changed, false, `${e.task} claims a change: ${JSON.stringify(e.result)}`);
    assert.equal(e.result.checksum, undefined, `${e.task} reports the checksum of a file it did not write`);
  }
  assert.equal(recap(r.stdout).h2?.changed, undefined, 'no plain recap with --json');
  assert.equal(await on('h2', 'cd /mnt/full && sha256sum a b c d e'), before);
  assert.equal(await on('h2', "find /mnt/full /srv -name '.tsplay.*' -o -name '*~'"), '');
  assert.equal(await on('h2', 'ls /srv/owned 2>/dev/null || :'), '');
});

test('SIGINT to the controller during a 20 MB copy: the file is the old one or the whole new one, never a temporary file left', async () => {
  const content = randomBytes(10 * 1024 * 1024).toString('hex'); // 20 MB
  const pb = playbook('huge-copy.yml', `- hosts: h3\n  gather_facts: false\n  tasks:\n    - copy: {dest: /etc/huge.conf, content: "${content}"}\n`);
  const old = 'old\n';
  const scripts = async () => (await on('h3', "ps -eo args | grep -c '^/bin/sh -c' || :")).trim();
  for (const delay of [0, 100, 300]) {
    await on('h3', `printf 'old\\n' > /etc/huge.conf`);
    const child = spawn(process.execPath, [join(ROOT, 'bin/tsplay.js'), 'run', pb, ...base()], { stdio: 'ignore' });
    // Interrupted while the script is on its way: once the host has started the program reading it.
    while ((await scripts()) === '0') await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
    // The host finishes (or abandons) the script on its own: wait until its shell is gone.
    for (let i = 0; i < 100 && (await scripts()) !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    const now = (await on('h3', 'sha256sum < /etc/huge.conf')).split(' ')[0];
    assert.ok(now === sha(old) || now === sha(content), `after SIGINT at ${delay} ms /etc/huge.conf is neither the old nor the new file`);
    assert.equal(await on('h3', "find /etc /tmp -name '.tsplay.*'"), '', `a temporary file is left after SIGINT at ${delay} ms`);
  }
});

/** Watches every process's command line (and environment, where readable) as a user of its own (uid 4242). */
function watchProcesses(needles: string[]): { stop: () => Promise<{ hits: string[]; seen: number }> } {
  const code = `
    const fs = require('node:fs');
    const needles = ${JSON.stringify(needles)};
    const hits = new Set(); let seen = 0; let run = true;
    process.stdin.on('data', () => { run = false; });
    (function poll() {
      for (const pid of fs.readdirSync('/proc')) {
        if (!/^\\d+$/.test(pid) || pid === String(process.pid)) continue;
        for (const f of ['cmdline', 'environ']) {
          let text; try { text = fs.readFileSync('/proc/' + pid + '/' + f, 'latin1'); } catch { continue; }
          if (f === 'cmdline' && text.includes('sleep')) seen++;
          for (const n of needles) if (text.includes(n)) hits.add(f + ': ' + text.replace(/\\0/g, ' ').slice(0, 200));
        }
      }
      if (run) setImmediate(poll); else { process.stdout.write(JSON.stringify({ hits: [...hits], seen })); }
    })();`;
  const child = spawn('setpriv', ['--reuid=4242', '--regid=4242', '--clear-groups', process.execPath, '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('close', () => resolve(JSON.parse(out)));
        child.stdin.end('stop');
      }),
  };
}

test('secrets never reach a command line: scripts, file contents, environment and password hashes travel on stdin', async () => {
  const secret = `Zx9-SECRET-${randomBytes(4).toString('hex')}`;
  // A crypt(3) hash as Ansible users pass it; not a real password.
  const hash = `$6$tsplaysalt$${randomBytes(30).toString('base64').replace(/[+/=]/g, 'x')}`;
  const pb = playbook(
    'secrets.yml',
    `- hosts: h1:h2
  gather_facts: false
  tasks:
    - shell: "echo ${secret}-echo >/dev/null; sleep 1"
    - shell: "sleep 1"
      environment: {PW: "${secret}-env"}
    - copy: {dest: /root/secret.txt, content: "${secret}-file ${'p'.repeat(200_000)}\\n"}
    - user: {name: tsplaysecret, password: "${hash}"}
    - shell: "sleep 1"
      become: true
      become_user: nobody
      environment: {PW: "${secret}-become"}
`,
  );
  const watch = watchProcesses([secret, hash.slice(12), Buffer.from(`${secret}-file`).toString('base64').slice(0, 16)]);
  const r = await tsplay(['run', pb, ...base(), '-v']);
  const { hits, seen } = await watch.stop();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(seen > 10, `the watcher saw the hosts' sleep processes only ${seen} times: it was not watching`);
  assert.deepEqual(hits, []);
  assert.equal((await on('h1', 'getent shadow tsplaysecret | cut -d: -f2')).trim(), hash);
  // -v shows every script and its output, with the password hash masked as Ansible masks it.
  assert.match(r.stdout, /chpasswd -e/);
  assert.match(r.stdout, /tsplaysecret:\*{8}/);
  assert.ok(!r.stdout.includes(hash.slice(12)), 'the hash is shown at -v');
  const again = await tsplay(['run', pb, ...base(), '-v', '--limit', 'h1']);
  assert.equal(recap(again.stdout).h1!.changed, 3, again.stdout);
  assert.ok(!again.stdout.includes(hash.slice(12)), "the probe's output shows the hash at -v");
});

test("with become, sudo runs one fixed command line: its log holds no script", async () => {
  const secret = `Zx9-SUDO-${randomBytes(4).toString('hex')}`;
  await on('h3', "printf 'Defaults logfile=/var/log/tsplay-sudo.log\\n' > /etc/sudoers.d/tsplay-log && chmod 0440 /etc/sudoers.d/tsplay-log && rm -f /var/log/tsplay-sudo.log");
  const pb = playbook(
    'sudo-log.yml',
    `- hosts: h3\n  gather_facts: false\n  tasks:\n    - {command: "echo ${secret}", become: true, become_user: nobody, changed_when: false}\n    - {copy: {dest: /tmp/by-nobody, content: "${secret}"}, become: true, become_user: nobody}\n`,
  );
  const r = await tsplay(['run', pb, ...base()]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const log = await on('h3', 'cat /var/log/tsplay-sudo.log');
  assert.match(log, /COMMAND=\/bin\/sh -c '?s=\$\(cat\)/);
  assert.doesNotMatch(log, new RegExp(secret));
  assert.equal(await on('h3', 'cat /tmp/by-nobody; stat -c %U /tmp/by-nobody'), `${secret}nobody\n`);
});

test("a regexp that backtracks forever on one host's data fails that host's task only; the others finish and none is unreachable", async () => {
  await on('h1', `printf '%s!\\n' ${'a'.repeat(32)} > /etc/redos.conf`);
  await on('h2', 'echo aaaa > /etc/redos.conf');
  await on('h3', 'echo aaaa > /etc/redos.conf');
  const pb = playbook(
    'redos.yml',
    `- hosts: all\n  gather_facts: false\n  tasks:\n    - lineinfile: {path: /etc/redos.conf, regexp: '^(a+)+$', line: fixed}\n    - command: "true"\n`,
  );
  const started = Date.now();
  const r = await tsplay(['run', pb, ...base(), '--json']);
  const took = Date.now() - started;
  const res = results(r.stdout);
  const byHost = (h: string) => res.filter((e) => e.host === h).map((e) => e.status);
  assert.deepEqual(byHost('h1'), ['failed']);
  assert.match(res.find((e) => e.host === 'h1').result.msg, /ran longer than 1 s on this host's data/);
  assert.deepEqual(byHost('h2'), ['changed', 'changed']);
  assert.deepEqual(byHost('h3'), ['changed', 'changed']);
  assert.ok(took < 20_000, `the run took ${took} ms`);
  assert.equal(await on('h2', 'cat /etc/redos.conf'), 'fixed\n');
});

test('keepalives come from ansible_ssh_common_args (ServerAliveInterval/CountMax), and the output says which host the others wait for', async () => {
  const inv = join(work, 'keepalive.ini');
  writeFileSync(inv, `${readFileSync(lab.inventory, 'utf8').trimEnd()}\n\n[lab:vars]\nansible_ssh_common_args='-o ServerAliveInterval=4 -o ServerAliveCountMax=3'\n`);
  const pb = playbook('keepalive.yml', `- hosts: h1:h2\n  gather_facts: false\n  tasks:\n    - shell: "{{ 'sleep 40' if inventory_hostname == 'h1' else 'true' }}"\n`);
  const started = Date.now();
  const run = tsplay(['run', pb, '-i', inv, '--known-hosts', lab.knownHosts]);
  while (!(await on('h1', "ps -eo args | grep -c '^sleep 40' || :")).startsWith('1')) await new Promise((r) => setTimeout(r, 100));
  // h1 stops answering without closing anything: only keepalives can tell.
  await on('h1', 'ip link set eth0 down');
  try {
    const r = await run;
    const took = Date.now() - started;
    assert.equal(recap(r.stdout).h1!.unreachable, 1, r.stdout);
    assert.equal(recap(r.stdout).h2!.changed, 1);
    assert.match(r.stdout + r.stderr, /waiting for h1 \(\d+ s\)/);
    // 4 s x 3 unanswered: well before the default 15 s x 3.
    assert.ok(took < 40_000, `h1 was given up after ${took} ms`);
  } finally {
    await on('h1', 'ip link set eth0 up');
  }
});

test('@cert-authority in known_hosts: a host with a certificate from that CA is trusted, an unlisted plain host is unknown (not changed)', async () => {
  const ca = join(work, 'host-ca');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lab-ca', '-f', ca]);
  const h1 = lab.hosts[0]!;
  const pub = join(work, 'h1-host.pub');
  writeFileSync(pub, await on('h1', 'cat /run/tsplay-lab/ssh_host_ed25519_key.pub'));
  execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'h1', '-h', '-n', h1.ip, pub]);
  await runOn(lab, 'h1', ['sh', '-c', 'cat > /run/tsplay-lab/ssh_host_ed25519_key-cert.pub && echo HostCertificate /run/tsplay-lab/ssh_host_ed25519_key-cert.pub >> /run/tsplay-lab/sshd_config'], {
    input: readFileSync(join(work, 'h1-host-cert.pub')),
  });
  await stopHost(lab, 'h1');
  await startHost(lab, 'h1');
  const kh = join(work, 'known_hosts_ca');
  writeFileSync(kh, `@cert-authority * ${readFileSync(`${ca}.pub`, 'utf8').trim()}\n`);
  const pb = playbook('ca.yml', '- hosts: h1,h2\n  gather_facts: false\n  tasks:\n    - command: hostname\n');
  const strict = await tsplay(['run', pb, '-i', lab.inventory, '--known-hosts', kh]);
  assert.equal(recap(strict.stdout).h1?.ok, 1, strict.stdout + strict.stderr);
  assert.equal(recap(strict.stdout).h2?.unreachable, 1, strict.stdout);
  assert.match(strict.stdout + strict.stderr, /host key for \S+ is unknown .*offered no host certificate/);
  assert.doesNotMatch(strict.stdout + strict.stderr, /CHANGED/);
  assert.equal(readFileSync(kh, 'utf8').split('\n').filter(Boolean).length, 1, 'a certified host is not recorded');
  const accept = await tsplay(['run', pb, '-i', lab.inventory, '--known-hosts', kh, '--accept-new-host-keys']);
  assert.equal(accept.code, 0, accept.stdout + accept.stderr);
  assert.deepEqual(readFileSync(kh, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]), ['@cert-authority', lab.hosts[1]!.ip]);
});
