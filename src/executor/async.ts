/**
 * async / poll, as ansible-core 2.14 runs them (the job itself: src/core/jobs.ts). poll > 0:
 * the controller reads the job every `poll` seconds ("ASYNC POLL"), then hands back its exit
 * code and output as an apply's, the job folder removed; a job still running after `async`
 * seconds has been ended by its watchdog and fails the task. poll 0: the task reports the job
 * started (changed) and its id, for async_status to read later.
 */
import { randomBytes } from 'node:crypto';
import type { ExecResult } from '../core/module.js';
import { jobStatus, launchJob, newJobId, parseJobStatus } from '../core/jobs.js';
import type { Shell } from '../core/sh.js';
import type { Task } from '../playbook/types.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';
import { type ExecOptions, remote } from './remote.js';

export interface AsyncRun {
  jid: string;
  /** The job's folder on the host (results_file). */
  dir: string;
  /** The job's exit code and output, once polled to the end (poll > 0). */
  done?: ExecResult;
  /** Its time ran out before it finished. */
  timedOut?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runAsync(ctx: PlayContext, h: HostState, task: Task, script: Shell, opts: ExecOptions, seconds: number, poll: number): Promise<AsyncRun> {
  const jid = newJobId();
  const started = await remote(ctx, h, task, 'apply', launchJob(jid, script, seconds), opts);
  if (started.rc !== 0) throw new Error(`could not start the async job: ${started.stderr.trim() || `exit code ${started.rc}`}`);
  const dir = started.stdout.trim();
  if (poll <= 0) return { jid, dir };
  const deadline = Date.now() + (seconds + poll + 5) * 1000;
  for (;;) {
    await sleep(poll * 1000);
    const marker = `--tsplay-job-${randomBytes(8).toString('hex')}--`;
    const st = parseJobStatus((await remote(ctx, h, task, 'probe', jobStatus(jid, marker, true), opts)).stdout, marker);
    if (st.state === 'finished') {
      ctx.emit({ kind: 'async', host: h.name, jid, phase: st.timedOut ? 'failed' : 'ok' });
      return { jid, dir, done: st.result, timedOut: st.timedOut };
    }
    if (st.state === 'missing' || Date.now() > deadline) {
      ctx.emit({ kind: 'async', host: h.name, jid, phase: 'failed' });
      return { jid, dir, timedOut: st.state === 'running' };
    }
    ctx.emit({ kind: 'async', host: h.name, jid, phase: 'poll' });
  }
}
