/**
 * ansible.cfg through the real CLI: test/fixtures/config/run/ansible.cfg in the working directory
 * gives the inventory (two local hosts) and forks = 1 when the command line gives neither; an
 * ANSIBLE_* variable beats the file and an option beats both; a malformed file stops the run
 * with its file:line and exit 5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recap, ROOT, tsplay } from '../helpers/cli.js';

const RUN = join(ROOT, 'test/fixtures/config/run');

/** Runs forks.yml in RUN and returns the log's lines with the host names replaced by their order of appearance. */
async function forksLog(args: string[], env: Record<string, string> = {}): Promise<string> {
  const log = join(mkdtempSync(join(tmpdir(), 'tsplay-config-')), 'log');
  const r = await tsplay(['run', 'forks.yml', '-e', `log=${log}`, ...args], { cwd: RUN, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(Object.keys(recap(r.stdout)).sort(), ['node1', 'node2']);
  const hosts: string[] = [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [what, host] = l.split(' ') as [string, string];
      if (!hosts.includes(host)) hosts.push(host);
      return `${what} ${hosts.indexOf(host) + 1}`;
    })
    .join(', ');
}

test('./ansible.cfg gives the inventory and forks when no -i or -f is given', async () => {
  assert.equal(await forksLog([]), 'start 1, end 1, start 2, end 2');
  const graph = await tsplay(['inventory', '--graph'], { cwd: RUN });
  assert.equal(graph.code, 0, graph.stderr);
  assert.match(graph.stdout, /\|--@ctl:\n {2}\|  \|--node1\n/);
});

test('ANSIBLE_FORKS beats ansible.cfg, and -f beats both', async () => {
  // Together, both start before either ends (which one ends first is the scheduler's choice).
  assert.match(await forksLog([], { ANSIBLE_FORKS: '2' }), /^start 1, start 2, end [12], end [12]$/);
  assert.equal(await forksLog(['-f', '1'], { ANSIBLE_FORKS: '2' }), 'start 1, end 1, start 2, end 2');
});

test('a malformed ansible.cfg stops any command with its file:line, exit 5', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-config-bad-'));
  writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\nforks = 2\nthis is not a setting\n');
  const r = await tsplay(['inventory', '--list'], { cwd: dir });
  assert.equal(r.code, 5);
  assert.match(r.stderr, new RegExp(`${dir}/ansible\\.cfg:3: cannot read "this is not a setting"`));
});
