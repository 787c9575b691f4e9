/**
 * A rollout on a lab of 20 real sshd hosts: serial [1, "25%"] cuts batches of 1, 5, 5, 5 and 4;
 * a host failing in one batch under max_fail_percentage lets the rollout go on; with
 * max_fail_total 2, two failures in different batches stop it, and the hosts themselves show
 * that no later host was touched; the retry file names the failed and the untouched hosts, and
 * --limit @FILE finishes the rollout, changing only the untouched ones.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { events, recap, tsplay } from '../helpers/cli.js';

const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# rollout lab tests skipped: ${skip}`);

let lab: Lab;
let dir: string;
const HOSTS = Array.from({ length: 20 }, (_, i) => `h${i + 1}`);
const RELEASE = '/etc/tsplay-release';

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tsplay-rollout-'));
  lab = await labUp(20, { dir: join(dir, 'lab') });
});

after(async () => {
  if (lab) await labDown(lab.dir);
});

/** The rollout playbook, with `budget` as max_fail_total when given; `broken` hosts fail their health check. */
function book(budget?: number): string {
  const file = join(dir, `rollout-${budget ?? 'none'}.yml`);
  writeFileSync(file, [
    '- name: rollout',
    '  hosts: lab',
    '  gather_facts: false',
    '  serial: [1, "25%"]',
    '  max_fail_percentage: 30',
    ...(budget === undefined ? [] : [`  max_fail_total: ${budget}`]),
    '  tasks:',
    '    - name: new release',
    `      copy: { content: "release 2\\n", dest: ${RELEASE} }`,
    '    - name: health',
    `      command: cat ${RELEASE}`,
    '      changed_when: false',
    '      failed_when: broken | default(false) | bool',
    '',
  ].join('\n'));
  return file;
}

/** An inventory source that marks hosts broken (a host variable the health check reads). */
function broken(...hosts: string[]): string {
  const file = join(dir, `broken-${hosts.join('-')}.ini`);
  writeFileSync(file, `${hosts.map((h) => `${h} broken=true`).join('\n')}\n`);
  return file;
}

async function released(): Promise<string[]> {
  const out: string[] = [];
  for (const h of HOSTS) if ((await runOn(lab, h, ['test', '-e', RELEASE])).rc === 0) out.push(h);
  return out;
}

async function reset(): Promise<void> {
  await Promise.all(HOSTS.map((h) => runOn(lab, h, ['rm', '-f', RELEASE])));
}

test('batches of 1, 5, 5, 5, 4; one failure in a batch under max_fail_percentage lets the rollout go on', { skip }, async () => {
  await reset();
  const r = await tsplay(['run', book(), '-i', lab.inventory, '-i', broken('h3'), '--known-hosts', lab.knownHosts, '--json']);
  assert.equal(r.code, 2, r.stderr);
  const ev = events(r.stdout);
  assert.deepEqual(ev.filter((e) => e.kind === 'batch_start').map((e) => e.hosts.length), [1, 5, 5, 5, 4]);
  assert.deepEqual(ev.filter((e) => e.kind === 'batch_start')[1].hosts, ['h2', 'h3', 'h4', 'h5', 'h6']);
  assert.equal(ev.some((e) => e.kind === 'rollout_stop'), false);
  assert.deepEqual(await released(), HOSTS, 'every host got the release');
  const stats = ev.find((e) => e.kind === 'recap').stats;
  assert.equal(stats.h3.failed, 1);
  assert.equal(HOSTS.filter((h) => stats[h].changed === 1).length, 20);
});

test('max_fail_total 2: failures in batches 2 and 3 stop the rollout; no later host is touched; the retry file and --limit @FILE finish it', { skip }, async () => {
  await reset();
  const retry = join(dir, 'rollout.retry');
  const r = await tsplay(['run', book(2), '-i', lab.inventory, '-i', broken('h3', 'h8'), '--known-hosts', lab.knownHosts, '--retry-file', retry]);
  assert.equal(r.code, 2, r.stderr);
  const untouched = HOSTS.slice(11);
  assert.match(r.stdout, new RegExp(`ROLLOUT STOPPED \\[rollout\\] \\*+\\nmax_fail_total 2 reached: 2 of the play's 20 hosts failed; no further batch starts\\n`));
  assert.match(r.stdout, new RegExp(`\\nnot started \\(9\\): ${untouched.join(', ')}\\n`));
  // On the hosts themselves: the first three batches got the release, no later host did.
  assert.deepEqual(await released(), HOSTS.slice(0, 11));
  assert.deepEqual(readFileSync(retry, 'utf8').trim().split('\n'), ['h3', 'h8', ...untouched].sort());
  assert.deepEqual(Object.keys(recap(r.stdout)).sort(), HOSTS.slice(0, 11).sort(), 'hosts never started are not in the recap');

  // Fixed, the rollout finishes on exactly the hosts of the retry file.
  const rest = await tsplay(['run', book(2), '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--limit', `@${retry}`]);
  assert.equal(rest.code, 0, rest.stdout + rest.stderr);
  const changed = Object.entries(recap(rest.stdout)).filter(([, s]) => s.changed! > 0).map(([h]) => h).sort();
  assert.deepEqual(changed, untouched.sort());
  assert.deepEqual(Object.keys(recap(rest.stdout)).sort(), ['h3', 'h8', ...untouched].sort());
  assert.deepEqual(await released(), HOSTS);
});
