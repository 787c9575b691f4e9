/**
 * The README's multi-role example (playbooks/roles-site.yml: the roles common, sysctl_tuning
 * and webapp of playbooks/roles/) through the real CLI against real sshd hosts in the lab: it converges,
 * the web server it sets up answers, a second run changes nothing in two round trips per host,
 * check mode reports a hand-made drift on one host and moves nothing, and a changed setting
 * restarts the service through the role's handler.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { events, ROOT, tsplay } from '../helpers/cli.js';

// The lab needs root (namespaces, veths, mounts): elsewhere these tests are skipped, loudly.
const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# roles lab tests skipped: ${skip}`);

let lab: Lab;
const SITE = join(ROOT, 'playbooks/roles-site.yml');
const HOSTS = ['h1', 'h2', 'h3'];
const base = () => ['-i', lab.inventory, '--known-hosts', lab.knownHosts];
const HANDLER = 'webapp : Restart webapp';

/** A shell command's output on a host, trimmed. */
async function on(host: string, command: string): Promise<string> {
  const r = await runOn(lab, host, ['sh', '-c', command]);
  assert.equal(r.rc, 0, r.stderr);
  return r.stdout.trim();
}

/** What the roles manage on a host, and the web server's PID: equal snapshots mean nothing moved. */
const FILES = ['/etc/issue', '/etc/sysctl.d/60-tuning.conf', '/srv/webapp/index.html', '/etc/webapp/httpd.conf', '/etc/default/webapp', '/etc/init.d/webapp'];
const SYSCTLS = ['net.ipv4.tcp_syncookies', 'net.ipv4.conf.all.accept_redirects', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_time'];
const snapshot = (host: string) =>
  on(host, `sha256sum ${FILES.join(' ')}; stat -c '%n %a %U %G' ${FILES.join(' ')} /srv/site /srv/webapp /etc/webapp; sysctl ${SYSCTLS.join(' ')}; id deploy; id webapp; ls /etc/rc2.d; cat /run/webapp.pid`);

/** The recap event of a --json run, after checking that it exited 0. */
function recapOf(r: { code: number; stdout: string; stderr: string }) {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return events(r.stdout).find((e) => e.kind === 'recap');
}

/** `host task` of every changed result (loop items and their summary count once: by task). */
function changedTasks(stdout: string): string[] {
  return [...new Set(events(stdout).filter((e) => e.kind === 'host_result' && e.changed).map((e) => `${e.host} ${e.task}`))].sort();
}

/** The body served at http://HOST:PORT/, retried while the just-(re)started server binds its port. */
async function page(host: string, port: number): Promise<string> {
  const ip = lab.hosts.find((h) => h.name === host)!.ip;
  for (let i = 0; ; i++) {
    try {
      return await (await fetch(`http://${ip}:${port}/`, { signal: AbortSignal.timeout(3000) })).text();
    } catch (e) {
      if (i >= 20) throw new Error(`${host}: nothing answers on port ${port}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

before(async () => {
  if (!skip) lab = await labUp(HOSTS.length, { dir: mkdtempSync(join(tmpdir(), 'tsplay-roles-lab-')) });
});

after(async () => {
  if (!lab) return;
  await labDown(lab.dir);
  rmSync(lab.dir, { recursive: true, force: true });
});

test('the pre-flight check passes on the playbook (no lab needed)', async () => {
  const r = await tsplay(['validate', SITE, '-i', join(ROOT, 'inventory/hosts.ini')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // 4 tasks of common read twice (listed, and as webapp's dependency: it runs once per host, as
  // in Ansible), 1 of sysctl_tuning, 8 of webapp, 1 handler.
  assert.match(r.stdout, /roles-site\.yml: 1 plays, 18 tasks: valid/);
});

test('first run changes every host and the service answers; group_vars beat the role defaults', { skip }, async () => {
  const first = await tsplay(['run', SITE, ...base(), '--json']);
  const rc = recapOf(first);
  assert.deepEqual(Object.keys(rc.stats).sort(), HOSTS);
  for (const h of HOSTS) {
    assert.ok(rc.stats[h].changed > 0, `${h} changed nothing on the first run`);
    assert.equal(rc.stats[h].failed, 0);
  }
  console.log(`# round trips of the first run: ${JSON.stringify(rc.roundTrips)}`);
  const evs = events(first.stdout);
  // common runs once, before sysctl_tuning, though webapp depends on it.
  const roles = evs.filter((e) => e.kind === 'task_start' && !e.handler).map((e) => e.name.split(' : ')[0]);
  assert.deepEqual([...new Set(roles)], ['Gathering Facts', 'common', 'sysctl_tuning', 'webapp']);
  assert.equal(evs.filter((e) => e.kind === 'task_start' && e.name === 'common : Login banner').length, 1);
  assert.deepEqual(evs.filter((e) => e.kind === 'host_result' && e.task === HANDLER && e.changed).map((e) => e.host).sort(), HOSTS);

  for (const h of HOSTS) assert.match(await page(h, 8080), /<h1>webapp<\/h1>/);
  assert.match(await on('h2', 'cat /etc/issue'), /^h2 \(Debian [\d.]+\): authorized use only\.\n[^]*^Contact: operations <ops@example\.net>$/m);
  // playbooks/group_vars/lab.yml overrides one value of the role's defaults; the others stay.
  assert.equal(await on('h2', 'sysctl -n net.ipv4.tcp_keepalive_time net.ipv4.tcp_fin_timeout'), '300\n30');
  assert.match(await on('h2', 'id -nG deploy'), /\bops\b/);
  assert.equal(await on('h2', 'ps -o user= -p "$(cat /run/webapp.pid)"'), 'webapp');
});

test('second run: changed=0 on every host, no handler, two round trips per host', { skip }, async () => {
  const second = await tsplay(['run', SITE, ...base(), '--json']);
  const rc = recapOf(second);
  const evs = events(second.stdout);
  const results = new Set(evs.filter((e) => e.kind === 'host_result' && e.host === 'h1' && !e.loop).map((e) => `${e.task}#${e.item ?? ''}`)).size;
  for (const h of HOSTS) {
    console.log(`# round trips ${h}: converged roles-site.yml ${rc.roundTrips[h]} for ${results} task results`);
    assert.equal(rc.stats[h].changed, 0, `${h} changed on the second run:\n${changedTasks(second.stdout).join('\n')}`);
    assert.equal(rc.stats[h].failed, 0);
    assert.equal(rc.stats[h].ok, 14);
    // Facts, then one batch with the probes of every task of the three roles.
    assert.equal(rc.roundTrips[h], 2, `${h}: ${rc.roundTrips[h]} round trips for a converged run`);
  }
  assert.equal(evs.filter((e) => e.kind === 'task_start' && e.name === HANDLER).length, 0);
});

test('--check --diff reports exactly the drifted task on the drifted host, and nothing moves', { skip }, async () => {
  await on('h2', "echo '<p>edited by hand</p>' >> /srv/webapp/index.html");
  const before = await Promise.all(HOSTS.map(snapshot));
  const check = await tsplay(['run', SITE, ...base(), '--check', '--diff', '--json']);
  const rc = recapOf(check);
  assert.deepEqual(changedTasks(check.stdout), ['h2 webapp : Home page']);
  assert.deepEqual(HOSTS.map((h) => rc.stats[h].changed), [0, 1, 0]);
  const diff = events(check.stdout).find((e) => e.kind === 'host_result' && e.changed).diff;
  assert.deepEqual(diff.map((d: { path: string }) => d.path), ['/srv/webapp/index.html']);
  assert.match(diff[0].before, /edited by hand/);
  assert.doesNotMatch(diff[0].after, /edited by hand/);
  // Check mode probes as a converged run does: nothing invalidates the batch.
  for (const h of HOSTS) assert.equal(rc.roundTrips[h], 2, `${h}: ${rc.roundTrips[h]} round trips in check mode`);
  assert.deepEqual(await Promise.all(HOSTS.map(snapshot)), before, 'check mode changed a host');
  assert.match(await page('h2', 8080), /edited by hand/);

  const fix = await tsplay(['run', SITE, ...base(), '--limit', 'h2', '--json']);
  recapOf(fix);
  assert.deepEqual(changedTasks(fix.stdout), ['h2 webapp : Home page']);
  assert.doesNotMatch(await page('h2', 8080), /edited by hand/);
});

test('a changed setting rewrites the service settings and the handler restarts the server with it', { skip }, async () => {
  const pid = () => on('h1', 'cat /run/webapp.pid');
  const started = await pid();
  const moved = await tsplay(['run', SITE, ...base(), '--limit', 'h1', '-e', 'webapp_port=8081', '--json']);
  recapOf(moved);
  assert.deepEqual(changedTasks(moved.stdout), ['h1 webapp : Restart webapp', 'h1 webapp : Service settings']);
  assert.notEqual(await pid(), started, 'the server was not restarted');
  assert.match(await page('h1', 8081), /<h1>webapp<\/h1>/);
  // Back to the role's port, which the server leaves.
  const back = await tsplay(['run', SITE, ...base(), '--limit', 'h1', '--json']);
  recapOf(back);
  assert.deepEqual(changedTasks(back.stdout), ['h1 webapp : Restart webapp', 'h1 webapp : Service settings']);
  assert.match(await page('h1', 8080), /<h1>webapp<\/h1>/);
  const ip = lab.hosts.find((h) => h.name === 'h1')!.ip;
  await assert.rejects(fetch(`http://${ip}:8081/`, { signal: AbortSignal.timeout(3000) }));
});
