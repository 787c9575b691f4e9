/**
 * The foundation, end to end through the real CLI against real sshd hosts in the lab:
 * converge, idempotence, check mode on drift, unreachable hosts, changed host keys, bad input
 * stopping before any host is touched, and round trips per host.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, rotateHostKey, runOn, startHost, stopHost } from '../../src/lab/index.js';
import { events, recap, ROOT, tsplay } from '../helpers/cli.js';

let lab: Lab;
const SITE = join(ROOT, 'playbooks/site.yml');
const FILES = ['/etc/tsplay-demo/app.conf', '/etc/tsplay-demo/environment', '/etc/motd', '/etc/sysctl.d/60-tsplay-demo.conf'];
const base = () => ['-i', lab.inventory, '--known-hosts', lab.knownHosts];

async function hashes(host: string): Promise<string> {
  const r = await runOn(lab, host, ['sh', '-c', `sha256sum ${FILES.join(' ')}; stat -c '%n %a %U %G' ${FILES.join(' ')}; sysctl net.ipv4.ip_local_port_range net.core.somaxconn`]);
  return r.stdout;
}

before(async () => {
  lab = await labUp(5, { dir: mkdtempSync(join(tmpdir(), 'tsplay-run-')) });
});

after(async () => {
  if (lab) await labDown(lab.dir);
});

test('first run changes every host, second run reports changed=0 everywhere', async () => {
  const first = await tsplay(['run', SITE, ...base()]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const r1 = recap(first.stdout);
  assert.equal(Object.keys(r1).length, 5);
  for (const [h, s] of Object.entries(r1)) {
    assert.ok(s.changed! > 0, `${h} changed nothing on the first run`);
    assert.equal(s.failed, 0);
  }
  assert.match(first.stdout, /RUNNING HANDLER \[Reload the application\]/);

  const second = await tsplay(['run', SITE, ...base()]);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  for (const [h, s] of Object.entries(recap(second.stdout))) {
    assert.equal(s.changed, 0, `${h} changed on the second run:\n${second.stdout}`);
    assert.equal(s.failed, 0);
    assert.ok(s.ok! > 5);
  }
  assert.doesNotMatch(second.stdout, /RUNNING HANDLER/);
  // Files really are on the hosts, each with its own content.
  const conf = await runOn(lab, 'h2', ['cat', '/etc/tsplay-demo/app.conf']);
  assert.match(conf.stdout, /name = h2/);
  assert.doesNotMatch(conf.stdout, /peer = h2 /);
});

test('--check --diff reports a hand-made drift and leaves the host byte-for-byte unchanged', async () => {
  await runOn(lab, 'h3', ['sh', '-c', "sed -i 's/^port = .*/port = 9999/' /etc/tsplay-demo/app.conf && sysctl -w net.core.somaxconn=4096 >/dev/null"]);
  const before = await hashes('h3');
  const untouched = await hashes('h1');
  const res = await tsplay(['run', SITE, ...base(), '--check', '--diff']);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const r = recap(res.stdout);
  assert.ok(r.h3!.changed! >= 2, res.stdout);
  assert.equal(r.h1!.changed, 0);
  assert.match(res.stdout, /-port = 9999\n\+port = 8080/);
  assert.match(res.stdout, /net\.core\.somaxconn/);
  assert.equal(await hashes('h3'), before, 'check mode changed the drifted host');
  assert.equal(await hashes('h1'), untouched);
  // A real run repairs the drift.
  const fix = await tsplay(['run', SITE, ...base(), '--limit', 'h3']);
  assert.equal(fix.code, 0, fix.stdout);
  assert.ok(recap(fix.stdout).h3!.changed! >= 2);
});

