/**
 * tsplay audit of the demo playbook on a lab of 10 real sshd hosts and one that is not there,
 * after drift made by hand on five of them (a template edited, a script tag added to it, a file
 * removed, a sysctl changed, a mode changed): drift.json lists exactly those hosts and tasks,
 * the hosts are byte-identical before and after, and drift.html, opened in Debian's chromium,
 * shows it (counts, cells, a diff on a click, the host filter, the script tag as text).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import type { Browser } from 'playwright-core';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { artifactsDir, launch } from '../helpers/browser.js';
import { ROOT, tsplay } from '../helpers/cli.js';

const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# audit lab tests skipped: ${skip}`);

let lab: Lab;
let dir: string;
let inv: string[];
let browser: Browser | undefined;
const HOSTS = Array.from({ length: 10 }, (_, i) => `h${i + 1}`);
const SITE = join(ROOT, 'playbooks/site.yml');
const SCRIPT = '<script>window.__pwned = 1</script>';

const TEMPLATE = 'Application configuration from a template';
const MOTD = 'Message of the day';
const ENV = 'Listen port in the environment file';
const SYSCTL = 'Kernel network settings';

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tsplay-audit-lab-'));
  lab = await labUp(10, { dir: join(dir, 'lab') });
  // A host of the fleet that cannot be reached: nothing listens on loopback's port 9.
  writeFileSync(join(dir, 'gone.ini'), '[lab]\ngone ansible_host=127.0.0.1 ansible_port=9\n');
  inv = ['-i', lab.inventory, '-i', join(dir, 'gone.ini'), '--known-hosts', lab.knownHosts, '--connect-timeout', '3'];
  const converge = await tsplay(['run', SITE, ...inv], { cwd: dir });
  assert.equal(converge.code, 4, converge.stdout + converge.stderr);
});

after(async () => {
  await browser?.close();
  if (lab) await labDown(lab.dir);
});

/** What the demo playbook manages on a host, with modes, owners, times and hashes: any change shows. */
async function managed(host: string): Promise<string> {
  const r = await runOn(lab, host, [
    'sh', '-c',
    'for f in /etc/tsplay-demo /etc/tsplay-demo/app.conf /etc/tsplay-demo/environment /etc/motd /etc/sysctl.d/60-tsplay-demo.conf /var/lib/tsplay-demo /var/lib/tsplay-demo/*; do ' +
      'stat -c "%n %a %U:%G %s %Y" "$f" 2>&1; [ -f "$f" ] && sha256sum "$f"; done; sysctl net.ipv4.ip_forward net.ipv4.ip_local_port_range net.core.somaxconn',
  ]);
  return r.stdout;
}

const fleet = async () => Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await managed(h)])));
const report = (out: string) => JSON.parse(readFileSync(join(dir, out, 'drift.json'), 'utf8'));
/** host: task names that drifted or would fail. */
const drift = (r: any) =>
  Object.fromEntries(Object.entries<any>(r.hosts).map(([h, v]) => [h, v.tasks.filter((t: any) => t.status === 'drifted' || t.status === 'would fail').map((t: any) => t.name)]).filter(([, t]) => t.length));

test('drift made by hand on five hosts: drift.json lists exactly it, valid against the schema, and the audit changes nothing', { skip }, async () => {
  const sh = (host: string, script: string) => runOn(lab, host, ['sh', '-c', script]);
  await sh('h2', "sed -i 's/^workers = .*/workers = 64/' /etc/tsplay-demo/app.conf");
  await sh('h3', `printf '%s\\n' '${SCRIPT}' >> /etc/tsplay-demo/app.conf`);
  await sh('h4', 'rm /etc/motd');
  await sh('h6', 'sysctl -qw net.core.somaxconn=4096');
  await sh('h8', 'chmod 0600 /etc/tsplay-demo/environment');
  const before = await fleet();
  const r = await tsplay(['audit', SITE, ...inv, '-o', 'out1'], { cwd: dir });
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.deepEqual(await fleet(), before, 'every host byte-identical after the audit');
  const rep = report('out1');
  assert.deepEqual(drift(rep), { h2: [TEMPLATE], h3: [TEMPLATE], h4: [MOTD], h6: [SYSCTL], h8: [ENV] });
  assert.deepEqual(rep.summary, { hosts: 11, in_sync: 5, drifted: 5, unreachable: 1, would_fail: 0, drifted_tasks: 5 });
  assert.equal(rep.hosts.gone.reachable, false);
  for (const h of HOSTS) assert.equal(rep.hosts[h].reachable, true);
  const task = (h: string, n: string) => rep.hosts[h].tasks.find((t: any) => t.name === n);
  assert.match(task('h2', TEMPLATE).diff[0].unified, /^-workers = 64$/m);
  assert.equal(task('h3', TEMPLATE).diff[0].before.trimEnd().split('\n').at(-1), SCRIPT);
  assert.equal(task('h4', MOTD).diff[0].before, '');
  assert.deepEqual(task('h6', SYSCTL).diff.map((d: any) => [d.before.trim(), d.after.trim()]).filter(([b, a]: string[]) => b !== a), [['4096', '1024']]);
  assert.match(JSON.stringify(task('h8', ENV).diff), /0600.*0644/);
  assert.equal(rep.hosts.h1.facts.os.split(' ')[0], 'Debian');
  const validate = new Ajv({ strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'docs/drift.schema.json'), 'utf8')));
  assert.ok(validate(rep), JSON.stringify(validate.errors));
});

test('exit codes on the fleet: 2 without the unreachable host, 0 on hosts in sync', { skip }, async () => {
  assert.equal((await tsplay(['audit', SITE, ...inv, '-l', 'lab:!gone', '-o', 'out2'], { cwd: dir })).code, 2);
  const clean = await tsplay(['audit', SITE, ...inv, '-l', 'h1,h5,h7', '-o', 'out3'], { cwd: dir });
  assert.equal(clean.code, 0, clean.stdout);
  assert.deepEqual(drift(report('out3')), {});
});

