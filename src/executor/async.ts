/**
 * async / poll, as ansible-core 2.14 runs them (the job itself: src/core/jobs.ts). poll > 0:
 * the controller reads the job every `poll` seconds ("ASYNC POLL"), then hands back its exit
 * code and output as an apply's, the job folder removed; a job still running after `async`
 * seconds has been ended by its watchdog and fails the task. poll 0: the task reports the job
 * started (changed) and its id, for async_status to read later.
 */
import { randomBytes } from 'node:crypto';
import type { Detached, ExecResult, ModuleDef, Progress } from '../core/module.js';
import { jobStatus, launchJob, newJobId, parseJobStatus } from '../core/jobs.js';
import type { Shell } from '../core/sh.js';
import { displayName, type Task } from '../playbook/types.js';
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

/**
 * Starts `script` as a job and polls it. With `watch` (a detached plan, not Ansible's async),
 * each look also reads the end of the job's output and hands it to `watch` instead of
 * reporting ASYNC lines.
 */
export async function runAsync(ctx: PlayContext, h: HostState, task: Task, script: Shell, opts: ExecOptions, seconds: number, poll: number, watch?: (tail: string) => void): Promise<AsyncRun> {
  const jid = newJobId();
  const started = await remote(ctx, h, task, 'apply', launchJob(jid, script, seconds), opts);
  if (started.rc !== 0) throw new Error(`could not start the async job: ${started.stderr.trim() || `exit code ${started.rc}`}`);
  const dir = started.stdout.trim();
  if (poll <= 0) return { jid, dir };
  const deadline = Date.now() + (seconds + poll + 5) * 1000;
  for (;;) {
    await sleep(poll * 1000);
    const marker = `--tsplay-job-${randomBytes(8).toString('hex')}--`;
    const st = parseJobStatus((await remote(ctx, h, task, 'probe', jobStatus(jid, marker, true, watch ? 4096 : 0), opts)).stdout, marker);
    const say = (phase: 'poll' | 'ok' | 'failed') => {
      if (!watch) ctx.emit({ kind: 'async', host: h.name, jid, phase });
    };
    if (st.state === 'finished') {
      say(st.timedOut ? 'failed' : 'ok');
      return { jid, dir, done: st.result, timedOut: st.timedOut };
    }
    if (st.state === 'missing' || Date.now() > deadline) {
      say('failed');
      return { jid, dir, timedOut: st.state === 'running' };
    }
    if (watch) watch(st.tail ?? '');
    else say('poll');
  }
}

/**
 * A plan marked `detached` (a disk image that takes minutes): its steps run as a job like an
 * async task's, so they outlive a dropped connection, and each poll reads the end of the job's
 * output for the module's progress(), emitted as a `progress` event when it moved. The result
 * is the job's, with the seconds it took; as such a job's output can be megabytes of progress
 * lines, a failure keeps only its last lines.
 */
export async function runDetached(ctx: PlayContext, h: HostState, task: Task, module: ModuleDef, d: Detached, script: Shell, opts: ExecOptions): Promise<{ applied: ExecResult; elapsed: number } | { failed: string }> {
  const t0 = Date.now();
  let last: Progress | undefined;
  const watch = (tail: string) => {
    const p = module.progress?.(tail);
    if (!p || (p.percent === last?.percent && p.rate === last?.rate && p.text === last?.text)) return;
    last = p;
    ctx.emit({ kind: 'progress', host: h.name, task: displayName(task), ...p });
  };
  const run = await runAsync(ctx, h, task, script, opts, d.seconds, d.poll ?? 5, watch);
  if (!run.done || run.timedOut) return { failed: `did not finish within ${d.seconds} s (its timeout): ended` };
  const { rc, stdout, stderr } = run.done;
  const elapsed = Math.round((Date.now() - t0) / 1000);
  if (rc === 0) return { applied: run.done, elapsed };
  // Progress lines end in \r: each line's last state, then the last 20 lines.
  const end = (stderr.trim() || stdout).split('\n').map((l) => l.split('\r').filter((x) => x.trim()).pop() ?? '').filter(Boolean).slice(-20).join('\n');
  return { applied: { rc, stdout, stderr: end }, elapsed };
}