test('round trips per host: facts cost 1, a converged playbook 1 more (probes batched), check mode the same', async () => {
  const facts = await tsplay(['run', join(ROOT, 'test/fixtures/playbooks/facts-only.yml'), ...base(), '--json']);
  assert.equal(facts.code, 0, facts.stdout + facts.stderr);
  const f = events(facts.stdout).find((e) => e.kind === 'recap');
  const conv = await tsplay(['run', SITE, ...base(), '--json']);
  assert.equal(conv.code, 0);
  const evs = events(conv.stdout);
  const rc = evs.find((e) => e.kind === 'recap');
  const tasks = new Set(evs.filter((e) => e.kind === 'host_result' && e.host === 'h1' && !e.loop).map((e) => `${e.task}#${e.item ?? ''}`)).size;
  for (const h of Object.keys(rc.roundTrips)) {
    console.log(`# round trips ${h}: facts-only run ${f.roundTrips[h]}, converged site.yml ${rc.roundTrips[h]} for ${tasks} task results`);
    assert.equal(f.roundTrips[h], 1);
    assert.ok(tasks >= 10);
    assert.equal(rc.roundTrips[h], 2, `${h}: ${rc.roundTrips[h]} round trips for a converged run`);
    assert.equal(rc.stats[h].changed, 0);
  }
  // Check mode applies nothing, so nothing invalidates the batch: still one round trip of probes.
  const drift = await runOn(lab, 'h1', ['sh', '-c', 'echo drift >> /etc/motd']);
  assert.equal(drift.rc, 0);
  const check = await tsplay(['run', SITE, ...base(), '--check', '--json', '--limit', 'h1']);
  const cr = events(check.stdout).find((e) => e.kind === 'recap');
  assert.equal(cr.stats.h1.changed, 1);
  assert.equal(cr.roundTrips.h1, 2);
  const fix = await tsplay(['run', SITE, ...base(), '--json', '--limit', 'h1']);
  const fr = events(fix.stdout).find((e) => e.kind === 'recap');
  // One changed task: facts, a probe batch, the apply, and one batch for the tasks after it.
  console.log(`# round trips h1 repairing one file: ${fr.roundTrips.h1}`);
  assert.equal(fr.stats.h1.changed, 1);
  assert.ok(fr.roundTrips.h1 <= 4, `${fr.roundTrips.h1} round trips`);
});

test('an unreachable host is reported while the others finish', async () => {
  await stopHost(lab, 'h5');
  try {
    const res = await tsplay(['run', SITE, ...base(), '--connect-timeout', '3']);
    assert.equal(res.code, 4, res.stdout + res.stderr);
    const r = recap(res.stdout);
    assert.equal(r.h5!.unreachable, 1);
    assert.match(res.stdout, /fatal: \[h5\]: UNREACHABLE!/);
    for (const h of ['h1', 'h2', 'h3', 'h4']) {
      assert.equal(r[h]!.unreachable, 0);
      assert.equal(r[h]!.failed, 0);
      assert.ok(r[h]!.ok! > 5);
    }
  } finally {
    await startHost(lab, 'h5');
  }
});

