/** src/core/jobs.ts through a real sh: a detached job's output and exit code come back; its watchdog ends it in time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobStatus, launchJob, newJobId, parseJobStatus } from '../../src/core/jobs.js';
import { sh } from '../../src/core/sh.js';

const home = mkdtempSync(join(tmpdir(), 'tsplay-jobs-'));
const run = (script: string) => execFileSync('sh', ['-c', script], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
const MARK = '--mark--';

async function waitDone(id: string, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const st = parseJobStatus(run(jobStatus(id, MARK).text), MARK);
    if (st.state !== 'running' || Date.now() > until) return st;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("a job's stdout, stderr and exit code come back once it is done; its folder is private", async () => {
  const id = newJobId();
  const dir = run(launchJob(id, sh`printf 'line 1\nline 2\n'; echo 'it broke' >&2; exit 3`, 30).text).trim();
  assert.equal(dir, join(home, '.tsplay_async', id));
  assert.equal(execFileSync('stat', ['-c', '%a', join(home, '.tsplay_async')], { encoding: 'utf8' }).trim(), '700');
  const st = await waitDone(id);
  assert.deepEqual(st, { state: 'finished', dir, timedOut: false, result: { rc: 3, stdout: 'line 1\nline 2', stderr: 'it broke' } });
  run(jobStatus(id, MARK, true).text);
  assert.equal(existsSync(dir), false, 'read with removeWhenDone, the folder is gone');
  assert.deepEqual(parseJobStatus(run(jobStatus(id, MARK).text), MARK), { state: 'missing' });
});

test('a job still running after its seconds is ended, with what it started, and marked timed out', async () => {
  const id = newJobId();
  const tag = `tsplay-job-test-${id}`;
  run(launchJob(id, sh`sh -c ${`sleep 30; : ${tag}`}; echo after`, 1).text);
  assert.equal(parseJobStatus(run(jobStatus(id, MARK).text), MARK).state, 'running');
  const st = await waitDone(id, 8000);
  assert.equal(st.state, 'finished');
  assert.equal(st.state === 'finished' && st.timedOut, true);
  const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(tag) && !l.includes('ps -eo'));
  assert.deepEqual(left, [], 'the sleep the job started went with it');
});

test("a running job's status with tail shows the end of its stderr and stdout (a detached plan's progress), without it only that it runs", async () => {
  const id = newJobId();
  run(launchJob(id, sh`printf 'Completed:  10.00%%\rCompleted:  42.50%%, Rate: 1.23GB/min,' >&2; echo out; sleep 5`, 10).text);
  await new Promise((r) => setTimeout(r, 500));
  const st = parseJobStatus(run(jobStatus(id, MARK, false, 40).text), MARK);
  assert.equal(st.state, 'running');
  assert.equal(st.state === 'running' && st.tail, '0%\rCompleted:  42.50%, Rate: 1.23GB/min,\nout\n');
  assert.equal('tail' in parseJobStatus(run(jobStatus(id, MARK).text), MARK), false);
});