test('drift.html in chromium: the counts, the drifted cells, a diff on a click, the host filter, grouping, the script tag as text', { skip }, async () => {
  browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${join(dir, 'out1', 'drift.html')}`);
  await page.waitForSelector('body[data-ready]');
  const card = (name: string) => page.locator(`.card[data-count="${name}"] b`).textContent();
  assert.deepEqual([await card('hosts'), await card('in sync'), await card('drifted'), await card('unreachable')], ['11', '5', '5', '1']);
  assert.equal(await page.locator('td.s-drifted').count(), 5);
  assert.match((await page.locator('td.unr').textContent())!, /^unreachable: .*127\.0\.0\.1/);
  // h3's drifted cell: its diff, the script tag shown as text and never run.
  const row = (h: string) => page.locator('#tbody tr', { has: page.locator(`th.host:text-is("${h}")`) });
  await row('h3').locator('td.s-drifted').click();
  const detail = page.locator('#detail');
  assert.ok((await detail.textContent())!.includes(`+${SCRIPT}`.replace('+', '-')), 'the diff line removing the script tag, as text');
  assert.equal(await detail.locator('script').count(), 0);
  assert.equal(await page.evaluate(() => (window as any).__pwned), undefined, 'the script tag ran nothing');
  assert.equal(await detail.locator('pre span.del').filter({ hasText: SCRIPT }).count(), 1, 'a removed line, coloured as one');
  mkdirSync(artifactsDir(ROOT), { recursive: true });
  await page.screenshot({ path: join(artifactsDir(ROOT), 'drift-page.png') });
  // The host filter, then grouping: the five hosts in sync are one row.
  await page.fill('#filter', 'h1*');
  assert.deepEqual(await page.locator('#tbody th.host').allTextContents(), ['h1', 'h10']);
  await page.fill('#filter', '');
  await page.check('#group');
  assert.equal(await page.locator('#tbody tr').count(), 7);
  assert.match((await row('h1').locator('th.host').getAttribute('title'))!, /^h1, h5, h7, h9, h10$/);
  await page.uncheck('.st[value="in sync"]');
  assert.equal(await page.locator('#tbody tr').count(), 6);
  assert.deepEqual([dialogs, errors], [[], []]);
});

test('--since: the host put right is fixed, new drift is new, the rest is still there', { skip }, async () => {
  assert.equal((await tsplay(['run', SITE, ...inv, '-l', 'h2'], { cwd: dir })).code, 0);
  await runOn(lab, 'h5', ['sh', '-c', 'echo edited >> /etc/motd']);
  const r = await tsplay(['audit', SITE, ...inv, '-o', 'out4', '--since', 'out1/drift.json'], { cwd: dir });
  assert.equal(r.code, 4);
  const rep = report('out4');
  assert.deepEqual(rep.hosts.h2.fixed.map((t: any) => t.name), [TEMPLATE]);
  const since = Object.fromEntries(Object.entries<any>(rep.hosts).flatMap(([h, v]) => v.tasks.filter((t: any) => t.since).map((t: any) => [h, t.since])));
  assert.deepEqual(since, { h3: 'still', h4: 'still', h5: 'new', h6: 'still', h8: 'still' });
  assert.deepEqual([rep.summary.new, rep.summary.fixed], [1, 1]);
});

test('saved plans on the fleet: apply refuses the host changed by hand since the plan, converges the others; a plan of the converged fleet changes nothing', { skip }, async () => {
  const hosts = ['-l', 'lab:!gone'];
  const p = await tsplay(['plan', SITE, ...inv, ...hosts, '-o', 'plan.json'], { cwd: dir });
  assert.equal(p.code, 0, p.stdout + p.stderr);
  const shown = (await tsplay(['show', 'plan.json'], { cwd: dir })).stdout;
  assert.match(shown, /^h6 +: to change=1$/m);
  assert.match(shown, /^h1 +: to change=0$/m);
  // h4 changes after the plan was made.
  await runOn(lab, 'h4', ['sh', '-c', 'echo by hand > /etc/motd']);
  const h4 = await managed('h4');
  const a = await tsplay(['apply', 'plan.json', '--known-hosts', lab.knownHosts], { cwd: dir });
  assert.equal(a.code, 2, a.stdout + a.stderr);
  assert.match(a.stdout, /^h4 +: refused .*state changed since the plan: Message of the day \(.*site\.yml:\d+\); nothing was applied to it$/m);
  assert.match(a.stdout, /^h6 +: applied +changed=1 round_trips=2$/m, 'one round trip re-probes every task, one applies the change');
  assert.match(a.stdout, /^h1 +: applied +changed=0 round_trips=1$/m);
  assert.equal(await managed('h4'), h4, 'nothing applied to the refused host');
  const audit = await tsplay(['audit', SITE, ...inv, '-l', 'lab:!gone:!h4', '-o', 'out5'], { cwd: dir });
  assert.equal(audit.code, 0, 'the plan converged the other hosts');
  // The converged fleet: its plan is applied without a change.
  assert.equal((await tsplay(['plan', SITE, ...inv, '-l', 'lab:!gone:!h4', '-o', 'plan2.json'], { cwd: dir })).code, 0);
  const before = await fleet();
  const c = await tsplay(['apply', 'plan2.json', '--known-hosts', lab.knownHosts], { cwd: dir });
  assert.equal(c.code, 0, c.stdout);
  assert.equal(c.stdout.match(/applied +changed=0 round_trips=1$/gm)?.length, 9);
  assert.deepEqual(await fleet(), before);
});
