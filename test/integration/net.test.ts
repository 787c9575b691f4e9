/**
 * The network modules on lab hosts (real kernels' bridges and veths, real sshd): a bridge made
 * live and persisted, a second run that changes nothing, check mode that reports a hand-made
 * drift and moves nothing; and the safe apply for real: a change that cuts tsplay off is rolled
 * back by the host itself, one that moves the management address is confirmed at the new one.
 * Bonding and 802.1Q need kernel modules this machine lacks: they are proven in test/vm.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, runOn, type Lab } from '../../src/lab/index.js';
import { events, recap, tsplay } from '../helpers/cli.js';

const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
const work = mkdtempSync(join(tmpdir(), 'tsplay-net-'));
let lab: Lab;

before(async () => {
  if (skip) return;
  lab = await labUp(3, { dir: join(work, 'lab') });
  // Two veth pairs per host: the bridge's ports (their peers stay outside it).
  for (const h of lab.hosts) {
    for (const n of ['tp1', 'tp2']) {
      const r = await runOn(lab, h.name, ['ip', 'link', 'add', n, 'type', 'veth', 'peer', 'name', `${n}p`]);
      assert.equal(r.rc, 0, r.stderr);
    }
  }
});

after(async () => {
  if (!skip) await labDown(join(work, 'lab'));
  rmSync(work, { recursive: true, force: true });
});

function playbook(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

const run = (book: string, ...extra: string[]) => tsplay(['run', book, '-i', lab.inventory, '--known-hosts', lab.knownHosts, ...extra]);

async function on(host: string, ...cmd: string[]): Promise<string> {
  const r = await runOn(lab, host, cmd);
  assert.equal(r.rc, 0, `${cmd.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function link(host: string, name: string): Promise<any> {
  const out = JSON.parse(await on(host, 'ip', '-d', '-j', 'link', 'show', 'dev', name));
  return out[0];
}

describe('bridge on lab hosts', { skip }, () => {
  const BRIDGE = `- hosts: all
  gather_facts: false
  tasks:
    - name: bridge over two veths
      bridge:
        name: brt
        ports: [tp1, tp2]
        address: 10.99.0.1/24
        forward_delay: 4
        backend: ifupdown
`;

  test('created live and in its file, then a second run changes nothing', async () => {
    const book = playbook('bridge.yml', BRIDGE);
    const first = await run(book);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const h of lab.hosts) assert.equal(recap(first.stdout)[h.name]?.changed, 1, first.stdout);
    for (const h of lab.hosts) {
      const br = await link(h.name, 'brt');
      assert.equal(br.linkinfo.info_kind, 'bridge');
      assert.equal(br.linkinfo.info_data.forward_delay, 400);
      for (const p of ['tp1', 'tp2']) assert.equal((await link(h.name, p)).master, 'brt');
      assert.match(await on(h.name, 'ip', '-br', 'addr', 'show', 'dev', 'brt'), /10\.99\.0\.1\/24/);
      const stanza = await on(h.name, 'cat', '/etc/network/interfaces.d/30-tsplay-brt');
      assert.match(stanza, /iface brt inet static\n\taddress 10\.99\.0\.1\/24\n\tbridge_ports tp1 tp2\n\tbridge_stp off\n\tbridge_fd 4\n/);
      assert.match(await on(h.name, 'cat', '/etc/network/interfaces'), /^source \/etc\/network\/interfaces\.d\/\*$/m);
    }
    const second = await run(book);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const h of lab.hosts) assert.deepEqual([recap(second.stdout)[h.name]?.changed, recap(second.stdout)[h.name]?.ok], [0, 1], second.stdout);
  });

  test('check mode reports a hand-made drift exactly and changes nothing', async () => {
    const book = playbook('bridge.yml', BRIDGE);
    await on('h2', 'ip', 'link', 'set', 'dev', 'tp2', 'nomaster');
    await on('h2', 'ip', 'addr', 'add', '10.99.9.9/24', 'dev', 'brt');
    // What the network looks like, without counters and timers that move by themselves.
    const state = async () => JSON.stringify(JSON.parse(await on('h2', 'ip', '-j', 'addr', 'show')).map((l: any) => [l.ifname, l.master, l.mtu, l.flags.includes('UP'), l.addr_info.map((a: any) => `${a.local}/${a.prefixlen}`)]));
    const before = await state();
    const r = await run(book, '--check', '--diff');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rc = recap(r.stdout);
    assert.deepEqual([rc.h1?.changed, rc.h2?.changed, rc.h3?.changed], [0, 1, 0], r.stdout);
    // The live diff names both drifts, and only them.
    assert.match(r.stdout, /-  ports: tp1\n-  addresses: 10\.99\.0\.1\/24, 10\.99\.9\.9\/24\n\+  ports: tp1, tp2\n\+  addresses: 10\.99\.0\.1\/24\n/);
    assert.match(r.stdout, /-tp2: veth, up, mtu 1500\n\+tp2: veth, up, mtu 1500, master brt/);
    assert.equal(await state(), before, 'check mode changed nothing');
    // A real run repairs it.
    const fix = await run(book);
    assert.equal(recap(fix.stdout).h2?.changed, 1, fix.stdout);
    assert.equal((await link('h2', 'tp2')).master, 'brt');
    assert.doesNotMatch(await on('h2', 'ip', '-br', 'addr', 'show', 'dev', 'brt'), /10\.99\.9\.9/);
  });

  test('absent removes the bridge and its file, and releases its ports', async () => {
    const r = await run(playbook('gone.yml', BRIDGE.replace('backend: ifupdown', 'backend: ifupdown\n        state: absent')));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(recap(r.stdout).h1?.changed, 1, r.stdout);
    assert.equal((await runOn(lab, 'h1', ['ip', 'link', 'show', 'brt'])).rc, 1);
    assert.equal((await link('h1', 'tp1')).master, undefined);
    assert.equal((await runOn(lab, 'h1', ['test', '-e', '/etc/network/interfaces.d/30-tsplay-brt'])).rc, 1);
  });
});

describe('safe apply on lab hosts', { skip }, () => {
  test('a change that cuts tsplay off is rolled back by the host; other hosts finish', async () => {
    const book = playbook(
      'cutoff.yml',
      `- hosts: all
  gather_facts: false
  tasks:
    - name: enslave the management NIC without moving its address
      bridge: { name: brx, ports: [eth0], backend: none, rollback_timeout: 10 }
      when: inventory_hostname == 'h1'
    - name: still here
      command: ip -br link show dev eth0
`,
    );
    const started = Date.now();
    const r = await run(book);
    const took = (Date.now() - started) / 1000;
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const rc = recap(r.stdout);
    assert.deepEqual([rc.h1?.failed, rc.h2?.failed, rc.h3?.failed], [1, 0, 0], r.stdout);
    assert.deepEqual([rc.h2?.changed, rc.h3?.changed], [1, 1], r.stdout);
    assert.match(r.stdout, /rolled back: .*the host restored bridge brx; a new probe finds the state as it was before/);
    assert.ok(took < 60, `rolled back within the timeout and a reconnect (${took} s)`);
    // The host answers again, as it was.
    assert.equal((await runOn(lab, 'h1', ['ip', 'link', 'show', 'brx'])).rc, 1);
    assert.equal((await link('h1', 'eth0')).master, undefined);
    const again = await run(playbook('ping.yml', '- hosts: h1\n  gather_facts: false\n  tasks:\n    - command: "true"\n'));
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  test('a change that moves the management address is confirmed at confirm_address and kept', async () => {
    const h3 = lab.hosts.find((h) => h.name === 'h3')!;
    const [a, b, c] = h3.ip.split('.');
    const moved = `${a}.${b}.${c}.250`;
    const book = playbook(
      'move.yml',
      `- hosts: h3
  gather_facts: false
  tasks:
    - name: the management address moves to a bridge over eth0
      bridge: { name: brm, ports: [eth0], address: ${moved}/16, backend: none, confirm_address: ${moved}, rollback_timeout: 10 }
    - name: the next task runs over the new connection
      command: ip -br addr show dev brm
      register: shown
    - assert: { that: "'${moved}' in shown.stdout" }
`,
    );
    const r = await run(book, '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const results = events(r.stdout).filter((e) => e.kind === 'host_result');
    assert.deepEqual(results.map((e) => e.status), ['changed', 'changed', 'ok'], r.stdout);
    assert.match(results[0].result.msg, new RegExp(`eth0: address ${h3.ip.replace(/\./g, '\\.')}/16 removed .*; confirmed over a new connection to ${moved.replace(/\./g, '\\.')}$`));
    // Kept: the timer was disarmed, so it is still there after the rollback_timeout.
    await new Promise((res) => setTimeout(res, 12_000));
    assert.equal((await link('h3', 'eth0')).master, 'brm');
    assert.match(await on('h3', 'ip', '-br', 'addr', 'show', 'dev', 'brm'), new RegExp(moved.replace(/\./g, '\\.')));
  });
});