test('a host that drops mid-run is reported UNREACHABLE with the reason; the others finish', async () => {
  const run = tsplay(['run', join(ROOT, 'test/fixtures/playbooks/slow.yml'), ...base(), '--limit', 'h1:h5']);
  // Drop h5 once its task runs (not after a fixed delay: a loaded machine may not have connected yet).
  const deadline = Date.now() + 30_000;
  while ((await runOn(lab, 'h5', ['pgrep', '-xf', 'sleep 5'])).rc !== 0) {
    assert.ok(Date.now() < deadline, 'the slow task never started on h5');
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopHost(lab, 'h5');
  try {
    const res = await run;
    assert.equal(res.code, 4, res.stdout);
    assert.match(res.stdout, /fatal: \[h5\]: UNREACHABLE! => .*connection closed/);
    const r = recap(res.stdout);
    assert.equal(r.h5!.unreachable, 1);
    assert.equal(r.h1!.ok, 2);
  } finally {
    await startHost(lab, 'h5');
  }
});

test('a changed host key is refused, and an unknown one too unless accepted', async () => {
  await rotateHostKey(lab, 'h4');
  const res = await tsplay(['run', SITE, ...base(), '--limit', 'h4']);
  assert.equal(res.code, 4, res.stdout);
  assert.match(res.stdout, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  // With an empty known_hosts: refused without the flag, accepted and recorded with it.
  const empty = join(lab.dir, 'empty_known_hosts');
  writeFileSync(empty, '');
  const refused = await tsplay(['run', join(ROOT, 'test/fixtures/playbooks/facts-only.yml'), '-i', lab.inventory, '--known-hosts', empty, '--limit', 'h1']);
  assert.equal(refused.code, 4);
  assert.match(refused.stdout, /unknown/);
  const accepted = await tsplay(['run', join(ROOT, 'test/fixtures/playbooks/facts-only.yml'), '-i', lab.inventory, '--known-hosts', empty, '--limit', 'h1', '--accept-new-host-keys']);
  assert.equal(accepted.code, 0, accepted.stdout);
  assert.match(readFileSync(empty, 'utf8'), /ssh-ed25519 /);
  // A changed key stays refused even with --accept-new-host-keys.
  const still = await tsplay(['run', SITE, ...base(), '--limit', 'h4', '--accept-new-host-keys']);
  assert.equal(still.code, 4);
});

test('tsplay facts gathers from every host in one round trip each', async () => {
  // h4's host key was rotated by the test before: it is left out here.
  const r = await tsplay(['facts', 'lab:!h4', ...base()]);
  assert.equal(r.code, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(facts).sort(), ['h1', 'h2', 'h3', 'h5']);
  assert.equal(facts.h2.hostname, 'h2');
  assert.equal(facts.h2.eth0.ipv4.address, lab.hosts.find((h) => h.name === 'h2')!.ip);
  assert.equal(facts.h2.os_family, 'Debian');
  assert.ok(facts.h2.memtotal_mb > 0);
});

test('become runs through sudo -n as the become_user', async () => {
  const r = await tsplay(['run', join(ROOT, 'test/fixtures/playbooks/become.yml'), ...base(), '--limit', 'h1:h2']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(recap(r.stdout).h1!.failed, 0);
});

test('~/.ssh/config is read: HostName, User, IdentityFile and ProxyJump', async () => {
  // "jumped" is 127.0.0.1 as seen from h1: reachable only through h1, since nothing listens on
  // port 22 in this machine's own namespace.
  const home = mkdtempSync(join(tmpdir(), 'tsplay-home-'));
  const h1 = lab.hosts.find((h) => h.name === 'h1')!;
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh/config'), `Host jumped\n  HostName 127.0.0.1\n  User root\n  IdentityFile ${lab.key}\n  ProxyJump root@${h1.ip}\n\nHost ${h1.ip}\n  IdentityFile ${lab.key}\n`);
  writeFileSync(join(home, 'inventory.ini'), 'jumped\n');
  const kh = join(home, 'known_hosts');
  writeFileSync(kh, readFileSync(lab.knownHosts));
  const r = await tsplay(['facts', 'jumped', '-i', join(home, 'inventory.ini'), '--known-hosts', kh, '--accept-new-host-keys'], { env: { HOME: home } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).jumped.hostname, 'h1');
  assert.match(readFileSync(kh, 'utf8'), /^127\.0\.0\.1 ssh-ed25519 /m);
});

test('keys from ssh-agent (SSH_AUTH_SOCK) authenticate when no key file is named', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tsplay-agent-'));
  const h1 = lab.hosts.find((h) => h.name === 'h1')!;
  writeFileSync(join(home, 'inventory.ini'), `h1 ansible_host=${h1.ip} ansible_user=root\n`);
  const sock = join(home, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; !existsSync(sock); i++) {
      assert.ok(i < 100, 'ssh-agent did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const args = ['facts', 'h1', '-i', join(home, 'inventory.ini'), '--known-hosts', lab.knownHosts];
    // HOME has no ~/.ssh: without the agent there is no key to offer.
    const without = await tsplay(args, { env: { HOME: home, SSH_AUTH_SOCK: '' } });
    assert.equal(without.code, 4, without.stdout + without.stderr);
    assert.equal(spawnSync('ssh-add', [lab.key], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status, 0);
    const r = await tsplay(args, { env: { HOME: home, SSH_AUTH_SOCK: sock } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).h1.hostname, 'h1');
  } finally {
    agent.kill();
  }
});

for (const [file, pattern] of [
  ['bad-yaml.yml', /bad-yaml\.yml:8:\d+: malformed YAML/],
  ['unknown-module.yml', /unknown-module\.yml:8:\d+: unknown module 'cpy'[\s\S]*did you mean 'copy'/],
  ['undefined-var.yml', /undefined-var\.yml:11:\d+: undefined variable 'not_defined_anywhere'/],
] as const) {
  test(`${file}: exit 5 with file:line, and no host touched`, async () => {
    const res = await tsplay(['run', join(ROOT, 'test/fixtures/playbooks', file), ...base()]);
    assert.equal(res.code, 5, res.stdout + res.stderr);
    assert.match(res.stderr, pattern);
    assert.equal(res.stdout, '');
    for (const h of ['h1', 'h2']) {
      const r = await runOn(lab, h, ['test', '-e', '/tmp/tsplay-must-not-exist']);
      assert.notEqual(r.rc, 0, `${file} touched ${h}`);
    }
  });
}

test('a change that leaves facts stale refreshes them in its own round trip: IPv6 off on eth0, then its addresses gone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-stale-'));
  writeFileSync(
    join(dir, 'stale.yml'),
    `- hosts: h3
  tasks:
    - name: eth0 has its link-local IPv6 address
      assert:
        that: ansible_eth0.ipv6 | default([]) | length > 0
    - sysctl:
        name: net.ipv6.conf.eth0.disable_ipv6
        value: 1
        sysctl_file: /etc/sysctl.d/90-tsplay-ipv6-test.conf
    - name: the next task reads eth0 without IPv6
      assert:
        that:
          - ansible_eth0.ipv6 is not defined
          - ansible_all_ipv6_addresses | select('match', 'fe80') | list | length == 0
          - ansible_facts.eth0.ipv4.address == ansible_eth0.ipv4.address
          - ansible_hostname == 'h3'
`,
  );
  try {
    const r = await tsplay(['run', join(dir, 'stale.yml'), ...base(), '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rc = events(r.stdout).find((e) => e.kind === 'recap');
    assert.equal(rc.stats.h3.failed, 0);
    assert.equal(rc.stats.h3.changed, 1);
    // facts, the sysctl probe, its apply with the refresh: the refresh costs no round trip.
    assert.equal(rc.roundTrips.h3, 3);
  } finally {
    await runOn(lab, 'h3', ['sh', '-c', 'sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0; rm -f /etc/sysctl.d/90-tsplay-ipv6-test.conf']);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('setup re-gathers facts: a task after an address is added to eth0 reads it, one round trip for the refresh', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-setup-'));
  // 192.0.2.0/24 is TEST-NET-1: an address on the lab host's own eth0, never routed anywhere.
  writeFileSync(
    join(dir, 'refresh.yml'),
    `- hosts: h2
  tasks:
    - command: ip addr add 192.0.2.77/32 dev eth0
    - name: before the refresh
      assert:
        that: "'192.0.2.77' not in ansible_all_ipv4_addresses"
    - setup:
        gather_subset: [network]
        filter: ['ansible_all_ipv4_addresses', 'ansible_eth*']
      register: gathered
    - name: after the refresh
      assert:
        that:
          - "'192.0.2.77' in ansible_all_ipv4_addresses"
          - "'192.0.2.77' in ansible_facts.all_ipv4_addresses"
          - "'192.0.2.77' in gathered.ansible_facts.ansible_all_ipv4_addresses"
          - "gathered.ansible_facts.ansible_hostname is not defined"
          - "ansible_hostname == 'h2'"
`,
  );
  try {
    const r = await tsplay(['run', join(dir, 'refresh.yml'), ...base(), '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rc = events(r.stdout).find((e) => e.kind === 'recap');
    assert.equal(rc.stats.h2.failed, 0);
    assert.equal(rc.stats.h2.changed, 1);
    // facts, the command, the setup: nothing else goes to the host.
    assert.equal(rc.roundTrips.h2, 3);
  } finally {
    await runOn(lab, 'h2', ['ip', 'addr', 'del', '192.0.2.77/32', 'dev', 'eth0']);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('async with poll 0: the job outlives the run and its SSH connection; async_status reads it later, and cleanup removes it; poll > 0 waits for it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-async-'));
  const start = join(dir, 'start.yml');
  writeFileSync(start, [
    '- hosts: h1',
    '  gather_facts: false',
    '  tasks:',
    '    - shell: sleep 6; echo finished > /tmp/tsplay-async-marker; echo out',
    '      async: 30',
    '      poll: 0',
    '      register: job',
    '    - debug: { msg: "jid={{ job.ansible_job_id }} finished={{ job.finished }}" }',
    '    - name: polled',
    '      command: echo polled',
    '      async: 10',
    '      poll: 1',
    '      register: polled',
    '    - assert: { that: [polled.finished == 1, polled.stdout == "polled"] }',
    '',
  ].join('\n'));
  const first = await tsplay(['run', start, ...base()]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const jid = /jid=(j\d+) finished=0/.exec(first.stdout)?.[1];
  assert.ok(jid, first.stdout);
  assert.match(first.stdout, /ASYNC OK on h1: jid=j\d+/);
  // The run is over and its connection closed; the job goes on and finishes.
  assert.equal((await runOn(lab, 'h1', ['cat', '/tmp/tsplay-async-marker'])).rc, 1, 'not finished this soon');
  let marker = '';
  for (let i = 0; i < 40 && !marker; i++) {
    await new Promise((r) => setTimeout(r, 250));
    marker = (await runOn(lab, 'h1', ['cat', '/tmp/tsplay-async-marker'])).stdout;
  }
  assert.equal(marker, 'finished\n');

  const status = join(dir, 'status.yml');
  writeFileSync(status, [
    '- hosts: h1',
    '  gather_facts: false',
    '  tasks:',
    '    - async_status: { jid: "{{ jid }}" }',
    '      register: st',
    '      until: st.finished == 1',
    '      retries: 5',
    '      delay: 1',
    '    - debug: { msg: "rc={{ st.rc }} stdout={{ st.stdout }}" }',
    '    - async_status: { jid: "{{ jid }}", mode: cleanup }',
    '',
  ].join('\n'));
  const second = await tsplay(['run', status, ...base(), '-e', `jid=${jid}`]);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /"msg": "rc=0 stdout=out"/);
  assert.equal((await runOn(lab, 'h1', ['sh', '-c', `ls -d ~/.tsplay_async/${jid}`])).rc, 2, 'cleanup removed the job');
  const gone = await tsplay(['run', status, ...base(), '-e', `jid=${jid}`]);
  assert.equal(gone.code, 2, gone.stdout + gone.stderr);
  assert.match(gone.stdout, /could not find job j\d+/);
});
