/**
 * A rollout on a lab of 20 real sshd hosts: serial [1, "25%"] cuts batches of 1, 5, 5, 5 and 4;
 * a host failing in one batch under max_fail_percentage lets the rollout go on; with
 * max_fail_total 2, two failures in different batches stop it, and the hosts themselves show
 * that no later host was touched; the retry file names the failed and the untouched hosts, and
 * --limit @FILE finishes the rollout, changing only the untouched ones; --resume does the same
 * from the state the run kept, even after the controller was killed between batches.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { events, recap, ROOT, tsplay } from '../helpers/cli.js';

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

test('--resume after a budget stop finishes the rollout: the failed and the never-started hosts run, the finished ones do not; then there is nothing left', { skip }, async () => {
  await reset();
  const args = [book(2), '-i', lab.inventory, '--known-hosts', lab.knownHosts];
  const stopped = await tsplay(['run', ...args, '-i', broken('h3', 'h8')]);
  assert.equal(stopped.code, 2, stopped.stderr);
  const resumed = await tsplay(['run', ...args, '--resume']);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  const untouched = HOSTS.slice(11);
  assert.deepEqual(Object.keys(recap(resumed.stdout)).sort(), ['h3', 'h8', ...untouched].sort());
  assert.deepEqual(Object.entries(recap(resumed.stdout)).filter(([, s]) => s.changed! > 0).map(([h]) => h).sort(), untouched.sort());
  assert.deepEqual(await released(), HOSTS);
  const again = await tsplay(['run', ...args, '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /--resume: every host finished play 1 \(rollout\) in the run resumed/);
  assert.doesNotMatch(again.stdout, /TASK \[/);
});

test('a controller killed (SIGKILL) after batch 2, then --resume: no host runs twice, and every host ends as after one whole run', { skip }, async () => {
  await Promise.all(HOSTS.map((h) => runOn(lab, h, ['rm', '-f', '/tmp/tsplay-runs'])));
  const file = join(dir, 'count.yml');
  writeFileSync(file, ['- name: counted', '  hosts: lab', '  gather_facts: false', '  serial: [1, "25%"]', '  tasks:', '    - shell: echo run >> /tmp/tsplay-runs', '    - command: sleep 1', ''].join('\n'));
  const args = ['run', file, '-i', lab.inventory, '--known-hosts', lab.knownHosts];
  const child = spawn(process.execPath, [join(ROOT, 'bin/tsplay.js'), ...args, '--json'], { env: { ...process.env, CI: '1' } });
  let seen = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (b) => {
      seen += b;
      if (events(seen).filter((e) => e.kind === 'batch_end').length >= 2 && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('close', () => resolve());
  });
  assert.equal(events(seen).filter((e) => e.kind === 'batch_end').length, 2, 'killed right after batch 2');
  const resumed = await tsplay([...args, '--resume']);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.equal(recap(resumed.stdout).h1, undefined, 'the canary finished before the kill and did not run again');
  for (const h of HOSTS) assert.equal((await runOn(lab, h, ['cat', '/tmp/tsplay-runs'])).stdout, 'run\n', `${h} ran once`);
});
